import { randomBytes } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkRange } from "../../../functions/core/chunk-plan.js";
import { withDeadline } from "../../../functions/core/deadline.js";
import {
  ChecksumMismatchError,
  ChunkTransferError,
  InvalidInputError,
  RelayError,
  SourceChangedError,
} from "../../../functions/core/errors.js";
import { transferChunks } from "../../../functions/core/transfer-batch.js";
import {
  type TransferChunkInput,
  type TransferredChunk,
  transferChunk,
} from "../../../functions/core/transfer-chunk.js";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalStack,
  startLocalStack,
} from "../../../local/local-stack.js";
import { md5 } from "../../helpers/md5.js";
import {
  type EarlyReply,
  failure,
  type Latch,
  latch,
  type RecordedRequest,
  type Reply,
  type RequestHead,
  ScriptedHttpServer,
} from "../../helpers/scripted-http-server.js";

const MiB = 1024 * 1024;
const SRC = "relay-source";
const DST = "relay-destination";
const BIG_KEY = "drop/video one.mp4";
const BIG_SIZE = 12 * MiB + 3;
const CHUNK = 4 * MiB;
/** Looks like a presigned query; must never surface in an error. */
const SECRET_QUERY = "X-Amz-Signature=s3cr3tsig0123&X-Amz-Security-Token=t0kenSECRET";
const SECRETS = ["s3cr3tsig0123", "t0kenSECRET"];

let stack: LocalStack;
let s3: S3Client;
let big: Buffer;

// --- A scripted receiver: each path is one way a presigned-URL host can behave. ---
let receiver: ScriptedHttpServer;
const XML = { "content-type": "application/xml" };
/** A `/hold/...` chunk: the test learns when it arrived, and releases its answer. */
const holds = new Map<string, { readonly arrived: Latch; readonly release: Latch }>();
let batch = { expected: 0, arrived: 0, inFlight: 0, maxInFlight: 0, waiting: [] as Latch[] };

const pathOf = (request: RequestHead): string => new URL(request.url, receiver.origin).pathname;
const receivedAt = (path: string): RecordedRequest | undefined =>
  receiver.requests.find((r) => pathOf(r) === path);

function holdAt(path: string): { readonly arrived: Latch; readonly release: Latch } {
  const hold = holds.get(path) ?? { arrived: latch(), release: latch() };
  holds.set(path, hold);
  return hold;
}

/** The paths that act before the body is read; the others read it first (see `route`). */
function onArrival(head: RequestHead): EarlyReply | undefined {
  const path = pathOf(head);
  if (path === "/early-500") {
    // Answers before reading a byte of the upload, as a refusing proxy does.
    return {
      status: 500,
      headers: XML,
      text: "<Error><Code>InternalError</Code><Message>refused early</Message></Error>",
    };
  }
  if (path === "/reset") return { reset: true };
  if (path === "/gate") {
    batch.inFlight += 1;
    batch.maxInFlight = Math.max(batch.maxInFlight, batch.inFlight);
  }
  return undefined;
}

function route(request: RecordedRequest): Reply {
  const path = pathOf(request);
  const ok: Reply = { status: 200, headers: { etag: `"${request.md5}"` } };
  if (path === "/hang") return { hang: true };
  if (path.startsWith("/ok")) return ok;
  if (path === "/opaque-etag") return { status: 200, headers: { etag: '"opaque-etag-1"' } };
  if (path === "/wrong-etag") return { status: 200, headers: { etag: `"${"0".repeat(32)}"` } };
  if (path === "/no-etag") return { status: 200 };
  const status = /^\/status\/(\d{3})$/.exec(path)?.[1];
  if (status) {
    // Echoes the signed query back, as S3's SignatureDoesNotMatch answer does.
    const query = new URL(request.url, receiver.origin).search.slice(1);
    return {
      status: Number(status),
      headers: XML,
      text: `<Error><Code>Scripted${status}</Code><Message>canonical query ${query}</Message></Error>`,
    };
  }
  if (path.startsWith("/hold/")) {
    const hold = holdAt(path);
    hold.arrived.open();
    return { until: hold.release.opened, reply: ok };
  }
  if (path === "/gate") {
    // Holds answers until two uploads are in flight (or none more will come): with a pool
    // of two, the in-flight count is exactly two, whatever the timing.
    batch.arrived += 1;
    const release = latch();
    batch.waiting.push(release);
    if (batch.waiting.length >= 2 || batch.arrived === batch.expected) {
      for (const waiting of batch.waiting.splice(0)) {
        batch.inFlight -= 1;
        waiting.open();
      }
    }
    return { until: release.opened, reply: ok };
  }
  return { status: 404 };
}

