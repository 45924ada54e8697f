import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3_LIMITS, TWELVELABS_LIMITS } from "../../../../../functions/core/config/limits.js";
import { ProviderResponseError, UntrustedUrlError } from "../../../../../functions/core/errors.js";
import type { SessionRef } from "../../../../../functions/core/provider.js";
import { TwelveLabsClient } from "../../../../../functions/core/providers/twelvelabs/twelvelabs-client.js";
import { TwelveLabsProvider } from "../../../../../functions/core/providers/twelvelabs/twelvelabs-provider.js";
import { urlWindows } from "../../../../../functions/core/providers/twelvelabs/url-windows.js";
import { UrlPolicy } from "../../../../../functions/core/url-policy.js";
import {
  type RecordedRequest,
  ScriptedHttpServer,
} from "../../../../helpers/scripted-http-server.js";
import {
  createAnswer,
  presignedUrl,
  presignedUrlsAnswer,
  reportAnswer,
  statusAnswer,
  urlChunks,
  without,
} from "../../../../helpers/twelvelabs-answers.js";

const API_KEY = "tlk_PROVIDER_TEST_KEY";
/** The provider's clock, for the default expiries of answers without one. */
const NOW = Date.parse("2025-12-01T11:00:00Z");
const SESSION_LIFETIME_MS = TWELVELABS_LIMITS.sessionLifetimeSeconds * 1000;
const URL_LIFETIME_MS = TWELVELABS_LIMITS.urlLifetimeSeconds * 1000;
/** A session as later calls are handed it: one file of 60 ten-byte chunks. */
const UP_1: SessionRef = {
  uploadId: "up-1",
  files: [{ fileId: "up-1", size: 600, partSize: 10, firstChunk: 1, parts: 60 }],
};

function bodyOf(request: RecordedRequest | undefined): Record<string, unknown> {
  return JSON.parse(request?.body ?? "null") as Record<string, unknown>;
}

/** Answers presigned-urls calls with one URL per asked chunk. */
function urlServer(request: RecordedRequest, host?: string) {
  const { start, count } = bodyOf(request) as { start: number; count: number };
  return { status: 200, json: presignedUrlsAnswer(start, count, host) };
}

describe("urlWindows", () => {
  it("splits contiguous runs into windows of at most the maximum", () => {
    expect(urlWindows([1, 2, 3, 7, 8, 20], 50)).toEqual([
      { start: 1, count: 3 },
      { start: 7, count: 2 },
      { start: 20, count: 1 },
    ]);
    expect(urlWindows([1, 2, 3, 4, 5], 2)).toEqual([
      { start: 1, count: 2 },
      { start: 3, count: 2 },
      { start: 5, count: 1 },
    ]);
    expect(urlWindows([], 50)).toEqual([]);
  });
});

