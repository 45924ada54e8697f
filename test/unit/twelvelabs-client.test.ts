import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidInputError,
  ProviderHttpError,
  ProviderResponseError,
  ProviderUnavailableError,
} from "../../functions/core/errors.js";
import {
  TwelveLabsClient,
  type TwelveLabsClientOptions,
} from "../../functions/core/providers/twelvelabs/twelvelabs-client.js";
import { closedPort, ScriptedHttpServer } from "./scripted-http-server.js";
import {
  createAnswer,
  listIncompleteAnswer,
  presignedUrlsAnswer,
  reportAnswer,
  statusAnswer,
} from "./twelvelabs-answers.js";

const API_KEY = "tlk_TEST_KEY_0123456789abcdef";

/** Everything an error shows: message, string form, JSON, and inspect with its cause chain. */
function shown(error: unknown): string {
  return `${String(error)}\n${JSON.stringify(error)}\n${inspect(error, { depth: 10 })}`;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

describe("TwelveLabsClient against a scripted HTTP server", () => {
  let server: ScriptedHttpServer;
  let sleeps: number[];

  beforeAll(async () => {
    server = await ScriptedHttpServer.start();
  });
  afterAll(async () => {
    await server.close();
  });

  function client(options: Partial<TwelveLabsClientOptions> = {}): TwelveLabsClient {
    sleeps = [];
    return new TwelveLabsClient({
      baseUrl: `${server.origin}/v1.3`,
      apiKey: API_KEY,
      maxAttempts: 3,
      retryBaseDelayMs: 40,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });
  }

  describe("the five calls", () => {
    it("createSession: POST /assets/multipart-uploads with the body and the key", async () => {
      server.respond(() => ({ status: 201, json: createAnswer() }));
      const answer = await client({ baseUrl: `${server.origin}/v1.3/` }).createSession({
        filename: "clip one.mp4",
        type: "video",
        total_size: 25,
      });
      expect(answer).toEqual(createAnswer());
      expect(server.requests).toHaveLength(1);
      const [request] = server.requests;
      expect(request?.method).toBe("POST");
      expect(request?.url).toBe("/v1.3/assets/multipart-uploads");
      expect(request?.headers["x-api-key"]).toBe(API_KEY);
      expect(request?.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(request?.body ?? "")).toEqual({
        filename: "clip one.mp4",
        type: "video",
        total_size: 25,
      });
    });

    it("getPresignedUrls: POST .../{id}/presigned-urls with start and count", async () => {
      server.respond(() => ({ status: 200, json: presignedUrlsAnswer(21, 10) }));
      const answer = await client().getPresignedUrls("up/1", 21, 10);
      expect(answer.upload_urls).toHaveLength(10);
      const [request] = server.requests;
      expect(request?.method).toBe("POST");
      expect(request?.url).toBe("/v1.3/assets/multipart-uploads/up%2F1/presigned-urls");
      expect(request?.headers["x-api-key"]).toBe(API_KEY);
      expect(JSON.parse(request?.body ?? "")).toEqual({ start: 21, count: 10 });
    });

    it("reportChunks: POST .../{id} with completed_chunks", async () => {
      server.respond(() => ({ status: 200, json: { ...reportAnswer(1, 0, 3), url: null } }));
      const chunks = [{ chunk_index: 3, proof: "abc", proof_type: "etag", chunk_size: 5 }] as const;
      const answer = await client().reportChunks("up-1", chunks);
      expect(answer.total_completed).toBe(3);
      const [request] = server.requests;
      expect(request?.method).toBe("POST");
      expect(request?.url).toBe("/v1.3/assets/multipart-uploads/up-1");
      expect(request?.headers["x-api-key"]).toBe(API_KEY);
      expect(JSON.parse(request?.body ?? "")).toEqual({ completed_chunks: chunks });
    });

    it("getStatus: GET .../{id}?page=&page_limit= with no body", async () => {
      server.respond(() => ({
        status: 200,
        json: statusAnswer(2, 2, [{ index: 3, status: "failed" }]),
      }));
      const answer = await client().getStatus("up-1", 2, 50);
      expect(answer.uploaded_chunks?.[0]?.status).toBe("failed");
      const [request] = server.requests;
      expect(request?.method).toBe("GET");
      expect(request?.url).toBe("/v1.3/assets/multipart-uploads/up-1?page=2&page_limit=50");
      expect(request?.headers["x-api-key"]).toBe(API_KEY);
      expect(request?.body).toBe("");
    });

    it("listIncomplete: GET /assets/multipart-uploads?page=&page_limit=", async () => {
      server.respond(() => ({ status: 200, json: listIncompleteAnswer() }));
      const answer = await client().listIncomplete(1, 10);
      expect(answer.data?.[0]?.upload_id).toBe("up-1");
      const [request] = server.requests;
      expect(request?.method).toBe("GET");
      expect(request?.url).toBe("/v1.3/assets/multipart-uploads?page=1&page_limit=10");
      expect(request?.headers["x-api-key"]).toBe(API_KEY);
    });

    it("fetches a lazy key for every call", async () => {
      server.respond(() => ({ status: 200, json: listIncompleteAnswer() }));
      let fetched = 0;
      const lazy = client({ apiKey: async () => `${API_KEY}-${++fetched}` });
      await lazy.listIncomplete(1, 10);
      await lazy.listIncomplete(1, 10);
      expect(server.requests.map((r) => r.headers["x-api-key"])).toEqual([
        `${API_KEY}-1`,
        `${API_KEY}-2`,
      ]);
    });

    it("refuses arguments the API would refuse, before any request", async () => {
      server.respond(() => ({ status: 200, json: {} }));
      const c = client();
      await expect(c.getPresignedUrls("up-1", 0, 10)).rejects.toThrow(InvalidInputError);
      await expect(c.getPresignedUrls("up-1", 1, 51)).rejects.toThrow(/count/);
      await expect(c.getStatus("up-1", 1, 51)).rejects.toThrow(/pageLimit/);
      await expect(c.getStatus("", 1, 50)).rejects.toThrow(/uploadId/);
      await expect(c.reportChunks("up-1", [])).rejects.toThrow(InvalidInputError);
      expect(server.requests).toHaveLength(0);
    });
  });

  describe("answers that break the contract", () => {
    it("rejects a 2xx that fails the schema with ProviderResponseError, without retrying", async () => {
      server.respond(() => ({
        status: 200,
        json: createAnswer({
          chunk_size: "ten",
          upload_urls: [{ chunk_index: 0, url: "https://x", expires_at: "2025-12-01T12:00:00Z" }],
        }),
      }));
      const error = await failure(
        client().createSession({ filename: "a", type: "video", total_size: 1 }),
      );
      expect(error).toBeInstanceOf(ProviderResponseError);
      expect(error.message).toMatch(/^twelvelabs\.createSession returned an unexpected answer: /);
      expect(error.message).toContain("chunk_size");
      expect(error.message).toContain("upload_urls.0.chunk_index");
      expect((error as ProviderResponseError).retryable).toBe(false);
      expect(server.requests).toHaveLength(1);
    });

    it("rejects an unknown session status", async () => {
      server.respond(() => ({ status: 200, json: statusAnswer(1, 1, [], { status: "done" }) }));
      await expect(client().getStatus("up-1", 1, 50)).rejects.toThrow(ProviderResponseError);
    });

    it("rejects a 2xx that is not JSON", async () => {
      server.respond(() => ({ status: 200, text: "<html>gateway</html>" }));
      const error = await failure(client().listIncomplete(1, 10));
      expect(error).toBeInstanceOf(ProviderResponseError);
      expect(error.message).toContain("not JSON");
    });
  });

  describe("retries", () => {
    it("retries a 500 and returns the next answer", async () => {
      server.respond((_, n) =>
        n === 1 ? { status: 500, text: "boom" } : { status: 200, json: reportAnswer(1, 0, 1) },
      );
      const answer = await client().reportChunks("up-1", [
        { chunk_index: 1, proof: "e", proof_type: "etag", chunk_size: 1 },
      ]);
      expect(answer.processed_chunks).toBe(1);
      expect(server.requests).toHaveLength(2);
      expect(server.requests[1]?.body).toBe(server.requests[0]?.body);
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThanOrEqual(0);
      expect(sleeps[0]).toBeLessThan(40);
    });

    it("retries createSession on a 500 too (a duplicate session is harmless)", async () => {
      server.respond((_, n) =>
        n === 1 ? { status: 500, text: "boom" } : { status: 201, json: createAnswer() },
      );
      await client().createSession({ filename: "a", type: "video", total_size: 25 });
      expect(server.requests).toHaveLength(2);
    });

    it("waits as long as a 429's Retry-After says", async () => {
      server.respond((_, n) =>
        n === 1
          ? { status: 429, text: "slow down", headers: { "retry-after": "2" } }
          : { status: 200, json: listIncompleteAnswer() },
      );
      await client().listIncomplete(1, 10);
      expect(sleeps).toEqual([2_000]);
      expect(server.requests).toHaveLength(2);
    });

    it("caps a Retry-After longer than the longest delay", async () => {
      server.respond((_, n) =>
        n === 1
          ? { status: 429, text: "", headers: { "retry-after": "86400" } }
          : { status: 200, json: listIncompleteAnswer() },
      );
      await client({ maxRetryDelayMs: 5_000 }).listIncomplete(1, 10);
      expect(sleeps).toEqual([5_000]);
    });

    it("gives up with a retryable ProviderUnavailableError that says what failed", async () => {
      server.respond(() => ({ status: 503, text: "unavailable" }));
      const error = await failure(client().getStatus("up-1", 1, 50));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.name).toBe("ProviderUnavailableError");
      expect((error as ProviderUnavailableError).retryable).toBe(true);
      expect(error.message).toContain("twelvelabs.getStatus");
      expect(error.message).toContain("HTTP 503");
      expect(error.message).toContain("3 attempts");
      expect(error.cause).toBeInstanceOf(ProviderHttpError);
      expect(server.requests).toHaveLength(3);
      expect(sleeps).toHaveLength(2);
    });

    it("fails at once with ProviderHttpError on a 400, naming the call and the answer", async () => {
      server.respond(() => ({
        status: 400,
        json: { code: "parameter_invalid", message: "bad start" },
      }));
      const error = await failure(client().getPresignedUrls("up-1", 1, 5));
      expect(error).toBeInstanceOf(ProviderHttpError);
      const http = error as ProviderHttpError;
      expect(http.status).toBe(400);
      expect(http.retryable).toBe(false);
      expect(http.operation).toBe("twelvelabs.getPresignedUrls");
      expect(http.detail).toContain("parameter_invalid");
      expect(server.requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });

    it("does not retry a 404 and keeps the excerpt short", async () => {
      server.respond(() => ({ status: 404, text: `not found ${"x".repeat(5_000)}` }));
      const error = await failure(client().getStatus("gone", 1, 50));
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect((error as ProviderHttpError).detail.length).toBeLessThanOrEqual(301);
      expect(server.requests).toHaveLength(1);
    });

    it("times out on a server that never answers, and retries", async () => {
      server.respond(() => ({ hang: true }));
      const error = await failure(client({ timeoutMs: 100, maxAttempts: 2 }).listIncomplete(1, 10));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toContain("TimeoutError");
      expect(error.message).toContain("2 attempts");
      expect(server.requests).toHaveLength(2);
    });

    it("retries a refused connection, then gives up with ProviderUnavailableError", async () => {
      const port = await closedPort();
      const error = await failure(
        client({ baseUrl: `http://127.0.0.1:${port}/v1.3` }).createSession({
          filename: "a",
          type: "video",
          total_size: 1,
        }),
      );
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as ProviderUnavailableError).retryable).toBe(true);
      expect(error.message).toContain("ECONNREFUSED");
      expect(sleeps).toHaveLength(2);
    });
  });

  describe("secrets", () => {
    const echo = `key ${API_KEY} cannot open https://b.s3.amazonaws.com/k?X-Amz-Signature=topsecret`;

    it("never shows the API key or a URL query in any error", async () => {
      const errors: Error[] = [];
      server.respond(() => ({ status: 403, text: echo }));
      errors.push(await failure(client().listIncomplete(1, 10)));
      server.respond(() => ({ status: 500, text: echo }));
      errors.push(await failure(client().listIncomplete(1, 10)));
      server.respond(() => ({ status: 200, json: { data: API_KEY, page_info: API_KEY } }));
      errors.push(await failure(client().listIncomplete(1, 10)));
      server.respond(() => ({ status: 200, text: echo }));
      errors.push(await failure(client().listIncomplete(1, 10)));
      server.respond(() => ({ hang: true }));
      errors.push(await failure(client({ timeoutMs: 50, maxAttempts: 1 }).listIncomplete(1, 10)));
      const port = await closedPort();
      errors.push(
        await failure(client({ baseUrl: `http://127.0.0.1:${port}` }).listIncomplete(1, 10)),
      );

      expect(errors.map((e) => e.name)).toEqual([
        "ProviderHttpError",
        "ProviderUnavailableError",
        "ProviderResponseError",
        "ProviderResponseError",
        "ProviderUnavailableError",
        "ProviderUnavailableError",
      ]);
      for (const error of errors) {
        const text = shown(error);
        // Assert on booleans, so that a failure message does not print the secret itself.
        expect(text.includes(API_KEY), `${error.name} shows the key`).toBe(false);
        expect(text.includes("topsecret"), `${error.name} shows a URL query`).toBe(false);
      }
      expect((errors[0] as ProviderHttpError).detail).toContain("[redacted]");
    });
  });
});
