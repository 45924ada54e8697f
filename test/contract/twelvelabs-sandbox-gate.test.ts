import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../local/local-stack.js";
import {
  startTwelveLabsSandbox,
  type TwelveLabsSandbox,
} from "../../local/twelvelabs-sandbox/index.js";
import {
  callApi,
  createAnswerSchema,
  expectApi,
  listAnswerSchema,
  md5,
  presignedUrlsAnswerSchema,
  putPart,
  reportAnswerSchema,
  statusAnswerSchema,
} from "./sandbox-http.js";

const KiB = 1024;
const URL_LIFETIME_SECONDS = 60;
const SESSION_LIFETIME_SECONDS = 3600;

let stack: LocalStack;
let sandbox: TwelveLabsSandbox;
let strict: TwelveLabsSandbox;
/** The sandboxes' clock runs this far ahead of the real one, so tests expire URLs without sleeping. */
let skewMs = 0;
const now = () => Date.now() + skewMs;

beforeAll(async () => {
  stack = await startLocalStack();
  const common = {
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    chunkSize: KiB,
    minChunkSize: KiB,
    initialUrls: 2,
    urlLifetimeSeconds: URL_LIFETIME_SECONDS,
    sessionLifetimeSeconds: SESSION_LIFETIME_SECONDS,
    now,
  };
  sandbox = await startTwelveLabsSandbox(common);
  strict = await startTwelveLabsSandbox({ ...common, strictHeaders: true });
});

beforeEach(() => {
  skewMs = 0;
});

afterAll(async () => {
  await sandbox?.stop();
  await strict?.stop();
  await stack?.stop();
});

async function createSession(target: TwelveLabsSandbox, size: number) {
  return expectApi(target, "POST", "/assets/multipart-uploads", 201, createAnswerSchema, {
    filename: "clip.mov",
    type: "video",
    total_size: size,
  });
}

async function firstUrl(created: { upload_urls: { chunk_index: number; url: string }[] }) {
  const chunk = created.upload_urls[0];
  if (!chunk) throw new Error("no URL answered");
  return chunk.url;
}

/** Replaces one query parameter of a URL. */
function withParam(url: string, name: string, value: string): string {
  const changed = new URL(url);
  changed.searchParams.set(name, value);
  return changed.toString();
}