describe("TwelveLabsProvider against a scripted HTTP server", () => {
  let server: ScriptedHttpServer;
  let provider: TwelveLabsProvider;

  beforeAll(async () => {
    server = await ScriptedHttpServer.start();
    provider = new TwelveLabsProvider({
      client: new TwelveLabsClient({
        baseUrl: `${server.origin}/v1.3`,
        apiKey: async () => API_KEY,
        maxAttempts: 2,
        sleep: async () => {},
      }),
      urlPolicy: new UrlPolicy({ allowedHosts: ["*.amazonaws.com"] }),
      now: () => NOW,
    });
  });
  afterAll(async () => {
    await server.close();
  });

  describe("createSession", () => {
    it("sends filename, type and total_size, and maps the session", async () => {
      server.respond(() => ({
        status: 201,
        json: createAnswer({ upload_urls: [...urlChunks(1, 2)].reverse() }),
      }));
      const session = await provider.createSession({ files: [{ name: "clip.mp4", size: 25 }] });
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]?.url).toBe("/v1.3/assets/multipart-uploads");
      expect(bodyOf(server.requests[0])).toEqual({
        filename: "clip.mp4",
        type: "video",
        total_size: 25,
      });
      expect(session).toEqual({
        uploadId: "up-1",
        assetId: "asset-1",
        files: [{ fileId: "up-1", size: 25, partSize: 10, firstChunk: 1, parts: 3 }],
        plan: [
          { index: 1, file: 0, start: 0, size: 10 },
          { index: 2, file: 0, start: 10, size: 10 },
          { index: 3, file: 0, start: 20, size: 5 },
        ],
        uploadHeaders: { "x-amz-server-side-encryption": "AES256" },
        urls: [
          { index: 1, url: presignedUrl(1), expiresAt: Date.parse("2025-12-01T12:00:00Z") },
          { index: 2, url: presignedUrl(2), expiresAt: Date.parse("2025-12-01T12:00:00Z") },
        ],
        expiresAt: Date.parse("2025-12-02T11:00:00Z"),
      });
    });

    it("accepts a session with no initial URLs", async () => {
      server.respond(() => ({
        status: 201,
        json: createAnswer({ upload_urls: null, upload_headers: null }),
      }));
      const session = await provider.createSession({ files: [{ name: "clip.mp4", size: 30 }] });
      expect(session.urls).toEqual([]);
      expect(session.uploadHeaders).toEqual({});
    });

    it("rejects a chunk plan whose total_chunks is not ceil(size / chunk_size)", async () => {
      server.respond(() => ({ status: 201, json: createAnswer({ total_chunks: 3 }) }));
      await expect(
        provider.createSession({ files: [{ name: "clip.mp4", size: 31 }] }),
      ).rejects.toThrow(ProviderResponseError);
      await expect(
        provider.createSession({ files: [{ name: "clip.mp4", size: 20 }] }),
      ).rejects.toThrow(/total_chunks 3/);
    });

    it("refuses an initial URL on plain http or another host", async () => {
      for (const url of [
        "http://bucket.s3.amazonaws.com/k?X-Amz-Signature=s",
        "https://attacker.example/k?X-Amz-Signature=s",
      ]) {
        server.respond(() => ({
          status: 201,
          json: createAnswer({
            upload_urls: [{ chunk_index: 1, url, expires_at: "2025-12-01T12:00:00Z" }],
          }),
        }));
        const error = await provider
          .createSession({ files: [{ name: "a.mp4", size: 25 }] })
          .catch((e) => e);
        expect(error).toBeInstanceOf(UntrustedUrlError);
        expect(String(error).includes("X-Amz-Signature")).toBe(false);
      }
    });
  });

  describe("getChunkUrls", () => {
    it("asks for 1..120 in windows 1/50, 51/50, 101/20", async () => {
      server.respond((request) => urlServer(request));
      const wanted = Array.from({ length: 120 }, (_, i) => 120 - i);
      const urls = await provider.getChunkUrls(UP_1, wanted);
      expect(server.requests.map((r) => [r.method, r.url])).toEqual([
        ["POST", "/v1.3/assets/multipart-uploads/up-1/presigned-urls"],
        ["POST", "/v1.3/assets/multipart-uploads/up-1/presigned-urls"],
        ["POST", "/v1.3/assets/multipart-uploads/up-1/presigned-urls"],
      ]);
      expect(server.requests.map(bodyOf)).toEqual([
        { start: 1, count: 50 },
        { start: 51, count: 50 },
        { start: 101, count: 20 },
      ]);
      expect(server.requests.every((r) => r.headers["x-api-key"] === API_KEY)).toBe(true);
      expect(urls.map((u) => u.index)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(urls[119]?.url).toBe(presignedUrl(120));
    });

    it("asks for each gap-separated run on its own, once per distinct index", async () => {
      server.respond((request) => urlServer(request));
      const urls = await provider.getChunkUrls(UP_1, [9, 3, 4, 5, 10, 4, 60]);
      expect(server.requests.map(bodyOf)).toEqual([
        { start: 3, count: 3 },
        { start: 9, count: 2 },
        { start: 60, count: 1 },
      ]);
      expect(urls.map((u) => u.index)).toEqual([3, 4, 5, 9, 10, 60]);
    });

    it("makes no call for no indexes", async () => {
      server.respond((request) => urlServer(request));
      expect(await provider.getChunkUrls(UP_1, [])).toEqual([]);
      expect(server.requests).toHaveLength(0);
    });

    it("fails when the provider leaves a chunk out", async () => {
      server.respond(() => {
        const answer = presignedUrlsAnswer(1, 3);
        return { status: 200, json: { ...answer, upload_urls: answer.upload_urls.slice(0, 2) } };
      });
      await expect(provider.getChunkUrls(UP_1, [1, 2, 3])).rejects.toThrow(/no URL for chunk 3/);
    });

    it("refuses a URL on another host", async () => {
      server.respond((request) => urlServer(request, "bucket.s3.amazonaws.com.evil.example"));
      const error = await provider.getChunkUrls(UP_1, [1]).catch((e) => e);
      expect(error).toBeInstanceOf(UntrustedUrlError);
      expect((error as UntrustedUrlError).host).toBe("bucket.s3.amazonaws.com.evil.example");
    });
  });

  describe("reportChunks", () => {
    it("reports in batches of 50, proofs without quotes, and sums the answers", async () => {
      let total = 0;
      server.respond((request) => {
        const chunks = (bodyOf(request).completed_chunks as unknown[]).length;
        total += chunks - 1;
        return { status: 200, json: reportAnswer(chunks - 1, 1, total) };
      });
      const proofs = Array.from({ length: 120 }, (_, i) => ({
        index: i + 1,
        etag: i % 2 === 0 ? `"etag-${i + 1}"` : `etag-${i + 1}`,
        size: i === 119 ? 3 : 10,
      }));
      const result = await provider.reportChunks(UP_1, proofs);
      expect(server.requests.map((r) => [r.method, r.url])).toEqual(
        Array(3).fill(["POST", "/v1.3/assets/multipart-uploads/up-1"]),
      );
      const batches = server.requests.map(
        (r) => bodyOf(r).completed_chunks as Array<Record<string, unknown>>,
      );
      expect(batches.map((b) => b.length)).toEqual([50, 50, 20]);
      expect(batches[0]?.[0]).toEqual({
        chunk_index: 1,
        proof: "etag-1",
        proof_type: "etag",
        chunk_size: 10,
      });
      expect(batches[2]?.[19]).toEqual({
        chunk_index: 120,
        proof: "etag-120",
        proof_type: "etag",
        chunk_size: 3,
      });
      expect(result).toEqual({ processed: 117, duplicates: 3, totalCompleted: 117 });
    });

    it("with nothing to report, reads the completed count from the status", async () => {
      server.respond(() => ({ status: 200, json: statusAnswer(1, 3, []) }));
      expect(await provider.reportChunks(UP_1, [])).toEqual({
        processed: 0,
        duplicates: 0,
        totalCompleted: 2,
      });
      expect(server.requests.map((r) => [r.method, r.url])).toEqual([
        ["GET", "/v1.3/assets/multipart-uploads/up-1?page=1&page_limit=1"],
      ]);
    });
  });

  describe("getStatus", () => {
    it("walks every page and collects the failed chunks", async () => {
      server.respond((request) => {
        const page = Number(new URL(request.url, "http://x").searchParams.get("page"));
        const chunks = {
          1: [
            { index: 1, status: "completed" },
            { index: 2, status: "failed" },
          ],
          2: [{ index: 51, status: "pending" }],
          3: [
            { index: 101, status: "failed" },
            { index: 102, status: "completed" },
          ],
        }[page] as Array<{ index: number; status: "completed" | "pending" | "failed" }>;
        const last = page === 3 ? { chunks_completed: 80, uploaded_size: 800 } : {};
        return { status: 200, json: statusAnswer(page, 3, chunks, last) };
      });
      const status = await provider.getStatus(UP_1);
      expect(server.requests.map((r) => r.url)).toEqual([
        "/v1.3/assets/multipart-uploads/up-1?page=1&page_limit=50",
        "/v1.3/assets/multipart-uploads/up-1?page=2&page_limit=50",
        "/v1.3/assets/multipart-uploads/up-1?page=3&page_limit=50",
      ]);
      expect(status).toEqual({
        state: "active",
        failedChunks: [2, 101],
        completedIndexes: [1, 102],
        completedChunks: 80,
        uploadedSize: 800,
      });
    });

    it("reads a session with no chunks in one call", async () => {
      server.respond(() => ({
        status: 200,
        json: statusAnswer(1, 0, [], { status: "completed", uploaded_chunks: null }),
      }));
      const status = await provider.getStatus(UP_1);
      expect(status.state).toBe("completed");
      expect(status.failedChunks).toEqual([]);
      expect(server.requests).toHaveLength(1);
    });

    it("refuses a page count no session can have", async () => {
      server.respond(() => ({ status: 200, json: statusAnswer(1, 1_000_000, []) }));
      await expect(provider.getStatus(UP_1)).rejects.toThrow(ProviderResponseError);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe("lenient answers: what the official SDK accepts, the relay accepts", () => {
    const fiveChunks = [1, 2, 3, 4, 5].map((index) => ({ index, status: "completed" as const }));

    it.each([
      ["without expires_at", without(createAnswer(), "expires_at")],
      ["with expires_at null", createAnswer({ expires_at: null })],
      ["with an unreadable expires_at", createAnswer({ expires_at: "soon" })],
    ])("create %s: the session lives the documented lifetime", async (_, answer) => {
      server.respond(() => ({ status: 201, json: answer }));
      const session = await provider.createSession({ files: [{ name: "clip.mp4", size: 25 }] });
      expect(session.expiresAt).toBe(NOW + SESSION_LIFETIME_MS);
      expect(session.files[0]?.parts).toBe(3);
    });

    it("create without total_chunks: the plan is ceil(size / chunk_size)", async () => {
      server.respond(() => ({ status: 201, json: without(createAnswer(), "total_chunks") }));
      const session = await provider.createSession({ files: [{ name: "clip.mp4", size: 21 }] });
      expect(session.files[0]?.parts).toBe(3);
      expect(session.files[0]?.partSize).toBe(10);
      expect(session.plan.at(-1)).toEqual({ index: 3, file: 0, start: 20, size: 1 });
    });

    it("create with total_chunks null: the plan is computed too", async () => {
      server.respond(() => ({ status: 201, json: createAnswer({ total_chunks: null }) }));
      const session = await provider.createSession({ files: [{ name: "a", size: 30 }] });
      expect(session.files[0]?.parts).toBe(3);
    });

    it.each([
      ["without expires_at", (i: number) => without(urlChunks(i, 1)[0] as object, "expires_at")],
      ["with expires_at null", (i: number) => ({ ...urlChunks(i, 1)[0], expires_at: null })],
    ])("a URL entry %s: the URL lives the documented lifetime", async (_, entry) => {
      server.respond((request) =>
        request.url.endsWith("/presigned-urls")
          ? { status: 200, json: { upload_urls: [entry(3)] } }
          : { status: 201, json: createAnswer({ upload_urls: [entry(1), urlChunks(2, 1)[0]] }) },
      );
      const session = await provider.createSession({ files: [{ name: "a", size: 25 }] });
      expect(session.urls.map((u) => u.expiresAt)).toEqual([
        NOW + URL_LIFETIME_MS,
        Date.parse("2025-12-01T12:00:00Z"),
      ]);
      const [url] = await provider.getChunkUrls(UP_1, [3]);
      expect(url).toEqual({ index: 3, url: presignedUrl(3), expiresAt: NOW + URL_LIFETIME_MS });
    });

    it("a report answer without duplicate_chunks: the other counts still add up", async () => {
      server.respond(() => ({
        status: 200,
        json: without(reportAnswer(2, 0, 4), "duplicate_chunks"),
      }));
      const result = await provider.reportChunks(UP_1, [
        { index: 1, etag: "a", size: 10 },
        { index: 2, etag: "b", size: 10 },
      ]);
      expect(result).toEqual({ processed: 2, duplicates: undefined, totalCompleted: 4 });
    });

    it("a report answer with no count at all (an empty object)", async () => {
      server.respond(() => ({ status: 200, json: {} }));
      const result = await provider.reportChunks(UP_1, [{ index: 1, etag: "a", size: 10 }]);
      expect(result).toEqual({});
    });

    it("a status without page_info: one page that is not full is the last", async () => {
      server.respond(() => ({
        status: 200,
        json: without(statusAnswer(1, 1, fiveChunks), "page_info"),
      }));
      const status = await provider.getStatus(UP_1);
      expect(status.completedIndexes).toEqual([1, 2, 3, 4, 5]);
      expect(server.requests).toHaveLength(1);
    });

    it("a status without page_info.total_page: pages are read while they come back full", async () => {
      server.respond((request) => {
        const page = Number(new URL(request.url, "http://x").searchParams.get("page"));
        const count = page === 1 ? 50 : 7;
        const chunks = Array.from({ length: count }, (_, i) => ({
          index: (page - 1) * 50 + i + 1,
          status: "failed" as const,
        }));
        return {
          status: 200,
          json: without(statusAnswer(page, 0, chunks), "page_info.total_page"),
        };
      });
      const status = await provider.getStatus(UP_1);
      expect(server.requests).toHaveLength(2);
      expect(status.failedChunks).toHaveLength(57);
    });

    it("pages that always come back full stop at the most a session can have", async () => {
      const full = Array.from({ length: 50 }, (_, i) => ({
        index: i + 1,
        status: "pending" as const,
      }));
      server.respond(() => ({ status: 200, json: without(statusAnswer(1, 0, full), "page_info") }));
      await provider.getStatus(UP_1);
      expect(server.requests).toHaveLength(S3_LIMITS.maxParts / TWELVELABS_LIMITS.maxPageLimit);
    });

    it("a status without uploaded_size or chunks_pending, and with upload_id null", async () => {
      server.respond(() => ({
        status: 200,
        json: {
          ...without(statusAnswer(1, 1, fiveChunks), "uploaded_size", "chunks_pending"),
          upload_id: null,
        },
      }));
      const status = await provider.getStatus(UP_1);
      expect(status).toEqual({
        state: "active",
        failedChunks: [],
        completedIndexes: [1, 2, 3, 4, 5],
        completedChunks: 2,
        uploadedSize: undefined,
      });
    });

    it.each([
      ["processing", "active"],
      ["queued-for-a-future-feature", "active"],
      ["COMPLETED", "completed"],
      ["expired", "expired"],
    ])("a session status %j reads as %s", async (wire, state) => {
      server.respond(() => ({ status: 200, json: statusAnswer(1, 1, [], { status: wire }) }));
      expect((await provider.getStatus(UP_1)).state).toBe(state);
    });

    it("a chunk status 'uploading' or unknown is pending: neither failed nor completed", async () => {
      server.respond(() => ({
        status: 200,
        json: statusAnswer(1, 1, [], {
          uploaded_chunks: [
            { index: 1, status: "uploading" },
            { index: 2, status: "verifying" },
            { index: 3 },
            { index: 4, status: "failed" },
            { index: 5, status: "completed" },
          ],
        }),
      }));
      const status = await provider.getStatus(UP_1);
      expect(status.failedChunks).toEqual([4]);
      expect(status.completedIndexes).toEqual([5]);
    });

    it("a status that lists no chunks says nothing about which are completed", async () => {
      server.respond(() => ({
        status: 200,
        json: statusAnswer(1, 1, [], { uploaded_chunks: null }),
      }));
      expect((await provider.getStatus(UP_1)).completedIndexes).toBeUndefined();
    });

    it("still fails, naming the field, when an answer lacks what the relay needs", async () => {
      server.respond(() => ({ status: 201, json: without(createAnswer(), "asset_id") }));
      await expect(provider.createSession({ files: [{ name: "a", size: 25 }] })).rejects.toThrow(
        /twelvelabs\.createSession returned an unexpected answer: asset_id: /,
      );
      server.respond(() => ({ status: 200, json: { upload_urls: [{ chunk_index: 1 }] } }));
      const error = await provider.getChunkUrls(UP_1, [1]).catch((e) => e);
      expect(error).toBeInstanceOf(ProviderResponseError);
      expect((error as Error).message).toContain("upload_urls.0.url: ");
    });
  });
});
