import { inspect } from "node:util";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDeadline } from "../../../../../functions/core/deadline.js";
import {
  InvalidInputError,
  ProviderHttpError,
  ProviderResponseError,
  ProviderUnavailableError,
} from "../../../../../functions/core/errors.js";
import {
  TwelveLabsClient,
  type TwelveLabsClientOptions,
} from "../../../../../functions/core/providers/twelvelabs/twelvelabs-client.js";
import {
  closedPort,
  failure,
  ScriptedHttpServer,
} from "../../../../helpers/scripted-http-server.js";
import {
  createAnswer,
  listIncompleteAnswer,
  presignedUrlsAnswer,
  reportAnswer,
  statusAnswer,
  urlChunks,
  without,
} from "../../../../helpers/twelvelabs-answers.js";

const API_KEY = "tlk_TEST_KEY_0123456789abcdef";

/** A promise the test resolves when it chooses: holds a scripted answer back. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Everything an error shows: message, string form, JSON, and inspect with its cause chain. */
function shown(error: unknown): string {
  return `${String(error)}\n${JSON.stringify(error)}\n${inspect(error, { depth: 10 })}`;
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
      await expect(c.getStatus("up-1", 1, 51)).rejects.toThrow(/page_limit/);
      await expect(c.getStatus("", 1, 50)).rejects.toThrow(/uploadId/);
      await expect(c.reportChunks("up-1", [])).rejects.toThrow(InvalidInputError);
      expect(server.requests).toHaveLength(0);
    });

    it("refuses a request that fails the request schemas, naming the field, and sends nothing", async () => {
      server.respond(() => ({ status: 200, json: {} }));
      let keyFetches = 0;
      const c = client({
        apiKey: async () => {
          keyFetches += 1;
          return API_KEY;
        },
      });
      const chunk = { chunk_index: 1, proof: "abc", proof_type: "etag", chunk_size: 5 } as const;
      const refusals: [() => Promise<unknown>, RegExp][] = [
        [() => c.createSession({ filename: "", type: "video", total_size: 1 }), /filename/],
        [() => c.createSession({ filename: "a", type: "", total_size: 1 }), /type/],
        [() => c.createSession({ filename: "a", type: "video", total_size: 0 }), /total_size/],
        [() => c.createSession({ filename: "a", type: "video", total_size: 1.5 }), /total_size/],
        // Past S3's largest object no file can be relayed, whatever the configuration.
        [
          () => c.createSession({ filename: "a", type: "video", total_size: 5 * 1024 ** 4 + 1 }),
          /total_size/,
        ],
        [() => c.getPresignedUrls("up-1", 1.5, 1), /request: start:/],
        [
          () => c.reportChunks("up-1", [{ ...chunk, chunk_index: 0 }]),
          /completed_chunks\.0\.chunk_index/,
        ],
        [
          () => c.reportChunks("up-1", [chunk, { ...chunk, proof: "" }]),
          /completed_chunks\.1\.proof/,
        ],
        [
          () => c.reportChunks("up-1", [{ ...chunk, chunk_size: 0 }]),
          /completed_chunks\.0\.chunk_size/,
        ],
        [
          // A caller outside the type system: only "etag" is a proof type the API knows.
          () => c.reportChunks("up-1", [{ ...chunk, proof_type: "md5" as "etag" }]),
          /completed_chunks\.0\.proof_type/,
        ],
        [
          () =>
            c.reportChunks(
              "up-1",
              Array.from({ length: 51 }, () => chunk),
            ),
          /completed_chunks/,
        ],
        [() => c.getStatus("up-1", 1.5, 50), /request: page:/],
        [() => c.getStatus("up-1", Number.NaN, 50), /request: page:/],
        [() => c.listIncomplete(1, 0), /page_limit/],
        [() => c.listIncomplete(2 ** 53, 10), /request: page:/],
      ];
      for (const [call, field] of refusals) {
        const error = await failure(call());
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).code).toBe("RELAY_INVALID_INPUT");
        expect(error.message).toMatch(field);
        expect(error.message).toMatch(/invalid request/);
      }
      // Refused before any I/O: not even the key was fetched.
      expect(keyFetches).toBe(0);
      expect(server.requests).toHaveLength(0);
    });

    it("sends only what the request schema knows", async () => {
      server.respond(() => ({ status: 201, json: createAnswer() }));
      const body = { filename: "a.mp4", type: "video", total_size: 25, stray: "not sent" };
      await client().createSession(body);
      expect(JSON.parse(server.requests[0]?.body ?? "")).toEqual({
        filename: "a.mp4",
        type: "video",
        total_size: 25,
      });
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

    it("passes an unknown session status through, for the provider to map", async () => {
      server.respond(() => ({ status: 200, json: statusAnswer(1, 1, [], { status: "done" }) }));
      expect((await client().getStatus("up-1", 1, 50)).status).toBe("done");
    });

    it("retries a 2xx that is not JSON, then fails with ProviderResponseError", async () => {
      server.respond(() => ({ status: 200, text: "<html>gateway</html>" }));
      const error = await failure(client().listIncomplete(1, 10));
      expect(error).toBeInstanceOf(ProviderResponseError);
      expect(error.message).toContain("not JSON");
      expect(error.message).toContain("3 attempts");
      expect(server.requests).toHaveLength(3);
      expect(sleeps).toHaveLength(2);
    });

    it("a proxy's page after throttling is a passing failure: retryable ProviderUnavailableError", async () => {
      server.respond((_, n) =>
        n < 3
          ? { status: 429, text: "slow down", headers: { "retry-after": "0" } }
          : { status: 200, text: "<html>gateway</html>" },
      );
      const error = await failure(client().listIncomplete(1, 10));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as ProviderUnavailableError).retryable).toBe(true);
      expect(error.message).toMatch(/gave up after 3 attempts, last failure answer is not JSON/);
      expect(server.requests).toHaveLength(3);
    });

    it("takes the next answer after a proxy's HTML page with status 200", async () => {
      server.respond((_, n) =>
        n === 1
          ? { status: 200, text: "<html><body>502 Bad Gateway</body></html>" }
          : { status: 201, json: createAnswer() },
      );
      const answer = await client().createSession({ filename: "a", type: "video", total_size: 25 });
      expect(answer.upload_id).toBe("up-1");
      expect(server.requests).toHaveLength(2);
    });

    const needed: Array<[string, () => Promise<unknown>, Record<string, unknown>, string]> = [
      ["create without upload_id", create, without(createAnswer(), "upload_id"), "upload_id"],
      ["create without asset_id", create, without(createAnswer(), "asset_id"), "asset_id"],
      ["create without chunk_size", create, without(createAnswer(), "chunk_size"), "chunk_size"],
      [
        "a URL entry without url",
        urls,
        { upload_urls: [without(urlChunks(1, 1)[0] as object, "url")] },
        "upload_urls.0.url",
      ],
      [
        "a URL entry without chunk_index",
        urls,
        { upload_urls: [without(urlChunks(1, 1)[0] as object, "chunk_index")] },
        "upload_urls.0.chunk_index",
      ],
      ["a status without status", status, without(statusAnswer(1, 1, []), "status"), "status"],
      [
        "a status chunk without index",
        status,
        { ...statusAnswer(1, 1, []), uploaded_chunks: [{ status: "failed" }] },
        "uploaded_chunks.0.index",
      ],
    ];
    function create() {
      return client().createSession({ filename: "a", type: "video", total_size: 25 });
    }
    function urls() {
      return client().getPresignedUrls("up-1", 1, 1);
    }
    function status() {
      return client().getStatus("up-1", 1, 50);
    }

    it.each(needed)("fails on %s, naming the field", async (_, call, answer, field) => {
      server.respond(() => ({ status: 200, json: answer }));
      const error = await failure(call());
      expect(error).toBeInstanceOf(ProviderResponseError);
      expect(error.message).toContain(`${field}: `);
      expect(error.message.includes("X-Amz-Signature")).toBe(false);
      expect(server.requests).toHaveLength(1);
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

    it("retries a POST on a 503 and on a connection reset", async () => {
      server.respond((_, n) =>
        n === 1
          ? { status: 503, text: "unavailable" }
          : n === 2
            ? { reset: true }
            : { status: 200, json: presignedUrlsAnswer(1, 2) },
      );
      const answer = await client().getPresignedUrls("up-1", 1, 2);
      expect(answer.upload_urls).toHaveLength(2);
      expect(server.requests.map((r) => [r.method, r.body])).toEqual(
        Array(3).fill(["POST", JSON.stringify({ start: 1, count: 2 })]),
      );
      expect(sleeps).toHaveLength(2);
    });

    it("gives up on resets with the transport error's code", async () => {
      server.respond(() => ({ reset: true }));
      const error = await failure(
        client().reportChunks("up-1", [
          { chunk_index: 1, proof: "e", proof_type: "etag", chunk_size: 1 },
        ]),
      );
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toMatch(
        /gave up after 3 attempts, last failure (ECONNRESET|UND_ERR_SOCKET)/,
      );
      expect(server.requests).toHaveLength(3);
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

    it("never retries sooner than Retry-After: one longer than the longest delay ends the call", async () => {
      server.respond((_, n) =>
        n === 1
          ? { status: 429, text: "", headers: { "retry-after": "86400" } }
          : { status: 200, json: listIncompleteAnswer() },
      );
      const error = await failure(client({ maxRetryDelayMs: 5_000 }).listIncomplete(1, 10));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toMatch(
        /gave up after 1 attempt: the server asked to wait 86400 s \(Retry-After\), longer than the 5\.0 s one call waits; last failure HTTP 429$/,
      );
      expect(sleeps).toEqual([]);
      expect(server.requests).toHaveLength(1);
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

  describe("inside an invocation's deadline", () => {
    it("gives up at once when Retry-After asks for more than the time left", async () => {
      server.respond(() => ({ status: 429, text: "slow down", headers: { "retry-after": "50" } }));
      const c = client();
      const error = await failure(
        withDeadline(Date.now() + 3_000, () =>
          c.createSession({ filename: "a", type: "video", total_size: 25 }),
        ),
      );
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toMatch(
        /gave up after 1 attempt: the server asked to wait 50 s \(Retry-After\) and [0-3]\.\d s are left in this invocation; last failure HTTP 429$/,
      );
      expect((error.cause as ProviderHttpError).status).toBe(429);
      expect(server.requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });

    it("retries as before while the wait fits", async () => {
      server.respond((_, n) =>
        n === 1
          ? { status: 429, text: "", headers: { "retry-after": "1" } }
          : { status: 200, json: listIncompleteAnswer() },
      );
      const c = client({ minAttemptMs: 100 });
      await withDeadline(Date.now() + 60_000, () => c.listIncomplete(1, 10));
      expect(sleeps).toEqual([1_000]);
      expect(server.requests).toHaveLength(2);
    });

    it("cuts an attempt that hangs at the deadline, and makes no other", async () => {
      server.respond(() => ({ hang: true }));
      const c = client({ minAttemptMs: 100 });
      const error = await failure(withDeadline(Date.now() + 400, () => c.getStatus("up-1", 1, 50)));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toMatch(
        /gave up after 1 attempt: 0\.0 s are left in this invocation, less than the 0\.1 s an attempt needs; last failure TimeoutError \(no answer within the 0\.\d s left in this invocation\)$/,
      );
      expect(server.requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });

    it("never sends an attempt that timed out while waiting for a connection", async () => {
      const release = gate();
      server.respond((_, n) =>
        n === 1
          ? { until: release.promise, reply: { status: 200, json: listIncompleteAnswer() } }
          : { status: 200, json: listIncompleteAnswer() },
      );
      // One connection: the second call queues behind the first, which the server holds.
      const dispatcher = new Agent({ connections: 1 });
      try {
        const c = client({ dispatcher, minAttemptMs: 100 });
        const held = c.listIncomplete(1, 10);
        const error = await failure(
          withDeadline(Date.now() + 300, () => c.getStatus("up-1", 1, 50)),
        );
        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect(error.message).toContain("TimeoutError");
        release.open();
        await held;
        await c.listIncomplete(1, 10);
        expect(server.requests.map((r) => r.url)).toEqual([
          "/v1.3/assets/multipart-uploads?page=1&page_limit=10",
          "/v1.3/assets/multipart-uploads?page=1&page_limit=10",
        ]);
      } finally {
        await dispatcher.close();
      }
    });

    it("makes no attempt with less time left than an attempt needs", async () => {
      server.respond(() => ({ status: 200, json: listIncompleteAnswer() }));
      const c = client();
      const error = await failure(withDeadline(Date.now() + 500, () => c.listIncomplete(1, 10)));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toMatch(
        /no attempt made: 0\.\d s left in this invocation, less than the 1\.0 s an attempt needs$/,
      );
      expect(server.requests).toHaveLength(0);
    });
  });

  describe("secrets", () => {
    const echo = `key ${API_KEY} cannot open https://b.s3.amazonaws.com/k?X-Amz-Signature=topsecret`;

    it("does not retry a 400, and its excerpt blanks the key and URL queries", async () => {
      server.respond(() => ({ status: 400, text: echo }));
      const error = await failure(
        client().createSession({ filename: "a", type: "video", total_size: 1 }),
      );
      expect(error).toBeInstanceOf(ProviderHttpError);
      const detail = (error as ProviderHttpError).detail;
      expect(detail).toBe("key [redacted] cannot open https://b.s3.amazonaws.com/k?[redacted]");
      expect(server.requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });

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
