import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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
interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly bytes: number;
  readonly md5: string;
}
const received: Received[] = [];
const held = new Map<string, () => void>();
const heldArrivals = new Map<string, () => void>();
let gate = { expected: 0, arrived: 0, inFlight: 0, maxInFlight: 0, waiting: [] as (() => void)[] };
let receiver: Server;
let receiverBase: string;

function startReceiver(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const path = url.pathname;
    if (path === "/early-500") {
      // Answers before reading a byte of the upload, as a refusing proxy does.
      res.writeHead(500, { "content-type": "application/xml" });
      res.end("<Error><Code>InternalError</Code><Message>refused early</Message></Error>");
      return;
    }
    if (path === "/reset") {
      req.once("data", () => req.socket.destroy());
      return;
    }
    if (path === "/hang") {
      req.resume();
      return;
    }
    if (path === "/gate") {
      gate.inFlight += 1;
      gate.maxInFlight = Math.max(gate.maxInFlight, gate.inFlight);
    }
    const hash = createHash("md5");
    let bytes = 0;
    req.on("data", (piece: Buffer) => {
      hash.update(piece);
      bytes += piece.length;
    });
    req.on("end", () => {
      const digest = hash.digest("hex");
      received.push({ path, headers: req.headers, bytes, md5: digest });
      const ok = (): void => {
        res.writeHead(200, { etag: `"${digest}"` });
        res.end();
      };
      if (path.startsWith("/ok")) return ok();
      if (path === "/opaque-etag") {
        res.writeHead(200, { etag: '"opaque-etag-1"' });
        return void res.end();
      }
      if (path === "/wrong-etag") {
        res.writeHead(200, { etag: `"${"0".repeat(32)}"` });
        return void res.end();
      }
      if (path === "/no-etag") {
        res.writeHead(200);
        return void res.end();
      }
      const status = /^\/status\/(\d{3})$/.exec(path)?.[1];
      if (status) {
        // Echoes the signed query back, as S3's SignatureDoesNotMatch answer does.
        res.writeHead(Number(status), { "content-type": "application/xml" });
        return void res.end(
          `<Error><Code>Scripted${status}</Code><Message>canonical query ${url.search.slice(1)}</Message></Error>`,
        );
      }
      if (path.startsWith("/hold/")) {
        held.set(path, ok);
        heldArrivals.get(path)?.();
        return;
      }
      if (path === "/gate") {
        // Holds answers until two uploads are in flight (or none more will come): with a pool
        // of two, the in-flight count is exactly two, whatever the timing.
        gate.arrived += 1;
        gate.waiting.push(() => {
          gate.inFlight -= 1;
          ok();
        });
        if (gate.waiting.length >= 2 || gate.arrived === gate.expected) {
          for (const release of gate.waiting.splice(0)) release();
        }
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
}

const url = (path: string): string => `${receiverBase}${path}?${SECRET_QUERY}`;

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

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

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
  receiver = startReceiver();
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const release of held.values()) release();
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
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

    const error = await caught(transferChunk(chunkOf(4, expired), { s3 }));

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

    const got = received.find((r) => r.path === "/ok/headers");
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

    const got = received.find((r) => r.path === "/ok/last");
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
      const error = await caught(transferChunk(chunkOf(1, url(`/status/${status}`)), { s3 }));

      expect(error).toBeInstanceOf(ChunkTransferError);
      expect((error as ChunkTransferError).retryable).toBe(retryable);
      expect(error.message).toContain(`HTTP ${status}`);
      expect(error.message).toContain(`Scripted${status}`);
      expectNoSecret(error);
    },
  );

  it("a receiver that answers 500 before reading the body fails cleanly, not hanging", async () => {
    const error = await caught(transferChunk(chunkOf(1, url("/early-500")), { s3 }));

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toContain("HTTP 500");
    expect((error as ChunkTransferError).retryable).toBe(true);
    expectNoSecret(error);
  });

  it("a plain-MD5 ETag that differs from the streamed MD5 → ChecksumMismatchError", async () => {
    const error = await caught(transferChunk(chunkOf(3, url("/wrong-etag")), { s3 }));

    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect((error as ChecksumMismatchError).expectedMd5).toBe(md5(slice(3)));
    expect((error as ChecksumMismatchError).receivedEtag).toBe("0".repeat(32));
  });

  it("with verifyEtag off, an MD5-looking ETag (SSE-KMS) is taken as is", async () => {
    const result = await transferChunk(chunkOf(4, url("/wrong-etag")), { s3, verifyEtag: false });
    expect(result.etag).toBe("0".repeat(32));
  });

  it("a 200 without an ETag → ChunkTransferError", async () => {
    const error = await caught(transferChunk(chunkOf(4, url("/no-etag")), { s3 }));

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toMatch(/without an ETag/);
  });

  it("a connection reset mid-body → retryable ChunkTransferError that blames the PUT, not the source", async () => {
    const error = await caught(transferChunk(chunkOf(1, url("/reset")), { s3 }));

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect((error as ChunkTransferError).retryable).toBe(true);
    expect(error.message).toMatch(/PUT (failed|connection broke off)/);
    expect(error.message).not.toMatch(/source/);
    expectNoSecret(error);
  });

  it("inside an invocation's deadline, a receiver that never answers stops when the time runs out", async () => {
    const error = await caught(
      withDeadline(Date.now() + 200, () => transferChunk(chunkOf(4, url("/hang")), { s3 })),
    );

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toMatch(/when the invocation's time ran out/);
    expect((error as ChunkTransferError).retryable).toBe(true);
  });

  it("a receiver that never answers → retryable ChunkTransferError after timeoutMs", async () => {
    const error = await caught(transferChunk(chunkOf(4, url("/hang")), { s3, timeoutMs: 200 }));

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toMatch(/timed out after 200 ms/);
    expect((error as ChunkTransferError).retryable).toBe(true);
  });

  it("the caller's signal aborts the chunk", async () => {
    const controller = new AbortController();
    const pending = transferChunk(chunkOf(4, url("/hang"), { signal: controller.signal }), { s3 });
    controller.abort();
    const error = await caught(pending);

    expect(error).toBeInstanceOf(ChunkTransferError);
    expect(error.message).toMatch(/aborted/);
  });

  it.each([
    ["not a URL", "::nope::"],
    ["not http(s)", "ftp://example.com/x?X-Amz-Signature=s3cr3tsig0123"],
  ])("rejects an upload URL that is %s, without echoing it", async (_name, bad) => {
    const error = await caught(transferChunk(chunkOf(1, bad), { s3 }));

    expect(error).toBeInstanceOf(InvalidInputError);
    expectNoSecret(error);
  });

  it("rejects a byte range that ends before it starts, before any I/O", async () => {
    const error = await caught(
      transferChunk({ ...chunkOf(1, url("/ok/never")), start: 10, end: 9 }, { s3 }),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(received.some((r) => r.path === "/ok/never")).toBe(false);
  });
});

