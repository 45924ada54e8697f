import { describe, expect, it } from "vitest";
import { AttemptBudget, seconds } from "../../../../functions/core/http/attempt-budget.js";
import { AttemptFailure } from "../../../../functions/core/http/attempt-failure.js";
import { RetryPolicy } from "../../../../functions/core/http/retry-policy.js";

const NOW = Date.parse("2025-12-01T12:00:00Z");

/** What the retry callback decided: `retry` after the recorded sleeps, or `stop`. */
interface Decision {
  readonly outcome: "retry" | "stop";
  readonly sleeps: number[];
}

function budget(
  deadline: number | undefined,
  options: { random?: number; baseDelayMs?: number; maxAttempts?: number } = {},
) {
  const sleeps: number[] = [];
  const b = new AttemptBudget({
    policy: new RetryPolicy({
      maxAttempts: options.maxAttempts ?? 5,
      baseDelayMs: options.baseDelayMs ?? 1_000,
      maxDelayMs: 20_000,
      random: () => options.random ?? 0.5,
      now: () => NOW,
    }),
    timeoutMs: 30_000,
    deadline,
    minAttemptMs: 1_000,
    retryMethods: new Set(["GET"]),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => NOW,
  });
  /** Runs undici's retry callback once for `error`. */
  const decide = (error: Error, method = "GET") =>
    new Promise<Decision>((resolve) => {
      b.retry(error, { state: { counter: 1 }, opts: { method, path: "/" } }, (stop) =>
        resolve({ outcome: stop ? "stop" : "retry", sleeps }),
      );
    });
  return { budget: b, decide };
}

/** The error undici's retry handler passes for a status: a `RequestRetryError`'s fields. */
function status(code: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error("Request failed"), {
    code: "UND_ERR_REQ_RETRY",
    statusCode: code,
    headers,
  });
}

describe("AttemptBudget", () => {
  it("outside any deadline, retries within the attempts as before", async () => {
    const { budget: b, decide } = budget(undefined, { maxAttempts: 2 });
    expect(b.attemptTimeout()).toEqual({ ms: 30_000, label: "no answer within 30 s" });
    expect(await decide(status(503))).toEqual({ outcome: "retry", sleeps: [500] });
    expect((await decide(status(503))).outcome).toBe("stop");
    expect(b.verdict).toEqual({
      why: "attempts",
      message: "gave up after 2 attempts, last failure HTTP 503",
    });
  });

  it("cuts an attempt's timeout at the deadline", () => {
    const { budget: b } = budget(NOW + 4_250);
    expect(b.attemptTimeout()).toEqual({
      ms: 4_250,
      label: "no answer within the 4.2 s left in this invocation",
    });
  });

  it("gives up at once when the backoff and a least attempt do not fit", async () => {
    const { budget: b, decide } = budget(NOW + 3_000, { random: 0.999, baseDelayMs: 5_000 });
    expect(await decide(new AttemptFailure("not-json", "answer is not JSON (9 bytes)"))).toEqual({
      outcome: "stop",
      sleeps: [],
    });
    expect(b.verdict).toEqual({
      why: "deadline",
      message:
        "gave up after 1 attempt: the next attempt would start in 4.9 s and needs 1.0 s, but 3.0 s are left in this invocation; last failure answer is not JSON (9 bytes)",
    });
  });

  it("names Retry-After as an HTTP date too", async () => {
    const { budget: b, decide } = budget(NOW + 8_000);
    await decide(status(429, { "retry-after": "Mon, 01 Dec 2025 12:00:50 GMT" }));
    expect(b.verdict?.message).toBe(
      "gave up after 1 attempt: the server asked to wait 50 s (Retry-After) and 8.0 s are left in this invocation; last failure HTTP 429",
    );
  });

  it("hands on a status or an error that retrying cannot fix, or a method not opted in", async () => {
    const { budget: b, decide } = budget(undefined);
    expect((await decide(status(400))).outcome).toBe("stop");
    expect((await decide(new TypeError("bug"))).outcome).toBe("stop");
    expect((await decide(status(503), "POST")).outcome).toBe("stop");
    expect(b.verdict).toBeUndefined();
  });

  it("refuses a first attempt with less time left than an attempt needs", () => {
    expect(budget(NOW + 999).budget.refusalToStart()).toBe(
      "no attempt made: 0.9 s left in this invocation, less than the 1.0 s an attempt needs",
    );
    expect(budget(NOW + 1_000).budget.refusalToStart()).toBeUndefined();
  });

  it("writes durations for people", () => {
    expect([0, 49, 2_950, 9_949, 10_000, 50_400].map(seconds)).toEqual([
      "0.0 s",
      "0.0 s",
      "2.9 s",
      "9.9 s",
      "10 s",
      "50 s",
    ]);
  });
});
