/**
 * The sandbox's soak faults each do what they say: lost answers after full processing, proxy
 * HTML pages that process nothing, part PUTs reset midway that store nothing, chunks failed
 * after their first report, slow answers held by a gate, clock jumps that expire issued URLs,
 * and answers rewritten for tests. Rates are 1 or 0 on a seeded source, so every roll is known.
 */

import { randomBytes } from "node:crypto";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../local/local-stack.js";
import { seededRandom } from "../../local/seeded-random.js";
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
  putPart,
  reportAnswerSchema,
  statusAnswerSchema,
} from "./sandbox-http.js";

const KiB = 1024;
/** Large enough that a reset PUT is cut off after its first piece, not after the whole body. */
const CHUNK = 256 * KiB;
const URL_LIFETIME_SECONDS = 60;

let stack: LocalStack;
/** Real clock, seeded rolls. */
let sandbox: TwelveLabsSandbox;
/** Its waits go through {@link gate}, so a test holds a slow answer and releases it. */
let gated: TwelveLabsSandbox;

/** A hold-and-release gate: the sandbox's `sleep`. */
const gate = {
  waits: [] as { ms: number; release: () => void }[],
  onWait: undefined as (() => void) | undefined,
  sleep(ms: number): Promise<void> {
    return new Promise((release) => {
      gate.waits.push({ ms, release });
      gate.onWait?.();
    });
  },
  /** Resolves once the sandbox has begun `count` waits in all. */
  reached(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (gate.waits.length >= count) resolve();
      };
      gate.onWait = check;
      check();
    });
  },
};

beforeAll(async () => {
  stack = await startLocalStack();
  const common = {
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    chunkSize: CHUNK,
    minChunkSize: CHUNK,
    initialUrls: 2,
    urlLifetimeSeconds: URL_LIFETIME_SECONDS,
    random: seededRandom(7),
  };
  sandbox = await startTwelveLabsSandbox(common);
  gated = await startTwelveLabsSandbox({ ...common, sleep: (ms) => gate.sleep(ms) });
});

afterEach(() => {
  sandbox.setFaults({});
  sandbox.setRewriteAnswer(undefined);
  gated.setFaults({});
});

afterAll(async () => {
  for (const wait of gate.waits) wait.release();
  await sandbox?.stop();
  await gated?.stop();
  await stack?.stop();
});

type Created = Awaited<ReturnType<typeof createSession>>;

function createSession(target: TwelveLabsSandbox, size: number) {
  return expectApi(target, "POST", "/assets/multipart-uploads", 201, createAnswerSchema, {
    filename: "clip.mp4",
    type: "video",
    total_size: size,
  });
}

function firstUrl(created: Created): string {
  const url = created.upload_urls[0]?.url;
  if (!url) throw new Error("no URL answered");
  return url;
}

function report(target: TwelveLabsSandbox, uploadId: string, proof: string, size: number) {
  return callApi(target, "POST", `/assets/multipart-uploads/${uploadId}`, {
    body: { completed_chunks: [{ chunk_index: 1, proof, proof_type: "etag", chunk_size: size }] },
  });
}

function status(target: TwelveLabsSandbox, uploadId: string) {
  return expectApi(target, "GET", `/assets/multipart-uploads/${uploadId}`, 200, statusAnswerSchema);
}