describe("Function: transferChunk when the source changes", () => {
  it("overwritten with the same size (new ETag) → SourceChangedError, nothing sent", async () => {
    const key = "drop/overwritten.bin";
    const first = randomBytes(64 * 1024);
    const etag = await putSource(key, first);
    await putSource(key, randomBytes(first.length));

    const error = await caught(
      transferChunk(
        chunkOf(1, url("/ok/overwritten"), { sourceEtag: etag }, key, first.length, 16 * 1024),
        { s3 },
      ),
    );

    expect(error).toBeInstanceOf(SourceChangedError);
    expect(received.some((r) => r.path === "/ok/overwritten")).toBe(false);
  });

  it("deleted (NoSuchKey) → SourceChangedError", async () => {
    const error = await caught(
      transferChunk(chunkOf(1, url("/ok/missing"), {}, "drop/never-there.bin"), { s3 }),
    );
    expect(error).toBeInstanceOf(SourceChangedError);
  });

  it("shrunk below the range start (416 InvalidRange) → SourceChangedError", async () => {
    const key = "drop/shrunk.bin";
    await putSource(key, randomBytes(100));
    const error = await caught(
      transferChunk({ ...chunkOf(1, url("/ok/shrunk")), key, start: 200, end: 299 }, { s3 }),
    );
    expect(error).toBeInstanceOf(SourceChangedError);
  });

  it("shrunk inside the range (short ContentLength) → SourceChangedError", async () => {
    const key = "drop/short.bin";
    await putSource(key, randomBytes(150));
    const error = await caught(
      transferChunk({ ...chunkOf(1, url("/ok/short")), key, start: 100, end: 199 }, { s3 }),
    );
    expect(error).toBeInstanceOf(SourceChangedError);
    expect(error.message).toMatch(/50 bytes for a 100-byte range/);
  });

  it("S3 answering 412 to If-Match → SourceChangedError (scripted S3: s3rver ignores If-Match)", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const fakeS3 = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(412, { "content-type": "application/xml" });
      res.end(
        "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>",
      );
    });
    fakeS3.listen(0, "127.0.0.1");
    await once(fakeS3, "listening");
    const client = new S3Client({
      region: LOCAL_REGION,
      endpoint: `http://127.0.0.1:${(fakeS3.address() as AddressInfo).port}`,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      const error = await caught(
        transferChunk(chunkOf(1, url("/ok/412"), { sourceEtag: "abc123" }), { s3: client }),
      );
      expect(error).toBeInstanceOf(SourceChangedError);
      expect(seen[0]?.["if-match"]).toBe('"abc123"');
      expect(seen[0]?.range).toBe(`bytes=0-${CHUNK - 1}`);
    } finally {
      client.destroy();
      fakeS3.closeAllConnections();
      await new Promise<void>((resolve) => fakeS3.close(() => resolve()));
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
    gate = { expected: 6, arrived: 0, inFlight: 0, maxInFlight: 0, waiting: [] };
    const chunks = [1, 2, 3, 4, 5, 6].map((i) => smallChunk(i, url("/gate")));

    const { done, failed } = await transferChunks(chunks, {
      s3,
      concurrency: 2,
      timeoutMs: 10_000,
    });

    expect(failed).toEqual([]);
    expect(done.map((c) => c.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(gate.maxInFlight).toBe(2);
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
    const arrived = new Promise<void>((resolve) => heldArrivals.set(holdPath, resolve));
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

      await Promise.all([arrived, sourceFailed]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      held.get(holdPath)?.();
      held.delete(holdPath);

      await expect(pending).rejects.toBeInstanceOf(SourceChangedError);
      expect(reported).toEqual([1]);
      expect(received.some((r) => r.path.startsWith("/ok/after-change"))).toBe(false);
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
