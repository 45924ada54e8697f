import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../../functions/core/errors.js";
import { parseRetryAfter, RetryPolicy } from "../../../../functions/core/http/retry-policy.js";

const NOW = Date.parse("2025-12-01T12:00:00Z");

function policy(random: () => number, maxDelayMs = 20_000): RetryPolicy {
  return new RetryPolicy({ maxAttempts: 5, baseDelayMs: 250, maxDelayMs, random, now: () => NOW });
}

describe("RetryPolicy", () => {
  it("doubles the backoff ceiling with every attempt, up to the cap", () => {
    const highest = policy(() => 0.999_999, 3_000);
    expect([1, 2, 3, 4, 5, 6].map((n) => highest.delayMs(n))).toEqual([
      249, 499, 999, 1_999, 2_999, 2_999,
    ]);
  });

  it("draws the delay uniformly below the ceiling (full jitter)", () => {
    expect(policy(() => 0).delayMs(4)).toBe(0);
    expect(policy(() => 0.5).delayMs(3)).toBe(500);
  });

  it("honours Retry-After in seconds, capped", () => {
    const p = policy(() => 0.5);
    expect(p.delayMs(1, "3")).toBe(3_000);
    expect(p.delayMs(1, "0")).toBe(0);
    expect(p.delayMs(1, "3600")).toBe(20_000);
  });

  it("honours Retry-After as an HTTP date, capped, and a past date as now", () => {
    const p = policy(() => 0.5);
    expect(p.delayMs(1, "Mon, 01 Dec 2025 12:00:07 GMT")).toBe(7_000);
    expect(p.delayMs(1, "Mon, 01 Dec 2025 13:00:00 GMT")).toBe(20_000);
    expect(p.delayMs(1, "Mon, 01 Dec 2025 11:00:00 GMT")).toBe(0);
  });

  it("falls back to backoff when Retry-After is unreadable", () => {
    const p = policy(() => 0.5);
    for (const value of ["soon", "-1", "1.5", "", "   "]) {
      expect(p.delayMs(2, value)).toBe(250);
    }
    expect(parseRetryAfter("-1", NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });

  it("refuses settings it cannot work with", () => {
    expect(() => new RetryPolicy({ maxAttempts: 0, baseDelayMs: 1, maxDelayMs: 1 })).toThrow(
      InvalidInputError,
    );
    expect(() => new RetryPolicy({ maxAttempts: 2, baseDelayMs: -1, maxDelayMs: 1 })).toThrow(
      /baseDelayMs/,
    );
  });
});
