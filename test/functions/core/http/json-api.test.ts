import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_ANSWER_MAX_BYTES,
  API_ERROR_BODY_MAX_BYTES,
} from "../../../../functions/core/config/limits.js";
import {
  ProviderHttpError,
  ProviderResponseError,
  ProviderUnavailableError,
} from "../../../../functions/core/errors.js";
import { excerpt } from "../../../../functions/core/http/error-excerpt.js";
import { JsonApi, type JsonApiOptions } from "../../../../functions/core/http/json-api.js";
import { RetryPolicy } from "../../../../functions/core/http/retry-policy.js";
import { failure, ScriptedHttpServer } from "../../../helpers/scripted-http-server.js";

/** Far more than any cap: reading it whole would cost the test process 64 MiB. */
const HUGE = 64 * 1024 * 1024;

describe("JsonApi against a scripted HTTP server", () => {
  let server: ScriptedHttpServer;
  let sleeps: number[];

  beforeAll(async () => {
    server = await ScriptedHttpServer.start();
  });
  afterAll(async () => {
    await server.close();
  });

  function api(options: Partial<JsonApiOptions> = {}): JsonApi {
    sleeps = [];
    return new JsonApi({
      baseUrl: server.origin,
      timeoutMs: 30_000,
      retryPolicy: new RetryPolicy({ maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 1_000 }),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });
  }

  /** Every streamed answer ended early: the client closed the connection before the end. */
  async function expectCutShort(count: number): Promise<void> {
    const outcomes = await Promise.all(server.streams);
    expect(outcomes).toHaveLength(count);
    for (const outcome of outcomes) {
      expect(outcome.completed).toBe(false);
      expect(outcome.bytesWritten).toBeLessThan(HUGE);
    }
  }

  describe("answer size cap", () => {
    it("stops reading a 2xx answer past the cap, retries, then fails", async () => {
      server.respond(() => ({ status: 200, stream: { bytes: HUGE } }));
      const error = await failure(api().call({ operation: "t.get", method: "GET", path: "/a" }));
      expect(error).toBeInstanceOf(ProviderResponseError);
      expect(error.message).toBe(
        `t.get returned an unexpected answer: answer exceeded ${API_ANSWER_MAX_BYTES} bytes, 2 attempts`,
      );
      expect(server.requests).toHaveLength(2);
      await expectCutShort(2);
    });

    it("refuses a 2xx whose Content-Length is past the cap before reading it", async () => {
      server.respond(() => ({
        status: 200,
        headers: { "content-length": String(HUGE) },
        stream: { bytes: HUGE },
      }));
      const error = await failure(api().call({ operation: "t.get", method: "GET", path: "/a" }));
      expect(error).toBeInstanceOf(ProviderResponseError);
      expect(error.message).toContain(`answer exceeded ${API_ANSWER_MAX_BYTES} bytes`);
      await expectCutShort(2);
    });

    it("reads an answer of exactly the cap, and fails one byte over it", async () => {
      const answer = (bytes: number) => JSON.stringify("x".repeat(bytes - 2));
      server.respond(() => ({ status: 200, text: answer(64) }));
      expect(
        await api({ maxAnswerBytes: 64 }).call({ operation: "t", method: "GET", path: "/" }),
      ).toBe("x".repeat(62));
      server.respond(() => ({ status: 200, text: answer(65) }));
      const error = await failure(
        api({ maxAnswerBytes: 64 }).call({ operation: "t", method: "GET", path: "/" }),
      );
      expect(error.message).toContain("answer exceeded 64 bytes");
    });

    it("reads only the head of a long error answer, and keeps its status", async () => {
      server.respond(() => ({ status: 400, stream: { bytes: HUGE } }));
      const error = await failure(api().call({ operation: "t.post", method: "POST", path: "/" }));
      expect(error).toBeInstanceOf(ProviderHttpError);
      expect((error as ProviderHttpError).status).toBe(400);
      expect(server.requests).toHaveLength(1);
      await expectCutShort(1);
      expect(API_ERROR_BODY_MAX_BYTES).toBeLessThan(API_ANSWER_MAX_BYTES);
    });

    it("retries a long 503 answer, read only up to its cap, like any 503", async () => {
      server.respond(() => ({ status: 503, stream: { bytes: HUGE } }));
      const error = await failure(api().call({ operation: "t.get", method: "GET", path: "/" }));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toContain("gave up after 2 attempts, last failure HTTP 503");
      expect((error.cause as ProviderHttpError).status).toBe(503);
      await expectCutShort(2);
    });
  });

  describe("methods", () => {
    it("does not send a POST again unless the caller opted in", async () => {
      server.respond(() => ({ status: 503, text: "unavailable" }));
      const error = await failure(api().call({ operation: "t.post", method: "POST", path: "/" }));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(error.message).toBe("t.post could not reach the provider: HTTP 503");
      expect(server.requests).toHaveLength(1);

      server.respond((_, n) => (n === 1 ? { reset: true } : { status: 200, json: { ok: 1 } }));
      const optedIn = api({ retryMethods: ["GET", "POST"] });
      expect(await optedIn.call({ operation: "t.post", method: "POST", path: "/" })).toEqual({
        ok: 1,
      });
      expect(server.requests).toHaveLength(2);
    });
  });
});

describe("excerpt", () => {
  const key = "tlk_SECRET_0123456789";

  it("blanks secrets, URL queries and a secret's head cut off at the end", () => {
    expect(excerpt(`bad key ${key}\n\n at https://h/p?sig=1 and ${key.slice(0, 9)}`, [key])).toBe(
      "bad key [redacted] at https://h/p?[redacted] and [redacted]",
    );
  });

  it("keeps an excerpt short", () => {
    expect(excerpt("y".repeat(1_000), [])).toBe(`${"y".repeat(300)}…`);
  });
});