/** An API call whose answer is read as text, whatever its type; rejects if none comes. */
async function rawCall(
  target: TwelveLabsSandbox,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
) {
  const answer = await request(`${target.baseUrl}${path}`, {
    method,
    headers: { "x-api-key": target.apiKey, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: answer.statusCode,
    contentType: String(answer.headers["content-type"]),
    text: await answer.body.text(),
  };
}

/** How much each fault count grew since `before`. */
function grown(target: TwelveLabsSandbox, before: Readonly<Record<string, number>>) {
  const now = target.faultCounts();
  return Object.fromEntries(
    Object.entries(now)
      .map(([key, count]) => [key, count - (before[key] ?? 0)] as const)
      .filter(([, delta]) => delta > 0),
  );
}

describe("lostAnswerRate", () => {
  it("a lost create answer leaves a session the client never learns of", async () => {
    const before = sandbox.faultCounts();
    const sessionsBefore = sandbox.sessionsCreated();
    sandbox.setFaults({ create: { lostAnswerRate: 1 } });
    await expect(
      rawCall(sandbox, "POST", "/assets/multipart-uploads", {
        filename: "lost.mp4",
        type: "video",
        total_size: CHUNK,
      }),
    ).rejects.toThrow();
    expect(sandbox.sessionsCreated()).toBe(sessionsBefore + 1);
    expect(grown(sandbox, before)).toEqual({ "create.lostAnswer": 1 });

    // Only listing the incomplete uploads shows it.
    sandbox.setFaults({});
    const orphan = sandbox.sessions().at(-1);
    const list = await expectApi(
      sandbox,
      "GET",
      "/assets/multipart-uploads?page_limit=50",
      200,
      listAnswerSchema,
    );
    expect(list.data.find((d) => d.upload_id === orphan?.uploadId)).toMatchObject({
      status: "active",
      total_size: CHUNK,
    });
  });

  it("a lost report answer: the report was applied all the same", async () => {
    const data = randomBytes(CHUNK);
    const created = await createSession(sandbox, data.length);
    const put = await putPart(firstUrl(created), data);
    sandbox.setFaults({ report: { lostAnswerRate: 1 } });
    await expect(report(sandbox, created.upload_id, put.etag ?? "", CHUNK)).rejects.toThrow();
    sandbox.setFaults({});
    expect((await status(sandbox, created.upload_id)).status).toBe("completed");
    const again = await report(sandbox, created.upload_id, put.etag ?? "", CHUNK);
    expect(reportAnswerSchema.parse(again.body)).toMatchObject({
      processed_chunks: 0,
      duplicate_chunks: 1,
    });
    expect(md5(await sandbox.readAsset(created.asset_id))).toBe(md5(data));
  });

  it("a lost part PUT answer: the part was stored all the same", async () => {
    const data = randomBytes(CHUNK);
    const created = await createSession(sandbox, data.length);
    const before = sandbox.faultCounts();
    sandbox.setFaults({ partPut: { lostAnswerRate: 1 } });
    await expect(putPart(firstUrl(created), data)).rejects.toThrow();
    sandbox.setFaults({});
    expect(grown(sandbox, before)).toEqual({ "partPut.lostAnswer": 1 });
    const reported = await report(sandbox, created.upload_id, md5(data), CHUNK);
    expect(reportAnswerSchema.parse(reported.body).processed_chunks).toBe(1);
  });
});

describe("htmlAnswerRate", () => {
  it("answers a proxy's HTML page with a 200, and the create made no session", async () => {
    const sessionsBefore = sandbox.sessionsCreated();
    const before = sandbox.faultCounts();
    sandbox.setFaults({ create: { htmlAnswerRate: 1 } });
    const answer = await rawCall(sandbox, "POST", "/assets/multipart-uploads", {
      filename: "html.mp4",
      type: "video",
      total_size: CHUNK,
    });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/html/);
    expect(answer.text).toMatch(/^<!DOCTYPE html>/);
    expect(sandbox.sessionsCreated()).toBe(sessionsBefore);
    expect(grown(sandbox, before)).toEqual({ "create.htmlAnswer": 1 });
  });

  it("an HTML answer to a report applied nothing", async () => {
    const data = randomBytes(CHUNK);
    const created = await createSession(sandbox, data.length);
    const put = await putPart(firstUrl(created), data);
    sandbox.setFaults({ report: { htmlAnswerRate: 1 } });
    const answer = await rawCall(
      sandbox,
      "POST",
      `/assets/multipart-uploads/${created.upload_id}`,
      {
        completed_chunks: [{ chunk_index: 1, proof: put.etag, chunk_size: CHUNK }],
      },
    );
    expect(answer.contentType).toMatch(/^text\/html/);
    sandbox.setFaults({});
    const state = await status(sandbox, created.upload_id);
    expect(state).toMatchObject({ status: "active", chunks_completed: 0, chunks_pending: 1 });
  });

  it("an HTML answer to a part PUT has no ETag and stored nothing", async () => {
    const data = randomBytes(CHUNK);
    const created = await createSession(sandbox, data.length);
    sandbox.setFaults({ partPut: { htmlAnswerRate: 1 } });
    const put = await putPart(firstUrl(created), data);
    expect(put.status).toBe(200);
    expect(put.etag).toBeUndefined();
    expect(put.body).toMatch(/<html>/);
    sandbox.setFaults({});
    const reported = await report(sandbox, created.upload_id, md5(data), CHUNK);
    expect(reported.status).toBe(400);
  });
});

describe("resetMidPutRate", () => {
  it("destroys the connection partway through the body, and nothing is stored", async () => {
    const data = randomBytes(CHUNK);
    const created = await createSession(sandbox, data.length);
    const before = sandbox.faultCounts();
    sandbox.setFaults({ partPut: { resetMidPutRate: 1 } });
    await expect(putPart(firstUrl(created), data)).rejects.toThrow();
    expect(grown(sandbox, before)).toEqual({ "partPut.resetMidPut": 1 });
    sandbox.setFaults({});

    const unsent = await report(sandbox, created.upload_id, md5(data), CHUNK);
    expect(errorBodySchema.parse(unsent.body).message).toMatch(/no part has been uploaded/);
    // The same URL works once the fault is gone.
    const put = await putPart(firstUrl(created), data);
    expect(put.etag).toBe(`"${md5(data)}"`);
  });
});

describe("failChunkRate", () => {
  it("fails a chunk right after its first accepted report; the resent chunk completes", async () => {
    const data = randomBytes(CHUNK);
    const created = await createSession(sandbox, data.length);
    const url = firstUrl(created);
    const first = await putPart(url, data);
    const before = sandbox.faultCounts();
    sandbox.setFaults({ failChunkRate: 1 });
    const accepted = await report(sandbox, created.upload_id, first.etag ?? "", CHUNK);
    expect(reportAnswerSchema.parse(accepted.body)).toMatchObject({
      processed_chunks: 1,
      total_completed: 0,
    });
    const failed = await status(sandbox, created.upload_id);
    expect(failed.uploaded_chunks[0]).toMatchObject({
      status: "failed",
      error: expect.any(String),
    });
    expect(grown(sandbox, before)).toEqual({ "report.failChunk": 1 });

    // Only the first accepted report rolls: the fault still applies, yet the resend completes.
    const resent = await putPart(url, data);
    const answer = await report(sandbox, created.upload_id, resent.etag ?? "", CHUNK);
    expect(reportAnswerSchema.parse(answer.body).total_completed).toBe(1);
    expect((await status(sandbox, created.upload_id)).status).toBe("completed");
    expect(grown(sandbox, before)).toEqual({ "report.failChunk": 1 });
  });
});

describe("slowRate and delayMs", () => {
  it("holds a slow answer until its wait ends, and counts it", async () => {
    const before = gated.faultCounts();
    const waitsBefore = gate.waits.length;
    gated.setFaults({ list: { slowRate: 1, slowMs: 7000 } });
    let answered = false;
    const pending = rawCall(gated, "GET", "/assets/multipart-uploads").then((answer) => {
      answered = true;
      return answer;
    });
    await gate.reached(waitsBefore + 1);
    expect(gate.waits.at(-1)?.ms).toBe(7000);
    expect(answered).toBe(false);
    expect(grown(gated, before)).toEqual({ "list.slow": 1 });

    gate.waits.at(-1)?.release();
    expect((await pending).status).toBe(200);
  });

  it("waits delayMs, then the slow wait, before a part PUT is processed", async () => {
    const data = randomBytes(CHUNK);
    const created = await createSession(gated, data.length);
    const waitsBefore = gate.waits.length;
    gated.setFaults({ partPut: { delayMs: 100, slowRate: 1, slowMs: 9000 } });
    const pending = putPart(firstUrl(created), data);
    await gate.reached(waitsBefore + 1);
    expect(gate.waits.at(-1)?.ms).toBe(100);
    gate.waits.at(-1)?.release();
    await gate.reached(waitsBefore + 2);
    expect(gate.waits.at(-1)?.ms).toBe(9000);
    gate.waits.at(-1)?.release();
    expect((await pending).etag).toBe(`"${md5(data)}"`);
  });
});

describe("advanceClock", () => {
  it("expires an issued URL on the default clock: 403 AccessDenied, Request has expired", async () => {
    const data = randomBytes(CHUNK);
    const created = await createSession(sandbox, data.length);
    const url = firstUrl(created);
    const before = sandbox.faultCounts();
    const realBefore = Date.now();
    sandbox.advanceClock((URL_LIFETIME_SECONDS + 1) * 1000);
    expect(sandbox.now()).toBeGreaterThanOrEqual(realBefore + (URL_LIFETIME_SECONDS + 1) * 1000);
    expect(grown(sandbox, before)).toEqual({ "clock.advance": 1 });

    const expired = await putPart(url, data);
    expect(expired.status).toBe(403);
    expect(expired.body).toContain("<Code>AccessDenied</Code>");
    expect(expired.body).toContain("<Message>Request has expired</Message>");

    const fresh = await callApi(
      sandbox,
      "POST",
      `/assets/multipart-uploads/${created.upload_id}/presigned-urls`,
      { body: { start: 1, count: 1 } },
    );
    const freshUrl = (fresh.body as { upload_urls: { url: string }[] }).upload_urls[0]?.url ?? "";
    expect((await putPart(freshUrl, data)).status).toBe(200);
  });

  it("refuses a jump backwards", () => {
    expect(() => sandbox.advanceClock(-1)).toThrow(/advanceClock/);
  });
});

describe("rewriteAnswer", () => {
  it("rewrites successful answers only, per endpoint, until removed", async () => {
    const created = await createSession(sandbox, 2 * CHUNK);
    const seen: string[] = [];
    sandbox.setRewriteAnswer((endpoint, answer) => {
      seen.push(endpoint);
      if (endpoint !== "status") return answer;
      const body = answer as { uploaded_chunks: object[]; page_info?: unknown };
      const { page_info: _dropped, ...rest } = body;
      return {
        ...rest,
        status: "processing",
        upload_id: null,
        uploaded_chunks: body.uploaded_chunks.map((c) => ({ ...c, status: "uploading" })),
      };
    });
    const path = `/assets/multipart-uploads/${created.upload_id}`;
    const rewritten = (await callApi(sandbox, "GET", path)).body as Record<string, unknown>;
    expect(rewritten).toMatchObject({
      status: "processing",
      upload_id: null,
      uploaded_chunks: [{ status: "uploading" }, { status: "uploading" }],
    });
    expect(rewritten).not.toHaveProperty("page_info");

    // An error answer is left alone, and the rewriter never sees it.
    const missing = await callApi(
      sandbox,
      "GET",
      "/assets/multipart-uploads/000000000000000000000000",
    );
    expect(missing.status).toBe(404);
    expect(errorBodySchema.parse(missing.body).code).toBe("not_found");
    expect(seen).toEqual(["status"]);

    sandbox.setRewriteAnswer(() => undefined);
    const empty = await rawCall(sandbox, "GET", path);
    expect(empty).toMatchObject({ status: 200, text: "" });

    sandbox.setRewriteAnswer(undefined);
    expect((await status(sandbox, created.upload_id)).status).toBe("active");
  });

  it("takes the rewriter as a start option too", async () => {
    const own = await startTwelveLabsSandbox({
      s3: stack.s3.client,
      s3Endpoint: stack.s3.endpoint,
      rewriteAnswer: (endpoint, answer) =>
        endpoint === "create" ? { ...(answer as object), expires_at: null } : answer,
    });
    try {
      const created = await callApi(own, "POST", "/assets/multipart-uploads", {
        body: { filename: "a.mp4", type: "video", total_size: 10 },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ expires_at: null, total_chunks: 1 });
    } finally {
      await own.stop();
    }
  });
});

describe("fault counts and validation", () => {
  it("counts 500s and 429s per endpoint beside the other kinds", async () => {
    const before = sandbox.faultCounts();
    sandbox.setFaults({
      create: { error500Rate: 1 },
      list: { error429Rate: 1, retryAfterSeconds: 0 },
    });
    await callApi(sandbox, "POST", "/assets/multipart-uploads", {
      body: { filename: "a.mp4", type: "video", total_size: 10 },
    });
    await callApi(sandbox, "GET", "/assets/multipart-uploads");
    await callApi(sandbox, "GET", "/assets/multipart-uploads");
    expect(grown(sandbox, before)).toEqual({ "create.500": 1, "list.429": 2 });
  });

  it("refuses a misspelt fault or a rate outside 0..1, naming it", () => {
    expect(() => sandbox.setFaults({ create: { lostAnswersRate: 1 } as never })).toThrow(/create/);
    expect(() => sandbox.setFaults({ report: { htmlAnswerRate: 2 } })).toThrow(
      /report\.htmlAnswerRate/,
    );
    expect(() => sandbox.setFaults({ status: { resetMidPutRate: 1 } as never })).toThrow(/status/);
  });
});
