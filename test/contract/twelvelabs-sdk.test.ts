/**
 * The official TypeScript SDK (`twelvelabs-js`, pinned) as a conformance client of the sandbox:
 * what the SDK sends the sandbox takes, and what the sandbox answers the SDK's own parsers read.
 * The SDK reads its base URL from `TWELVELABS_BASE_URL`, as it would for any other deployment.
 */

import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TwelveLabs, TwelvelabsApi } from "twelvelabs-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type LocalStack, startLocalStack } from "../../local/local-stack.js";
import {
  startTwelveLabsSandbox,
  type TwelveLabsSandbox,
} from "../../local/twelvelabs-sandbox/index.js";
import { md5 } from "../helpers/md5.js";

const KiB = 1024;
/** A small chunk size, so that a few hundred KiB span many chunks. */
const CHUNK = 64 * KiB;

let stack: LocalStack;
let sandbox: TwelveLabsSandbox;
/** The same sandbox, demanding the upload headers it hands out. */
let strict: TwelveLabsSandbox;
let dir: string;
const previousBaseUrl = process.env.TWELVELABS_BASE_URL;

/** An SDK client for a sandbox, configured the documented way: through `TWELVELABS_BASE_URL`. */
function sdkFor(target: TwelveLabsSandbox, apiKey = target.apiKey): TwelveLabs {
  process.env.TWELVELABS_BASE_URL = target.baseUrl;
  return new TwelveLabs({ apiKey });
}

beforeAll(async () => {
  // The SDK narrates every step of uploadFile on the console.
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  stack = await startLocalStack();
  const common = {
    s3: stack.s3.client,
    s3Endpoint: stack.s3.endpoint,
    chunkSize: CHUNK,
    minChunkSize: CHUNK,
    initialUrls: 2,
  };
  sandbox = await startTwelveLabsSandbox(common);
  strict = await startTwelveLabsSandbox({ ...common, strictHeaders: true });
  dir = await mkdtemp(join(tmpdir(), "relay-sdk-"));
});

