/**
 * The attempts and the time one JSON call may spend, and undici's retry callback that spends
 * them. A call ends before the invocation's deadline (`deadline.ts`): every attempt is cut at
 * it, and a retry whose wait plus a least useful attempt does not fit before it is not made;
 * the call gives up at once and says why in operator terms.
 */

import type { RetryHandler } from "undici";
import { recordMetric } from "../metrics.js";
import { AttemptFailure, describeFailure } from "./attempt-failure.js";
import { parseRetryAfter, type RetryPolicy } from "./retry-policy.js";

/** Settings of an {@link AttemptBudget}. */
export interface AttemptBudgetOptions {
  /** Attempt count and the delays between attempts. */
  readonly policy: RetryPolicy;
  /** Longest one attempt may take when the deadline is further away, in milliseconds. */
  readonly timeoutMs: number;
  /** The invocation's deadline (epoch ms), or `undefined` outside of one. */
  readonly deadline: number | undefined;
  /** Least time an attempt needs; no attempt starts with less left, in milliseconds. */
  readonly minAttemptMs: number;
  /** Methods that may be sent again (POST only where repeating is known to be safe). */
  readonly retryMethods: ReadonlySet<string>;
  /** Waits between attempts. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Clock, epoch milliseconds. */
  readonly now: () => number;
}

/** Why a call stopped retrying. */
export interface GiveUp {
  /**
   * `attempts`: the budget of attempts is spent; `deadline`: the invocation's time is;
   * `retry-after`: the server asked for a longer wait than one call makes.
   */
  readonly why: "attempts" | "deadline" | "retry-after";
  /** For operators, e.g. `gave up after 3 attempts, last failure HTTP 503`. */
  readonly message: string;
}

/** How long the attempt starting now may take. */
export interface AttemptTimeout {
  readonly ms: number;
  /** Message of the failure when it runs out. */
  readonly label: string;
}

/** The attempt and time budget of one call; build one per call. */
export class AttemptBudget {
  private failures = 0;
  private badAnswers = 0;
  private givenUp: GiveUp | undefined;
  private readonly options: AttemptBudgetOptions;

  constructor(options: AttemptBudgetOptions) {
    this.options = options;
  }

  /** Why the call stopped retrying, once the budget ended it; `undefined` otherwise. */
  get verdict(): GiveUp | undefined {
    return this.givenUp;
  }

  /** Attempts whose 2xx answer was unusable (not JSON, or too long) so far. */
  get badAnswerAttempts(): number {
    return this.badAnswers;
  }

  /** Attempts that failed so far. */
  get failedAttempts(): number {
    return this.failures;
  }

  /** Milliseconds left before the deadline: `Infinity` without one. */
  remainingMs(): number {
    const { deadline, now } = this.options;
    return deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, deadline - now());
  }

  /** Why no first attempt can be made, or `undefined` when one can. */
  refusalToStart(): string | undefined {
    const left = this.remainingMs();
    const least = this.options.minAttemptMs;
    if (left >= least) return undefined;
    return `no attempt made: ${seconds(left)} left in this invocation, less than the ${seconds(least)} an attempt needs`;
  }

  /** The timeout of the attempt starting now: the attempt timeout, or the time left if less. */
  attemptTimeout(): AttemptTimeout {
    const left = this.remainingMs();
    const { timeoutMs } = this.options;
    if (timeoutMs <= left) {
      return { ms: timeoutMs, label: `no answer within ${seconds(timeoutMs)}` };
    }
    return { ms: left, label: `no answer within the ${seconds(left)} left in this invocation` };
  }

  /**
   * undici's retry callback (`interceptors.retry({ retry })`): calls `done()` after the wait
   * when another attempt is worth making and fits before the deadline, `done(error)` at once
   * otherwise, recording the {@link verdict} when the budget, not the failure, ended the call.
   */
  readonly retry: RetryHandler.RetryCallback = (error, { opts }, done) => {
    const failure = describeFailure(error);
    this.failures += 1;
    if (error instanceof AttemptFailure && error.kind !== "timeout") this.badAnswers += 1;
    const attempts = plural(this.failures, "attempt");
    if (!failure.retryable || !this.options.retryMethods.has(opts.method)) {
      done(error);
      return;
    }
    const { policy, minAttemptMs } = this.options;
    if (this.failures >= policy.maxAttempts) {
      this.givenUp = {
        why: "attempts",
        message: `gave up after ${attempts}, last failure ${failure.label}`,
      };
      done(error);
      return;
    }
    // Never sooner than the server asked: a Retry-After is honoured whole, not capped.
    const asked = parseRetryAfter(failure.retryAfter, this.options.now());
    const waitMs = asked ?? policy.delayMs(this.failures);
    const left = this.remainingMs();
    if (waitMs + minAttemptMs > left) {
      this.givenUp = {
        why: "deadline",
        message: `gave up after ${attempts}: ${this.noTimeFor(waitMs, left, failure.retryAfter)}; last failure ${failure.label}`,
      };
      done(error);
      return;
    }
    if (waitMs > policy.maxDelayMs) {
      // Longer than one call waits: the state machine's Retry waits instead, outside Lambda.
      this.givenUp = {
        why: "retry-after",
        message: `gave up after ${attempts}: the server asked to wait ${seconds(waitMs)} (Retry-After), longer than the ${seconds(policy.maxDelayMs)} one call waits; last failure ${failure.label}`,
      };
      done(error);
      return;
    }
    recordMetric("Retries", 1);
    this.options.sleep(waitMs).then(
      () => done(null),
      (sleepError: unknown) => done(sleepError instanceof Error ? sleepError : error),
    );
  };

  /** Why a retry after `waitMs` does not fit in the `leftMs` left, for operators. */
  private noTimeFor(waitMs: number, leftMs: number, retryAfter: string | undefined): string {
    const { minAttemptMs, now } = this.options;
    const left = `${seconds(leftMs)} are left in this invocation`;
    const asked = parseRetryAfter(retryAfter, now());
    if (asked !== undefined)
      return `the server asked to wait ${seconds(asked)} (Retry-After) and ${left}`;
    if (leftMs < minAttemptMs)
      return `${left}, less than the ${seconds(minAttemptMs)} an attempt needs`;
    return `the next attempt would start in ${seconds(waitMs)} and needs ${seconds(minAttemptMs)}, but ${left}`;
  }
}

/** `1 attempt`, `3 attempts`. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * Milliseconds as seconds for people: `50 s`, `2.9 s`, `0.0 s`. Rounded down, so that the time
 * left is never overstated.
 */
export function seconds(ms: number): string {
  return ms >= 10_000
    ? `${Math.floor(ms / 1000)} s`
    : `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
}
