/**
 * When to try a provider call again: exponential backoff with full jitter, or the server's own
 * `Retry-After` when it sends one, each delay capped at `maxDelayMs`. Capping each delay does
 * not bound a whole call: attempts × timeout + waits can outlast a Lambda (5 × 30 s + 4 × 20 s
 * = 230 s against a 60 s function). The invocation's deadline bounds it instead
 * (`AttemptBudget` in `attempt-budget.ts`).
 */

import { InvalidInputError } from "../errors.js";

/** Settings of a {@link RetryPolicy}. */
export interface RetryPolicyOptions {
  /** Attempts of one call, the first included. */
  readonly maxAttempts: number;
  /** Ceiling of the first backoff delay, in milliseconds; it doubles with every attempt. */
  readonly baseDelayMs: number;
  /** No delay, backoff or `Retry-After`, is longer than this, in milliseconds. */
  readonly maxDelayMs: number;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Clock for `Retry-After` HTTP dates, epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** Attempt budget and delays between attempts of one provider call. */
export class RetryPolicy {
  /** Attempts of one call, the first included. */
  readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  /** Longest wait between two attempts, in milliseconds. */
  readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(options: RetryPolicyOptions) {
    const problems: string[] = [];
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
      problems.push("maxAttempts must be an integer >= 1");
    }
    if (!(options.baseDelayMs >= 0)) problems.push("baseDelayMs must be >= 0");
    if (!(options.maxDelayMs >= 0)) problems.push("maxDelayMs must be >= 0");
    if (problems.length > 0) throw new InvalidInputError(`retry policy: ${problems.join("; ")}`);
    this.maxAttempts = options.maxAttempts;
    this.baseDelayMs = options.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /**
   * Milliseconds to wait after failed attempt `attempt` (from 1) before the next one. A usable
   * `Retry-After` wins over backoff, because the server knows its own load better than we do.
   */
  delayMs(attempt: number, retryAfter?: string | null): number {
    const hinted = parseRetryAfter(retryAfter, this.now());
    if (hinted !== undefined) return Math.min(hinted, this.maxDelayMs);
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    // Full jitter: spreads retries of many executions that failed together.
    return Math.floor(this.random() * ceiling);
  }
}

/**
 * Reads a `Retry-After` value (delay seconds or HTTP date) as milliseconds from `nowMs`;
 * `undefined` when absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse also reads bare numbers such as "-1" as years; an HTTP date always has a weekday.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
