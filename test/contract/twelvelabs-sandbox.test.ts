import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TWELVELABS_LIMITS } from "../../functions/core/config/limits.js";
import { type LocalStack, startLocalStack } from "../../local/local-stack.js";
import {
  startTwelveLabsSandbox,
  type TwelveLabsSandbox,
} from "../../local/twelvelabs-sandbox/index.js";
import {
  callApi,
  createAnswerSchema,
  errorBodySchema,
  expectApi,
  listAnswerSchema,
  md5,
  presignedUrlsAnswerSchema,
  putPart,
  reportAnswerSchema,
  statusAnswerSchema,
} from "./sandbox-http.js";

const MiB = 1024 * 1024;
const KiB = 1024;

let stack: LocalStack;
/** 5 MiB chunks (the real S3 minimum) and 3 initial URLs: the 40 MiB upload. */
let big: TwelveLabsSandbox;
/** 1 KiB chunks, for fast refusal tests. */
let small: TwelveLabsSandbox;

beforeAll(async () => {
  stack = await startLocalStack();
  big = await startTwelveLabsSandbox({
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    chunkSize: 5 * MiB,
    initialUrls: 3,
  });
  small = await startTwelveLabsSandbox({
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    chunkSize: KiB,
    minChunkSize: KiB,
    initialUrls: 2,
  });
});

afterAll(async () => {
  await big?.stop();
  await small?.stop();
  await stack?.stop();
});

type Created = Awaited<ReturnType<typeof createSession>>;

async function createSession(sandbox: TwelveLabsSandbox, size: number, filename = "clip.mp4") {
  return expectApi(sandbox, "POST", "/assets/multipart-uploads", 201, createAnswerSchema, {
    filename,
    type: "video",
    total_size: size,
  });
}

async function urlsFor(sandbox: TwelveLabsSandbox, uploadId: string, start: number, count: number) {
  const answer = await expectApi(
    sandbox,
    "POST",
    `/assets/multipart-uploads/${uploadId}/presigned-urls`,
    200,
    presignedUrlsAnswerSchema,
    { start, count },
  );
  return answer.upload_urls;
}

function slice(data: Buffer, created: Created, index: number): Buffer {
  return data.subarray((index - 1) * created.chunk_size, index * created.chunk_size);
}

/** PUTs chunk `index` through a fresh URL, with the upload headers; answers the ETag as sent. */
async function upload(
  sandbox: TwelveLabsSandbox,
  created: Created,
  data: Buffer,
  index: number,
): Promise<string> {
  const [chunk] = await urlsFor(sandbox, created.upload_id, index, 1);
  if (!chunk) throw new Error("no URL answered");
  const put = await putPart(chunk.url, slice(data, created, index), created.upload_headers);
  expect(put.status).toBe(200);
  if (!put.etag) throw new Error("no ETag answered");
  return put.etag;
}

function report(
  sandbox: TwelveLabsSandbox,
  uploadId: string,
  chunks: { chunk_index: number; proof: string; chunk_size: number }[],
) {
  return callApi(sandbox, "POST", `/assets/multipart-uploads/${uploadId}`, {
    body: { completed_chunks: chunks.map((c) => ({ ...c, proof_type: "etag" })) },
  });
}

function status(sandbox: TwelveLabsSandbox, uploadId: string, query = "") {
  return expectApi(
    sandbox,
    "GET",
    `/assets/multipart-uploads/${uploadId}${query}`,
    200,
    statusAnswerSchema,
  );
}

function expectError(result: { status: number; body: unknown }, httpStatus: number): string {
  expect(result.status).toBe(httpStatus);
  const error = errorBodySchema.parse(result.body);
  return error.message;
}