afterAll(async () => {
  if (previousBaseUrl === undefined) delete process.env.TWELVELABS_BASE_URL;
  else process.env.TWELVELABS_BASE_URL = previousBaseUrl;
  vi.restoreAllMocks();
  await sandbox?.stop();
  await strict?.stop();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Writes random bytes to a file of that name; answers its path and bytes. */
async function sourceFile(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

describe("official SDK uploadFile against the sandbox", () => {
  it.each([
    { name: "several-batches.mp4", size: 12 * CHUNK + 7, batchSize: undefined },
    { name: "exact-chunks.mov", size: 3 * CHUNK, batchSize: 2 },
    { name: "below-one-chunk.bin", size: 1000, batchSize: undefined },
  ])("uploads $name ($size bytes) with identical bytes", async ({ name, size, batchSize }) => {
    const { path, bytes } = await sourceFile(name, size);
    const client = sdkFor(sandbox);
    const result = await client.multipartUpload.uploadFile(path, {
      ...(batchSize === undefined ? {} : { batchSize }),
      maxRetries: 0,
    });

    expect(result.assetId).toMatch(/^[0-9a-f]{24}$/);
    expect(result.assetUrl).toContain(result.assetId);
    const session = sandbox.sessions().find((s) => s.assetId === result.assetId);
    expect(session).toMatchObject({ status: "completed", totalSize: size });
    const asset = await sandbox.readAsset(result.assetId);
    expect(asset.length).toBe(bytes.length);
    expect(md5(asset)).toBe(md5(bytes));
    expect(asset.equals(bytes)).toBe(true);
  });

  it("fails on a sandbox in strict mode: the SDK sends application/octet-stream, not upload_headers", async () => {
    const { path } = await sourceFile("strict.mp4", CHUNK + 1);
    const client = sdkFor(strict);
    await expect(
      client.multipartUpload.uploadFile(path, { maxRetries: 0, retryDelay: 0 }),
    ).rejects.toThrow(/Chunk 1 upload failed/);
  });
});

describe("the sandbox's answers through the SDK's own parsers", () => {
  it("create, presigned-urls, report, status and list-incomplete parse, with the values sent", async () => {
    const client = sdkFor(sandbox);
    const { multipartUpload } = client;
    const source = randomBytes(5 * CHUNK + 10);

    const created = await multipartUpload.create({
      filename: "parsed.mp4",
      type: "video",
      totalSize: source.length,
    });
    expect(created.uploadId).toMatch(/^[0-9a-f]{24}$/);
    expect(created.assetId).toMatch(/^[0-9a-f]{24}$/);
    expect(created.chunkSize).toBe(CHUNK);
    expect(created.totalChunks).toBe(6);
    expect(created.uploadHeaders).toEqual({ "Content-Type": "video/mp4" });
    expect(created.expiresAt).toBeInstanceOf(Date);
    expect(created.uploadUrls?.map((u) => u.chunkIndex)).toEqual([1, 2]);
    for (const url of created.uploadUrls ?? []) {
      expect(url.url).toEqual(expect.stringContaining(sandbox.partHost));
      expect(url.expiresAt).toBeInstanceOf(Date);
    }
    const uploadId = created.uploadId ?? "";

    const more = await multipartUpload.getAdditionalPresignedUrls(uploadId, {
      start: 3,
      count: 4,
    });
    expect(more).toMatchObject({ uploadId, startIndex: 3, count: 4 });
    expect(more.generatedAt).toBeInstanceOf(Date);
    expect(more.expiresAt).toEqual(created.expiresAt);
    expect(more.uploadUrls?.map((u) => u.chunkIndex)).toEqual([3, 4, 5, 6]);

    // The parts go up as the SDK sends them: octet-stream, quotes stripped from the ETag.
    const urls = [...(created.uploadUrls ?? []), ...(more.uploadUrls ?? [])];
    const proofs: TwelvelabsApi.CompletedChunk[] = [];
    for (const { chunkIndex = 0, url = "" } of urls) {
      const bytes = source.subarray((chunkIndex - 1) * CHUNK, chunkIndex * CHUNK);
      const put = await fetch(url, {
        method: "PUT",
        body: bytes,
        headers: { "Content-Type": "application/octet-stream" },
      });
      expect(put.status).toBe(200);
      const etag = put.headers.get("ETag")?.replace(/"/g, "") ?? "";
      expect(etag).toBe(md5(bytes));
      proofs.push({ chunkIndex, proof: etag, proofType: "etag", chunkSize: bytes.length });
    }

    const first = await multipartUpload.reportChunkBatch(uploadId, {
      completedChunks: proofs.slice(0, 3),
    });
    expect(first).toEqual({
      assetId: created.assetId,
      processedChunks: 3,
      duplicateChunks: 0,
      totalCompleted: 3,
    });

    const statusPage = await multipartUpload.getStatus(uploadId, { pageLimit: 2 });
    expect(statusPage.data.map((c) => c.index)).toEqual([1, 2]);
    // The SDK parses the whole answer, but its Page type exposes only the items.
    const parsed = (statusPage as unknown as { response: TwelvelabsApi.GetUploadStatusResponse })
      .response;
    expect(parsed).toMatchObject({
      uploadId,
      status: "active",
      chunksCompleted: 3,
      chunksFailed: 0,
      chunksPending: 3,
      totalSize: source.length,
      uploadedSize: 3 * CHUNK,
      pageInfo: { limitPerPage: 2, page: 1, totalPage: 3, totalResults: 6 },
    });
    expect(parsed.createdAt).toBeInstanceOf(Date);
    const chunks: TwelvelabsApi.ChunkInfo[] = [];
    for await (const chunk of statusPage) chunks.push(chunk);
    expect(chunks.map((c) => [c.index, c.status])).toEqual([
      [1, "completed"],
      [2, "completed"],
      [3, "completed"],
      [4, "pending"],
      [5, "pending"],
      [6, "pending"],
    ]);
    expect(chunks[0]?.uploadedAt).toBeInstanceOf(Date);
    expect(chunks[3]?.uploadedAt).toBeUndefined();

    const incomplete: TwelvelabsApi.IncompleteUploadSummary[] = [];
    for await (const upload of await multipartUpload.listIncompleteUploads({ pageLimit: 2 })) {
      incomplete.push(upload);
    }
    expect(incomplete.find((u) => u.uploadId === uploadId)).toMatchObject({
      status: "active",
      totalSize: source.length,
      chunkSize: CHUNK,
      totalChunks: 6,
      expiresAt: created.expiresAt,
    });

    const last = await multipartUpload.reportChunkBatch(uploadId, {
      completedChunks: proofs.slice(2),
    });
    expect(last).toMatchObject({ processedChunks: 3, duplicateChunks: 1, totalCompleted: 6 });
    expect(last.url).toEqual(expect.stringContaining(created.assetId ?? "?"));

    const done = await multipartUpload.waitForUploadCompletion(uploadId, { sleepInterval: 0.01 });
    expect(done).toEqual({ status: "completed", completedChunks: 6, totalChunks: 6 });
    const after: string[] = [];
    for await (const upload of await multipartUpload.listIncompleteUploads({ pageLimit: 50 })) {
      after.push(upload.uploadId);
    }
    expect(after).not.toContain(uploadId);
    expect((await sandbox.readAsset(uploadId)).equals(source)).toBe(true);
  });

  it("answers errors the SDK maps to its own error classes", async () => {
    const { multipartUpload } = sdkFor(sandbox);
    await expect(
      multipartUpload.getStatus("000000000000000000000000", {}, { maxRetries: 0 }),
    ).rejects.toBeInstanceOf(TwelvelabsApi.NotFoundError);
    await expect(
      multipartUpload.create(
        { filename: "empty.mp4", type: "video", totalSize: 0 },
        { maxRetries: 0 },
      ),
    ).rejects.toBeInstanceOf(TwelvelabsApi.BadRequestError);
    const wrongKey = sdkFor(sandbox, "wrong-key").multipartUpload;
    await expect(wrongKey.listIncompleteUploads({}, { maxRetries: 0 })).rejects.toBeInstanceOf(
      TwelvelabsApi.ForbiddenError,
    );
  });

  it("parses the lenient shapes the real service may answer: missing fields, nulls, unknown statuses", async () => {
    const { multipartUpload } = sdkFor(sandbox);
    sandbox.setRewriteAnswer((endpoint, answer) => {
      const body = answer as Record<string, unknown>;
      switch (endpoint) {
        case "create": {
          const { expires_at: _e, total_chunks: _t, ...rest } = body;
          return rest;
        }
        case "presignedUrls":
          return {
            ...body,
            upload_urls: (body.upload_urls as object[]).map((u) => ({ ...u, expires_at: null })),
          };
        case "report": {
          const { duplicate_chunks: _d, ...rest } = body;
          return rest;
        }
        case "status": {
          const { page_info: _p, uploaded_size: _u, chunks_pending: _c, ...rest } = body;
          return {
            ...rest,
            upload_id: null,
            status: "processing",
            uploaded_chunks: (body.uploaded_chunks as object[]).map((c) => ({
              ...c,
              status: "uploading",
            })),
          };
        }
        default:
          return answer;
      }
    });
    try {
      const created = await multipartUpload.create({
        filename: "lenient.mp4",
        type: "video",
        totalSize: CHUNK + 1,
      });
      expect(created.expiresAt).toBeUndefined();
      expect(created.totalChunks).toBeUndefined();
      const uploadId = created.uploadId ?? "";
      const urls = await multipartUpload.getAdditionalPresignedUrls(uploadId, {
        start: 1,
        count: 2,
      });
      expect(urls.uploadUrls?.map((u) => u.expiresAt ?? "none")).toEqual(["none", "none"]);

      const bytes = randomBytes(CHUNK);
      const put = await fetch(urls.uploadUrls?.[0]?.url ?? "", { method: "PUT", body: bytes });
      const proof = put.headers.get("ETag")?.replace(/"/g, "") ?? "";
      const reported = await multipartUpload.reportChunkBatch(uploadId, {
        completedChunks: [{ chunkIndex: 1, proof, proofType: "etag", chunkSize: CHUNK }],
      });
      expect(reported.duplicateChunks).toBeUndefined();
      expect(reported.processedChunks).toBe(1);

      const page = await multipartUpload.getStatus(uploadId, {}, { maxRetries: 0 });
      const parsed = (page as unknown as { response: TwelvelabsApi.GetUploadStatusResponse })
        .response;
      expect(parsed.status).toBe("processing");
      expect(parsed.uploadId ?? "none").toBe("none");
      expect(parsed.pageInfo).toBeUndefined();
      expect(page.data.map((c) => c.status)).toEqual(["uploading", "uploading"]);
    } finally {
      sandbox.setRewriteAnswer(undefined);
    }
  });
});