const url = (path: string): string => `${receiver.origin}${path}?${SECRET_QUERY}`;

function chunkOf(
  index: number,
  target: string,
  extra: Partial<TransferChunkInput> = {},
  key = BIG_KEY,
  size = BIG_SIZE,
  chunkSize = CHUNK,
): TransferChunkInput {
  const { start, end } = chunkRange(index, chunkSize, size);
  return { bucket: SRC, key, index, start, end, url: target, headers: {}, ...extra };
}

const slice = (index: number, data: Buffer = big, chunkSize = CHUNK): Buffer => {
  const { start, end } = chunkRange(index, chunkSize, data.length);
  return data.subarray(start, end + 1);
};

/** Neither the error nor any cause carries the URL's secret query. */
function expectNoSecret(error: unknown): void {
  let current: unknown = error;
  while (current instanceof Error) {
    for (const secret of SECRETS) {
      expect(current.message).not.toContain(secret);
      expect(current.stack ?? "").not.toContain(secret);
    }
    current = current.cause;
  }
}

async function putSource(key: string, body: Buffer): Promise<string> {
  const out = await s3.send(new PutObjectCommand({ Bucket: SRC, Key: key, Body: body }));
  return (out.ETag ?? "").replace(/"/g, "");
}

async function presignedPart(key: string, uploadId: string, part: number): Promise<string> {
  return getSignedUrl(
    s3,
    new UploadPartCommand({ Bucket: DST, Key: key, UploadId: uploadId, PartNumber: part }),
    { expiresIn: 3600 },
  );
}

async function completeAndRead(
  key: string,
  uploadId: string,
  parts: readonly TransferredChunk[],
): Promise<Buffer> {
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: DST,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: {
        Parts: parts.map((p) => ({ PartNumber: p.index, ETag: `"${p.etag}"` })),
      },
    }),
  );
  const out = await s3.send(new GetObjectCommand({ Bucket: DST, Key: key }));
  return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
}

beforeAll(async () => {
  stack = await startLocalStack({ buckets: [SRC, DST] });
  s3 = stack.s3.client;
  big = randomBytes(BIG_SIZE);
  await putSource(BIG_KEY, big);
  receiver = await ScriptedHttpServer.start({ body: "digest" });
  receiver.respond(route, onArrival);
});

afterAll(async () => {
  for (const hold of holds.values()) hold.release.open();
  await receiver?.close();
  await stack?.stop();
});

describe("Function: transferChunk + transferChunks on the local S3", () => {
  it("relays 12 MiB + 3 B through presigned UploadPart URLs; the result has the source's MD5", async () => {
    const key = "relayed/big.mp4";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: DST, Key: key }));
    const uploadId = UploadId as string;
    const chunks = await Promise.all(
      [1, 2, 3, 4].map(async (i) => chunkOf(i, await presignedPart(key, uploadId, i))),
    );
    const reported: number[] = [];

    const { done, failed } = await transferChunks(chunks, {
      s3,
      concurrency: 3,
      onChunkDone: (c) => {
        reported.push(c.index);
      },
    });

    expect(failed).toEqual([]);
    expect(done.map((c) => c.index)).toEqual([1, 2, 3, 4]);
    expect(reported.sort()).toEqual([1, 2, 3, 4]);
    expect(done.map((c) => c.size)).toEqual([CHUNK, CHUNK, CHUNK, 3]);
    for (const c of done) {
      expect(c.md5).toBe(md5(slice(c.index)));
      expect(c.etag).toBe(c.md5);
    }
    const result = await completeAndRead(key, uploadId, done);
    expect(result.length).toBe(BIG_SIZE);
    expect(md5(result)).toBe(md5(big));
  });

  it("relays a 1-byte object", async () => {
    const source = "drop/one-byte.bin";
    const key = "relayed/one-byte.bin";
    const data = Buffer.from([0x5a]);
    const etag = await putSource(source, data);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: DST, Key: key }));
    const uploadId = UploadId as string;

    const chunk = await transferChunk(
      chunkOf(1, await presignedPart(key, uploadId, 1), { sourceEtag: etag }, source, 1),
      { s3 },
    );

    expect(chunk).toEqual({ index: 1, etag: md5(data), size: 1, md5: md5(data) });
    expect(await completeAndRead(key, uploadId, [chunk])).toEqual(data);
  });

  it("an expired presigned URL (403) fails retryable, so the caller refreshes it", async () => {
    const key = "relayed/expired.bin";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: DST, Key: key }));
    const expired = await getSignedUrl(
      s3,
      new UploadPartCommand({ Bucket: DST, Key: key, UploadId, PartNumber: 1 }),
      { expiresIn: 1, signingDate: new Date(Date.now() - 3_600_000) },
    );

    const error = await failure(transferChunk(chunkOf(4, expired), { s3 }));

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toMatch(/HTTP 403/);
    expect((error as ChunkTransferError).retryable).toBe(true);
    expect(error.message).not.toContain("X-Amz-Signature");
  });
});