describe("TwelveLabs sandbox: a 40 MiB upload by hand", () => {
  it("ends completed with an asset whose MD5 equals the source's", async () => {
    const source = randomBytes(40 * MiB);
    const created = await createSession(big, source.length, "big.mp4");
    expect(created.chunk_size).toBe(5 * MiB);
    expect(created.total_chunks).toBe(8);
    expect(created.upload_urls.map((u) => u.chunk_index)).toEqual([1, 2, 3]);
    expect(Object.keys(created.upload_headers).length).toBeGreaterThan(0);
    for (const chunk of created.upload_urls) {
      expect(new URL(chunk.url).host).toBe(big.partHost);
    }

    const put = async (chunk: { chunk_index: number; url: string }) => {
      const bytes = slice(source, created, chunk.chunk_index);
      const answer = await putPart(chunk.url, bytes, created.upload_headers);
      expect(answer.status).toBe(200);
      expect(answer.etag).toBe(`"${md5(bytes)}"`);
      return { chunk_index: chunk.chunk_index, proof: answer.etag ?? "", chunk_size: bytes.length };
    };

    // First window from the create answer, reported quoted as S3 answered it.
    const first = await Promise.all(created.upload_urls.map(put));
    const firstReport = await report(big, created.upload_id, first);
    expect(firstReport.status).toBe(200);
    const firstCounts = reportAnswerSchema.parse(firstReport.body);
    expect(firstCounts).toEqual({
      asset_id: created.asset_id,
      processed_chunks: 3,
      duplicate_chunks: 0,
      total_completed: 3,
    });

    // The rest in windows of 3, reported with the quotes stripped (as the official SDK does).
    let lastReport: unknown;
    for (let start = 4; start <= created.total_chunks; start += 3) {
      const count = Math.min(3, created.total_chunks - start + 1);
      const urls = await urlsFor(big, created.upload_id, start, count);
      expect(urls.map((u) => u.chunk_index)).toEqual(
        Array.from({ length: count }, (_, i) => start + i),
      );
      const proofs = await Promise.all(urls.map(put));
      const answer = await report(
        big,
        created.upload_id,
        proofs.map((p) => ({ ...p, proof: p.proof.replace(/"/g, "") })),
      );
      expect(answer.status).toBe(200);
      lastReport = answer.body;
    }
    const final = reportAnswerSchema.parse(lastReport);
    expect(final.total_completed).toBe(8);
    expect(final.url).toEqual(expect.any(String));

    // The sandbox completes the upload within the report of its last chunk: the first status
    // call after it already reads completed, with no waiting.
    const state = await status(big, created.upload_id);
    expect(state.status).toBe("completed");
    expect(state.uploaded_size).toBe(source.length);
    expect(state.chunks_completed).toBe(8);

    const asset = await big.readAsset(created.asset_id);
    expect(asset.length).toBe(source.length);
    expect(md5(asset)).toBe(md5(source));
    // The streamed read (npm start's check, any size) yields the same bytes, piece by piece.
    const pieces: Buffer[] = [];
    for await (const piece of await big.assetStream(created.asset_id)) pieces.push(piece as Buffer);
    expect(pieces.length).toBeGreaterThan(1);
    expect(md5(Buffer.concat(pieces))).toBe(md5(source));
  });
});

describe("TwelveLabs sandbox: authentication and unknown uploads", () => {
  it("answers 403 with a JSON error without a key or with a wrong key", async () => {
    for (const key of [null, "wrong-key"]) {
      const list = await callApi(small, "GET", "/assets/multipart-uploads", { key });
      expectError(list, 403);
      const create = await callApi(small, "POST", "/assets/multipart-uploads", {
        key,
        body: { filename: "a.mp4", type: "video", total_size: 10 },
      });
      expectError(create, 403);
    }
    expect(small.sessions()).toHaveLength(0);
  });

  it("answers 404 for an unknown upload_id on every upload call", async () => {
    const id = "000000000000000000000000";
    expectError(await callApi(small, "GET", `/assets/multipart-uploads/${id}`), 404);
    expectError(
      await callApi(small, "POST", `/assets/multipart-uploads/${id}/presigned-urls`, {
        body: { start: 1, count: 1 },
      }),
      404,
    );
    expectError(
      await callApi(small, "POST", `/assets/multipart-uploads/${id}`, {
        body: { completed_chunks: [{ chunk_index: 1, proof: "x", chunk_size: 1 }] },
      }),
      404,
    );
  });
});

describe("TwelveLabs sandbox: create", () => {
  const create = (body: unknown) => callApi(small, "POST", "/assets/multipart-uploads", { body });

  it("refuses a 0-byte file and one over 4 GB", async () => {
    expect(
      expectError(await create({ filename: "a.mp4", type: "video", total_size: 0 }), 400),
    ).toMatch(/total_size/);
    expect(
      expectError(
        await create({
          filename: "a.mp4",
          type: "video",
          total_size: TWELVELABS_LIMITS.maxFileSize + 1,
        }),
        400,
      ),
    ).toMatch(/total_size/);
  });

  it("refuses a missing or empty filename, another type, a fractional size and malformed JSON", async () => {
    expectError(await create({ type: "video", total_size: 10 }), 400);
    expectError(await create({ filename: "", type: "video", total_size: 10 }), 400);
    expectError(await create({ filename: "a.png", type: "image", total_size: 10 }), 400);
    expectError(await create({ filename: "a.mp4", type: "video", total_size: 1.5 }), 400);
    expectError(
      await callApi(small, "POST", "/assets/multipart-uploads", { rawBody: "{not json" }),
      400,
    );
  });

  it("accepts exactly 4 GB, growing chunk_size so no more than 10,000 chunks are needed", async () => {
    const size = TWELVELABS_LIMITS.maxFileSize;
    const created = await createSession(small, size);
    expect(created.total_chunks).toBeLessThanOrEqual(10_000);
    expect(created.total_chunks).toBe(Math.ceil(size / created.chunk_size));
    expect(created.upload_urls).toHaveLength(2);
  });

  it("accepts audio, and answers upload headers from the file type", async () => {
    const created = await expectApi(
      small,
      "POST",
      "/assets/multipart-uploads",
      201,
      createAnswerSchema,
      {
        filename: "talk.mp3",
        type: "audio",
        total_size: 3 * KiB + 5,
      },
    );
    expect(created.total_chunks).toBe(4);
    expect(created.upload_headers).toEqual({ "Content-Type": "audio/mpeg" });
  });
});

describe("TwelveLabs sandbox: presigned-urls", () => {
  let created: Created;
  beforeAll(async () => {
    created = await createSession(small, 5 * KiB);
  });
  const ask = (body: unknown) =>
    callApi(small, "POST", `/assets/multipart-uploads/${created.upload_id}/presigned-urls`, {
      body,
    });

  it("refuses count 0 and 51, start 0, and a range past the end", async () => {
    expect(expectError(await ask({ start: 1, count: 0 }), 400)).toMatch(/count/);
    expect(expectError(await ask({ start: 1, count: 51 }), 400)).toMatch(/count/);
    expect(expectError(await ask({ start: 0, count: 1 }), 400)).toMatch(/start/);
    expect(expectError(await ask({ start: 4, count: 3 }), 400)).toMatch(/total_chunks/);
    expectError(await ask({ start: 1 }), 400);
  });

  it("answers fresh URLs for exactly the window asked, up to the last chunk", async () => {
    const answer = await expectApi(
      small,
      "POST",
      `/assets/multipart-uploads/${created.upload_id}/presigned-urls`,
      200,
      presignedUrlsAnswerSchema,
      { start: 4, count: 2 },
    );
    expect(answer.start_index).toBe(4);
    expect(answer.count).toBe(2);
    expect(answer.upload_urls.map((u) => u.chunk_index)).toEqual([4, 5]);
    expect(answer.expires_at).toBe(created.expires_at);
  });
});

describe("TwelveLabs sandbox: report", () => {
  it("refuses a wrong ETag proof and counts nothing of that batch", async () => {
    const data = randomBytes(3 * KiB);
    const created = await createSession(small, data.length);
    const etag1 = await upload(small, created, data, 1);
    await upload(small, created, data, 2);
    const answer = await report(small, created.upload_id, [
      { chunk_index: 1, proof: etag1, chunk_size: KiB },
      { chunk_index: 2, proof: `"${md5(Buffer.from("other bytes"))}"`, chunk_size: KiB },
    ]);
    expect(expectError(answer, 400)).toMatch(/chunk 2/);
    const state = await status(small, created.upload_id);
    expect(state.chunks_completed).toBe(0);
    expect(state.uploaded_size).toBe(0);
  });

  it("refuses a wrong chunk_size, an index out of range, an unsent chunk and 51 entries", async () => {
    const data = randomBytes(2 * KiB + 100);
    const created = await createSession(small, data.length);
    const etag3 = await upload(small, created, data, 3);
    // The last chunk is 100 bytes: reporting it as a full chunk is refused.
    expect(
      expectError(
        await report(small, created.upload_id, [{ chunk_index: 3, proof: etag3, chunk_size: KiB }]),
        400,
      ),
    ).toMatch(/chunk 3.*chunk_size/);
    expect(
      expectError(
        await report(small, created.upload_id, [{ chunk_index: 4, proof: etag3, chunk_size: 100 }]),
        400,
      ),
    ).toMatch(/chunk 4/);
    expect(
      expectError(
        await report(small, created.upload_id, [{ chunk_index: 1, proof: etag3, chunk_size: KiB }]),
        400,
      ),
    ).toMatch(/chunk 1/);
    const many = Array.from({ length: 51 }, () => ({
      chunk_index: 3,
      proof: etag3,
      chunk_size: 100,
    }));
    expectError(await report(small, created.upload_id, many), 400);
    expect((await status(small, created.upload_id)).chunks_completed).toBe(0);
  });

  it("accepts proofs with and without quotes, counts duplicates, and answers url only at the end", async () => {
    const data = randomBytes(2 * KiB);
    const created = await createSession(small, data.length);
    const etag1 = await upload(small, created, data, 1);
    const etag2 = await upload(small, created, data, 2);
    expect(etag1.startsWith('"')).toBe(true);

    const quoted = await report(small, created.upload_id, [
      { chunk_index: 1, proof: etag1, chunk_size: KiB },
    ]);
    expect(reportAnswerSchema.parse(quoted.body)).toEqual({
      asset_id: created.asset_id,
      processed_chunks: 1,
      duplicate_chunks: 0,
      total_completed: 1,
    });

    const again = await report(small, created.upload_id, [
      { chunk_index: 1, proof: etag1.replace(/"/g, ""), chunk_size: KiB },
      { chunk_index: 2, proof: etag2.replace(/"/g, ""), chunk_size: KiB },
    ]);
    const last = reportAnswerSchema.parse(again.body);
    expect(last).toMatchObject({ processed_chunks: 1, duplicate_chunks: 1, total_completed: 2 });
    expect(last.url).toEqual(expect.any(String));
    expect((await status(small, created.upload_id)).status).toBe("completed");
    expect(md5(await small.readAsset(created.upload_id))).toBe(md5(data));

    const afterwards = await report(small, created.upload_id, [
      { chunk_index: 2, proof: etag2, chunk_size: KiB },
    ]);
    expect(reportAnswerSchema.parse(afterwards.body)).toMatchObject({
      processed_chunks: 0,
      duplicate_chunks: 1,
      total_completed: 2,
    });
  });

  it("shows a forced failed chunk with its error until it is sent and reported again", async () => {
    const data = randomBytes(2 * KiB);
    const created = await createSession(small, data.length);
    const etag1 = await upload(small, created, data, 1);
    const first = await report(small, created.upload_id, [
      { chunk_index: 1, proof: etag1, chunk_size: KiB },
    ]);
    expect(first.status).toBe(200);

    small.failChunk(created.upload_id, 1, "checksum mismatch");
    const failed = await status(small, created.upload_id);
    expect(failed.chunks_failed).toBe(1);
    expect(failed.chunks_completed).toBe(0);
    expect(failed.uploaded_chunks[0]).toMatchObject({
      index: 1,
      status: "failed",
      uploaded_at: null,
      error: "checksum mismatch",
    });

    // The old proof no longer names a stored part: the chunk must be sent again.
    const stale = await report(small, created.upload_id, [
      { chunk_index: 1, proof: etag1, chunk_size: KiB },
    ]);
    expect(expectError(stale, 400)).toMatch(/chunk 1/);

    const resent = await upload(small, created, data, 1);
    const etag2 = await upload(small, created, data, 2);
    const answer = await report(small, created.upload_id, [
      { chunk_index: 1, proof: resent, chunk_size: KiB },
      { chunk_index: 2, proof: etag2, chunk_size: KiB },
    ]);
    expect(reportAnswerSchema.parse(answer.body)).toMatchObject({
      processed_chunks: 2,
      duplicate_chunks: 0,
      total_completed: 2,
    });
    const done = await status(small, created.upload_id);
    expect(done.status).toBe("completed");
    expect(done.uploaded_chunks[0]).not.toHaveProperty("error");
    expect(md5(await small.readAsset(created.asset_id))).toBe(md5(data));
  });

  it("refuses a malformed report body", async () => {
    const created = await createSession(small, KiB);
    const path = `/assets/multipart-uploads/${created.upload_id}`;
    expectError(await callApi(small, "POST", path, { body: { completed_chunks: [] } }), 400);
    expectError(await callApi(small, "POST", path, { body: {} }), 400);
    expectError(await callApi(small, "POST", path, { rawBody: "[" }), 400);
    expectError(
      await callApi(small, "POST", path, {
        body: {
          completed_chunks: [{ chunk_index: 1, proof: "x", proof_type: "md5", chunk_size: KiB }],
        },
      }),
      400,
    );
  });
});

describe("TwelveLabs sandbox: status and list", () => {
  it("paginates chunks, and refuses page_limit 51, page_limit 0 and page 0", async () => {
    const data = randomBytes(5 * KiB);
    const created = await createSession(small, data.length);
    const etag = await upload(small, created, data, 3);
    await report(small, created.upload_id, [{ chunk_index: 3, proof: etag, chunk_size: KiB }]);

    const first = await status(small, created.upload_id, "?page=1&page_limit=2");
    expect(first.page_info).toEqual({
      limit_per_page: 2,
      page: 1,
      total_page: 3,
      total_results: 5,
    });
    expect(first.uploaded_chunks.map((c) => c.index)).toEqual([1, 2]);
    const second = await status(small, created.upload_id, "?page=2&page_limit=2");
    expect(second.uploaded_chunks.map((c) => [c.index, c.status])).toEqual([
      [3, "completed"],
      [4, "pending"],
    ]);
    expect(second.uploaded_chunks[0]?.uploaded_at).toEqual(expect.any(String));
    expect(second.uploaded_chunks[1]?.uploaded_at).toBeNull();
    const third = await status(small, created.upload_id, "?page=3&page_limit=2");
    expect(third.uploaded_chunks.map((c) => c.index)).toEqual([5]);
    expect(third).toMatchObject({
      status: "active",
      chunks_completed: 1,
      chunks_pending: 4,
      chunks_failed: 0,
      total_size: 5 * KiB,
      uploaded_size: KiB,
    });
    const byDefault = await status(small, created.upload_id);
    expect(byDefault.page_info.limit_per_page).toBe(10);

    const path = `/assets/multipart-uploads/${created.upload_id}`;
    expectError(await callApi(small, "GET", `${path}?page_limit=51`), 400);
    expectError(await callApi(small, "GET", `${path}?page_limit=0`), 400);
    expectError(await callApi(small, "GET", `${path}?page=0`), 400);
    expectError(await callApi(small, "GET", `${path}?page=one`), 400);
  });

  it("lists incomplete sessions only, paginated", async () => {
    const data = randomBytes(KiB);
    const done = await createSession(small, data.length);
    const etag = await upload(small, done, data, 1);
    await report(small, done.upload_id, [{ chunk_index: 1, proof: etag, chunk_size: KiB }]);
    const open = await createSession(small, 2 * KiB);
    // A second open session of its own, so page 2 of one per page exists when run alone.
    await createSession(small, KiB);

    const incomplete = small.sessions().filter((s) => s.status !== "completed");
    const all = await expectApi(
      small,
      "GET",
      "/assets/multipart-uploads?page_limit=50",
      200,
      listAnswerSchema,
    );
    expect(all.page_info.total_results).toBe(incomplete.length);
    const ids = all.data.map((d) => d.upload_id);
    expect(ids).toContain(open.upload_id);
    expect(ids).not.toContain(done.upload_id);
    expect(all.data.find((d) => d.upload_id === open.upload_id)).toMatchObject({
      status: "active",
      total_size: 2 * KiB,
      chunk_size: KiB,
      total_chunks: 2,
      expires_at: open.expires_at,
    });

    const page = await expectApi(
      small,
      "GET",
      "/assets/multipart-uploads?page=2&page_limit=1",
      200,
      listAnswerSchema,
    );
    expect(page.data).toHaveLength(1);
    expect(page.page_info).toMatchObject({
      page: 2,
      limit_per_page: 1,
      total_page: incomplete.length,
    });
    expectError(await callApi(small, "GET", "/assets/multipart-uploads?page_limit=51"), 400);
  });

  it("refuses to read an asset that is not completed", async () => {
    const created = await createSession(small, KiB);
    await expect(small.readAsset(created.asset_id)).rejects.toThrow(/active/);
  });
});

describe("TwelveLabs sandbox: faults", () => {
  afterAll(() => small.setFaults({}));

  it("answers 429 with Retry-After, and 500, per endpoint, until the faults are cleared", async () => {
    small.setFaults({
      list: { error429Rate: 1, retryAfterSeconds: 7 },
      create: { error500Rate: 1 },
    });
    const limited = await callApi(small, "GET", "/assets/multipart-uploads");
    expectError(limited, 429);
    expect(limited.headers["retry-after"]).toBe("7");
    expectError(
      await callApi(small, "POST", "/assets/multipart-uploads", {
        body: { filename: "a.mp4", type: "video", total_size: 10 },
      }),
      500,
    );

    small.setFaults({ status: { error429Rate: 1 } });
    const created = await createSession(small, KiB);
    const defaulted = await callApi(small, "GET", `/assets/multipart-uploads/${created.upload_id}`);
    expectError(defaulted, 429);
    expect(defaulted.headers["retry-after"]).toBe("1");

    small.setFaults({});
    expect((await status(small, created.upload_id)).status).toBe("active");
  });

  it("injects faults into part PUTs, which store nothing", async () => {
    const data = randomBytes(KiB);
    const created = await createSession(small, data.length);
    const [chunk] = created.upload_urls;
    if (!chunk) throw new Error("no URL answered");
    small.setFaults({ partPut: { error429Rate: 1, retryAfterSeconds: 3 } });
    const limited = await putPart(chunk.url, data, created.upload_headers);
    expect(limited.status).toBe(429);
    expect(limited.etag).toBeUndefined();
    small.setFaults({ partPut: { error500Rate: 1 } });
    expect((await putPart(chunk.url, data, created.upload_headers)).status).toBe(500);
    const unsent = await report(small, created.upload_id, [
      { chunk_index: 1, proof: md5(data), chunk_size: KiB },
    ]);
    expectError(unsent, 400);

    small.setFaults({ partPut: { delayMs: 20 } });
    const slow = await putPart(chunk.url, data, created.upload_headers);
    expect(slow.status).toBe(200);
    expect(slow.etag).toBe(`"${md5(data)}"`);
  });
});