describe("TwelveLabs sandbox gate", () => {
  it("stores a PUT through the URL and answers S3's quoted MD5 ETag", async () => {
    const data = randomBytes(KiB);
    const created = await createSession(sandbox, data.length);
    expect(created.upload_headers).toEqual({ "Content-Type": "video/quicktime" });
    const put = await putPart(await firstUrl(created), data, created.upload_headers);
    expect(put.status).toBe(200);
    expect(put.etag).toBe(`"${md5(data)}"`);
  });

  it("refuses an expired URL, and a fresh URL from presigned-urls works again", async () => {
    const data = randomBytes(KiB);
    const created = await createSession(sandbox, data.length);
    const url = await firstUrl(created);
    const expiresAt = Date.parse(created.upload_urls[0]?.expires_at ?? "");
    expect(expiresAt - now()).toBeLessThanOrEqual(URL_LIFETIME_SECONDS * 1000);

    skewMs = (URL_LIFETIME_SECONDS + 1) * 1000;
    const expired = await putPart(url, data, created.upload_headers);
    expect(expired.status).toBe(403);
    expect(expired.body).toMatch(/expired/);
    expect(expired.etag).toBeUndefined();

    const fresh = await expectApi(
      sandbox,
      "POST",
      `/assets/multipart-uploads/${created.upload_id}/presigned-urls`,
      200,
      presignedUrlsAnswerSchema,
      { start: 1, count: 1 },
    );
    const freshUrl = fresh.upload_urls[0]?.url ?? "";
    expect(Date.parse(fresh.upload_urls[0]?.expires_at ?? "")).toBeGreaterThan(now());
    expect((await putPart(freshUrl, data, created.upload_headers)).status).toBe(200);
  });

  it("refuses a URL whose part number, upload id or signature was tampered with", async () => {
    const data = randomBytes(2 * KiB);
    const created = await createSession(sandbox, data.length);
    const url = await firstUrl(created);
    const part = data.subarray(0, KiB);
    for (const tampered of [
      withParam(url, "partNumber", "2"),
      withParam(url, "uploadId", "another-upload"),
      withParam(url, "X-Amz-Signature", "0".repeat(64)),
      withParam(url, "X-Amz-Expires", "604800"),
    ]) {
      const put = await putPart(tampered, part, created.upload_headers);
      expect(put.status).toBe(403);
      expect(put.etag).toBeUndefined();
    }
    // Nothing was stored for chunk 2 by the tampered PUT.
    const report = await callApi(
      sandbox,
      "POST",
      `/assets/multipart-uploads/${created.upload_id}`,
      {
        body: { completed_chunks: [{ chunk_index: 2, proof: md5(part), chunk_size: KiB }] },
      },
    );
    expect(report.status).toBe(400);
    expect((await putPart(url, part, created.upload_headers)).status).toBe(200);
  });

  it("by default takes any Content-Type, or none, as S3 does for URLs that sign only host", async () => {
    const data = randomBytes(KiB);
    const created = await createSession(sandbox, data.length);
    const url = await firstUrl(created);
    expect(new URL(url).searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    const variants: Record<string, string>[] = [
      { "Content-Type": "application/octet-stream" },
      { "Content-Type": "text/plain" },
      {},
    ];
    for (const headers of variants) {
      const put = await putPart(url, data, headers);
      expect(put.status).toBe(200);
      expect(put.etag).toBe(`"${md5(data)}"`);
    }
  });

  it("in strict mode refuses an omitted or other upload header and accepts the header as issued", async () => {
    const data = randomBytes(KiB);
    const created = await createSession(strict, data.length);
    const url = await firstUrl(created);
    const omitted = await putPart(url, data);
    expect(omitted.status).toBe(403);
    expect(omitted.body).toMatch(/SignatureDoesNotMatch/);
    const other = await putPart(url, data, { "Content-Type": "application/octet-stream" });
    expect(other.status).toBe(403);
    expect(other.body).toMatch(/SignatureDoesNotMatch/);
    expect((await putPart(url, data, created.upload_headers)).status).toBe(200);
  });

  it("answers 411 to a PUT without Content-Length", async () => {
    const created = await createSession(sandbox, KiB);
    const url = new URL(await firstUrl(created));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: "PUT", headers: { "transfer-encoding": "chunked" } },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(randomBytes(KiB));
    });
    expect(status).toBe(411);
  });

  it("replaces a part on a re-PUT: only the latest part's proof is accepted", async () => {
    const first = randomBytes(KiB);
    const second = randomBytes(KiB);
    const created = await createSession(sandbox, KiB);
    const url = await firstUrl(created);
    const etagFirst = (await putPart(url, first, created.upload_headers)).etag ?? "";
    const etagSecond = (await putPart(url, second, created.upload_headers)).etag ?? "";
    const path = `/assets/multipart-uploads/${created.upload_id}`;
    const stale = await callApi(sandbox, "POST", path, {
      body: { completed_chunks: [{ chunk_index: 1, proof: etagFirst, chunk_size: KiB }] },
    });
    expect(stale.status).toBe(400);
    const current = await callApi(sandbox, "POST", path, {
      body: { completed_chunks: [{ chunk_index: 1, proof: etagSecond, chunk_size: KiB }] },
    });
    expect(reportAnswerSchema.parse(current.body).total_completed).toBe(1);
    expect(md5(await sandbox.readAsset(created.asset_id))).toBe(md5(second));
  });

  it("refuses a part PUT once the session is completed", async () => {
    const data = randomBytes(KiB);
    const created = await createSession(sandbox, KiB);
    const url = await firstUrl(created);
    const etag = (await putPart(url, data, created.upload_headers)).etag ?? "";
    await callApi(sandbox, "POST", `/assets/multipart-uploads/${created.upload_id}`, {
      body: { completed_chunks: [{ chunk_index: 1, proof: etag, chunk_size: KiB }] },
    });
    expect((await putPart(url, data, created.upload_headers)).status).toBe(403);
    const more = await callApi(
      sandbox,
      "POST",
      `/assets/multipart-uploads/${created.upload_id}/presigned-urls`,
      { body: { start: 1, count: 1 } },
    );
    expect(more.status).toBe(400);
  });

  it("expires a session after its lifetime: status, list, URLs and PUTs all say so", async () => {
    const data = randomBytes(KiB);
    const created = await createSession(sandbox, KiB);
    const url = await firstUrl(created);

    skewMs = (SESSION_LIFETIME_SECONDS + 1) * 1000;
    const state = await expectApi(
      sandbox,
      "GET",
      `/assets/multipart-uploads/${created.upload_id}`,
      200,
      statusAnswerSchema,
    );
    expect(state.status).toBe("expired");
    const list = await expectApi(
      sandbox,
      "GET",
      "/assets/multipart-uploads?page_limit=50",
      200,
      listAnswerSchema,
    );
    expect(list.data.find((d) => d.upload_id === created.upload_id)?.status).toBe("expired");
    const more = await callApi(
      sandbox,
      "POST",
      `/assets/multipart-uploads/${created.upload_id}/presigned-urls`,
      { body: { start: 1, count: 1 } },
    );
    expect(more.status).toBe(400);
    expect((await putPart(url, data, created.upload_headers)).status).toBe(403);
    expect(sandbox.sessions().find((s) => s.uploadId === created.upload_id)?.status).toBe(
      "expired",
    );
  });

  it("answers 404 to other paths and 405 to other methods", async () => {
    const other = await request(`${sandbox.baseUrl}/indexes`, {
      headers: { "x-api-key": sandbox.apiKey },
    });
    await other.body.text();
    expect(other.statusCode).toBe(404);
    const wrongMethod = await request(`${sandbox.baseUrl}/assets/multipart-uploads`, {
      method: "DELETE",
      headers: { "x-api-key": sandbox.apiKey },
    });
    await wrongMethod.body.text();
    expect(wrongMethod.statusCode).toBe(405);
  });
});

describe("TwelveLabs sandbox stop", () => {
  it("closes its port and releases a delayed answer; a second stop is harmless", async () => {
    // The delay is a gate the test never releases: only stop() can end it.
    let reachedDelay: (ms: number) => void = () => {};
    const delayed = new Promise<number>((resolve) => {
      reachedDelay = resolve;
    });
    const own = await startTwelveLabsSandbox({
      s3: stack.s3.client,
      s3Endpoint: stack.s3.endpoint,
      faults: { list: { delayMs: 600_000 } },
      sleep: (ms) => {
        reachedDelay(ms);
        return new Promise<void>(() => {});
      },
    });
    const pending = request(`${own.baseUrl}/assets/multipart-uploads`, {
      headers: { "x-api-key": own.apiKey },
    }).then(
      (answer) => answer.body.text().then(() => answer.statusCode),
      () => "closed",
    );
    // The request is held in its 10-minute delay: stop() must not wait for it.
    expect(await delayed).toBe(600_000);
    await own.stop();
    expect(await pending).toBe("closed");
    expect(await isListening(own.partHost)).toBe(false);
    await expect(own.stop()).resolves.toBeUndefined();
  });
});

function isListening(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(":");
  return new Promise((resolve) => {
    const socket = connect(Number(port), host ?? "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