describe("Function: transferChunk against a scripted receiver", () => {
  it("PUTs exactly the chunk's bytes with an exact content-length and the upload headers", async () => {
    const result = await transferChunk(
      chunkOf(2, url("/ok/headers"), {
        // A provider's own length header must not override the real one.
        headers: { "x-upload-token": "tok-1", "Content-Type": "video/mp4", "Content-Length": "1" },
      }),
      { s3 },
    );

    const got = receivedAt("/ok/headers");
    expect(got?.headers["content-length"]).toBe(String(CHUNK));
    expect(got?.headers["transfer-encoding"]).toBeUndefined();
    expect(got?.headers["x-upload-token"]).toBe("tok-1");
    expect(got?.headers["content-type"]).toBe("video/mp4");
    expect(got?.bytes).toBe(CHUNK);
    expect(got?.md5).toBe(md5(slice(2)));
    expect(result).toEqual({ index: 2, etag: md5(slice(2)), size: CHUNK, md5: md5(slice(2)) });
  });

  it("a last chunk of 3 bytes sends exactly those 3 bytes", async () => {
    const result = await transferChunk(chunkOf(4, url("/ok/last")), { s3 });

    const got = receivedAt("/ok/last");
    expect(got?.headers["content-length"]).toBe("3");
    expect(got?.bytes).toBe(3);
    expect(result.md5).toBe(md5(big.subarray(BIG_SIZE - 3)));
    expect(result.size).toBe(3);
  });

  it("an ETag that is not an MD5 is taken as the proof, unchecked", async () => {
    const result = await transferChunk(chunkOf(4, url("/opaque-etag")), { s3 });
    expect(result.etag).toBe("opaque-etag-1");
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [403, true],
    [404, false],
    [400, false],
  ])(
    "HTTP %i → ChunkTransferError, retryable %s, status and excerpt kept, query not",
    async (status, retryable) => {
      const error = await failure(transferChunk(chunkOf(1, url(`/status/${status}`)), { s3 }));

      expect(error).toBeInstanceOf(ChunkTransferError);
      expect((error as ChunkTransferError).retryable).toBe(retryable);
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.message).toContain(`Scripted${status}`);
      expectNoSecret(error);
    },
  );

  it("a receiver that answers 500 before reading the body fails cleanly, not hanging", async () => {
    const error = await failure(transferChunk(chunkOf(1, url("/early-500")), { s3 }));

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toContain("HTTP 500");
    expect((error as ChunkTransferError).retryable).toBe(true);
    expectNoSecret(error);
  });

  it("a plain-MD5 ETag that differs from the streamed MD5 → ChecksumMismatchError", async () => {
    const error = await failure(transferChunk(chunkOf(3, url("/wrong-etag")), { s3 }));

    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect((error as ChecksumMismatchError).expectedMd5).toBe(md5(slice(3)));
    expect((error as ChecksumMismatchError).receivedEtag).toBe("0".repeat(32));
  });

  it("with verifyEtag off, an MD5-looking ETag (SSE-KMS) is taken as is", async () => {
    const result = await transferChunk(chunkOf(4, url("/wrong-etag")), { s3, verifyEtag: false });
    expect(result.etag).toBe("0".repeat(32));
  });

  it("a 200 without an ETag → ChunkTransferError", async () => {
    const error = await failure(transferChunk(chunkOf(4, url("/no-etag")), { s3 }));

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toMatch(/without an ETag/);
  });

  it("a connection reset mid-body → retryable ChunkTransferError that blames the PUT, not the source", async () => {
    const error = await failure(transferChunk(chunkOf(1, url("/reset")), { s3 }));

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect((error as ChunkTransferError).retryable).toBe(true);
    expect(error.message).toMatch(/PUT (failed|connection broke off)/);
    expect(error.message).not.toMatch(/source/);
    expectNoSecret(error);
  });

  it("inside an invocation's deadline, a receiver that never answers stops when the time runs out", async () => {
    const error = await failure(
      withDeadline(Date.now() + 200, () => transferChunk(chunkOf(4, url("/hang")), { s3 })),
    );

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toMatch(/when the invocation's time ran out/);
    expect((error as ChunkTransferError).retryable).toBe(true);
  });

  it("a receiver that never answers → retryable ChunkTransferError after timeoutMs", async () => {
    const error = await failure(transferChunk(chunkOf(4, url("/hang")), { s3, timeoutMs: 200 }));

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toMatch(/timed out after 200 ms/);
    expect((error as ChunkTransferError).retryable).toBe(true);
  });

  it("the caller's signal aborts the chunk", async () => {
    const controller = new AbortController();
    const pending = transferChunk(chunkOf(4, url("/hang"), { signal: controller.signal }), { s3 });
    controller.abort();
    const error = await failure(pending);

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toMatch(/aborted/);
  });

  it.each([
    ["not a URL", "::nope::"],
    ["not http(s)", "ftp://example.com/x?X-Amz-Signature=s3cr3tsig0123"],
  ])("rejects an upload URL that is %s, without echoing it", async (_name, bad) => {
    const error = await failure(transferChunk(chunkOf(1, bad), { s3 }));

    expect(error).toBeInstanceOf(InvalidInputError);
    expectNoSecret(error);
  });

  it("rejects a byte range that ends before it starts, before any I/O", async () => {
    const error = await failure(
      transferChunk({ ...chunkOf(1, url("/ok/never")), start: 10, end: 9 }, { s3 }),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(receivedAt("/ok/never")).toBeUndefined();
  });
});

describe("Function: transferChunk when the source changes", () => {
  it("overwritten with the same size (new ETag) → SourceChangedError, nothing sent", async () => {
    const key = "drop/overwritten.bin";
    const first = randomBytes(64 * 1024);
    const etag = await putSource(key, first);
    await putSource(key, randomBytes(first.length));

    const error = await failure(
      transferChunk(
        chunkOf(1, url("/ok/overwritten"), { sourceEtag: etag }, key, first.length, 16 * 1024),
        { s3 },
      ),
    );

    expect(error).toBeInstanceOf(SourceChangedError);
    expect(receivedAt("/ok/overwritten")).toBeUndefined();
  });

  it("deleted (NoSuchKey) → SourceChangedError", async () => {
    const error = await failure(
      transferChunk(chunkOf(1, url("/ok/missing"), {}, "drop/never-there.bin"), { s3 }),
    );
    expect(error).toBeInstanceOf(SourceChangedError);
  });

  it("shrunk below the range start (416 InvalidRange) → SourceChangedError", async () => {
    const key = "drop/shrunk.bin";
    await putSource(key, randomBytes(100));
    const error = await failure(
      transferChunk({ ...chunkOf(1, url("/ok/shrunk")), key, start: 200, end: 299 }, { s3 }),
    );
    expect(error).toBeInstanceOf(SourceChangedError);
  });

  it("shrunk inside the range (short ContentLength) → SourceChangedError", async () => {
    const key = "drop/short.bin";
    await putSource(key, randomBytes(150));
    const error = await failure(
      transferChunk({ ...chunkOf(1, url("/ok/short")), key, start: 100, end: 199 }, { s3 }),
    );
    expect(error).toBeInstanceOf(SourceChangedError);
    expect(error.message).toMatch(/50 bytes for a 100-byte range/);
  });

  it("S3 answering 412 to If-Match → SourceChangedError (scripted S3: s3rver ignores If-Match)", async () => {
    const fakeS3 = await ScriptedHttpServer.start();
    fakeS3.respond(() => ({
      status: 412,
      headers: XML,
      text: "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>",
    }));
    const client = new S3Client({
      region: LOCAL_REGION,
      endpoint: fakeS3.origin,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      const error = await failure(
        transferChunk(chunkOf(1, url("/ok/412"), { sourceEtag: "abc123" }), { s3: client }),
      );
      expect(error).toBeInstanceOf(SourceChangedError);
      expect(fakeS3.requests[0]?.headers["if-match"]).toBe('"abc123"');
      expect(fakeS3.requests[0]?.headers.range).toBe(`bytes=0-${CHUNK - 1}`);
    } finally {
      client.destroy();
      await fakeS3.close();
    }
  });
});

describe("Function: transferChunks", () => {
  const SMALL_KEY = "drop/small.bin";
  const SMALL_CHUNK = 1024;
  let small: Buffer;
  const smallChunk = (index: number, target: string): TransferChunkInput =>
    chunkOf(index, target, {}, SMALL_KEY, small.length, SMALL_CHUNK);

  beforeAll(async () => {
    small = randomBytes(6 * SMALL_CHUNK);
    await putSource(SMALL_KEY, small);
  });

  it("keeps at most `concurrency` chunks in flight", async () => {
    batch = { expected: 6, arrived: 0, inFlight: 0, maxInFlight: 0, waiting: [] };
    const chunks = [1, 2, 3, 4, 5, 6].map((i) => smallChunk(i, url("/gate")));

    const { done, failed } = await transferChunks(chunks, {
      s3,
      concurrency: 2,
      timeoutMs: 10_000,
    });

    expect(failed).toEqual([]);
    expect(done.map((c) => c.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batch.maxInFlight).toBe(2);
  });

  it("collects failures without losing the chunks that finished", async () => {
    const reported: number[] = [];
    const chunks = [
      smallChunk(1, url("/ok/batch-1")),
      smallChunk(2, url("/status/500")),
      smallChunk(3, url("/no-etag")),
      smallChunk(4, url("/ok/batch-4")),
    ];

    const { done, failed } = await transferChunks(chunks, {
      s3,
      concurrency: 2,
      onChunkDone: async (c) => {
        reported.push(c.index);
      },
    });

    expect(done.map((c) => c.index)).toEqual([1, 4]);
    expect(reported.sort()).toEqual([1, 4]);
    expect(failed.map((f) => f.index)).toEqual([2, 3]);
    for (const f of failed) expect(f.error).toBeInstanceOf(ChunkTransferError);
    expect(failed[0]?.error.retryable).toBe(true);
  });

  it("a chunk whose ETag could not be recorded is listed as failed", async () => {
    const { done, failed } = await transferChunks(
      [smallChunk(1, url("/ok/record-1")), smallChunk(2, url("/ok/record-2"))],
      {
        s3,
        concurrency: 2,
        onChunkDone: (c) => {
          if (c.index === 2) throw new Error("table unavailable");
        },
      },
    );

    expect(done.map((c) => c.index)).toEqual([1]);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.index).toBe(2);
    expect(failed[0]?.error).toBeInstanceOf(RelayError);
    expect(failed[0]?.error.code).toBe("RELAY_CHUNK_RECORD");
    expect(failed[0]?.error.retryable).toBe(true);
  });

  it("a changed source stops new chunks, lets in-flight ones finish and report, then throws", async () => {
    // An S3 client whose failures the test can see, so the held chunk is released only after
    // the source-changed failure has happened.
    let markSourceFailed = (): void => undefined;
    const sourceFailed = new Promise<void>((resolve) => {
      markSourceFailed = resolve;
    });
    const observed = new S3Client({
      region: LOCAL_REGION,
      endpoint: stack.s3.endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    observed.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          markSourceFailed();
          throw error;
        }
      },
      { step: "initialize" },
    );
    const holdPath = "/hold/in-flight";
    const hold = holdAt(holdPath);
    const reported: number[] = [];
    let settled = false;

    try {
      const pending = transferChunks(
        [
          smallChunk(1, url(holdPath)),
          { ...smallChunk(2, url("/ok/after-change-2")), key: "drop/gone.bin" },
          smallChunk(3, url("/ok/after-change-3")),
          smallChunk(4, url("/ok/after-change-4")),
        ],
        { s3: observed, concurrency: 2, onChunkDone: (c) => void reported.push(c.index) },
      ).finally(() => {
        settled = true;
      });
      pending.catch(() => undefined);

      await Promise.all([hold.arrived.opened, sourceFailed]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      hold.release.open();

      await expect(pending).rejects.toBeInstanceOf(SourceChangedError);
      expect(reported).toEqual([1]);
      expect(receiver.requests.some((r) => pathOf(r).startsWith("/ok/after-change"))).toBe(false);
    } finally {
      observed.destroy();
    }
  });

  it("rejects a concurrency below 1", async () => {
    await expect(transferChunks([], { s3, concurrency: 0 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it("an empty list is nothing to do", async () => {
    expect(await transferChunks([], { s3, concurrency: 4 })).toEqual({ done: [], failed: [] });
  });
});
