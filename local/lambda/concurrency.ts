/**
 * Lambda's concurrency limits, as one account has them: an account-wide limit on the
 * invocations running at once (`ConcurrentExecutions`, 1,000 in a fresh account), and per
 * function an optional reserved concurrency (`ReservedConcurrentExecutions`). A function with a
 * reservation runs at most that many invocations, always has them, and takes them out of the
 * account's pool; every other function shares what is left (the unreserved pool). An
 * invocation over its limit is not run: Lambda answers {@link TooManyRequestsException}.
 *
 * An invocation counts from the moment Lambda accepts it (its cold start included) until its
 * result or error. Not reproduced: the burst limit on how fast a function scales up, and the
 * rule that reservations must leave at least 100 unreserved (so a small local limit can be
 * reserved from in tests).
 */

import { type ThrottleReason, TooManyRequestsException } from "./lambda-service-error.js";

/** A fresh account's concurrency limit. */
export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;

/** Counters of a {@link LambdaConcurrency} since it was created. */
export interface LambdaConcurrencyStats {
  /** The account-wide limit. */
  readonly accountLimit: number;
  /** Invocations running now, over every function. */
  readonly inFlight: number;
  /** Most invocations that ever ran at once. */
  readonly peakInFlight: number;
  /** Invocations throttled (each refused attempt counts, sync or async). */
  readonly throttles: number;
  /** Throttles by function name. */
  readonly throttlesByFunction: Readonly<Record<string, number>>;
}

/** Options of {@link LambdaConcurrency}. */
export interface LambdaConcurrencyOptions {
  /** Invocations the account runs at once. @default 1000 */
  readonly accountLimit?: number;
}

/** One account's concurrency: every local function of the account takes its slots here. */
export class LambdaConcurrency {
  readonly accountLimit: number;
  readonly #reserved = new Map<string, number>();
  readonly #running = new Map<string, number>();
  readonly #throttles = new Map<string, number>();
  #inFlight = 0;
  #unreservedInFlight = 0;
  #peak = 0;
  #waiters: (() => void)[] = [];

  constructor(options: LambdaConcurrencyOptions = {}) {
    const limit = options.accountLimit ?? DEFAULT_ACCOUNT_CONCURRENCY;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`account concurrency limit must be a positive integer, got ${limit}`);
    }
    this.accountLimit = limit;
  }

  /**
   * Sets a function's reserved concurrency (`undefined`: none, it shares the unreserved pool).
   * Throws, as PutFunctionConcurrency would, if the reservations exceed the account's limit.
   */
  reserve(functionName: string, reserved: number | undefined): void {
    if (reserved === undefined) {
      this.#reserved.delete(functionName);
      return;
    }
    if (!Number.isInteger(reserved) || reserved < 0) {
      throw new RangeError(`reserved concurrency of ${functionName} must be an integer >= 0`);
    }
    const others = this.#reservedTotal() - (this.#reserved.get(functionName) ?? 0);
    if (others + reserved > this.accountLimit) {
      throw new RangeError(
        `reserved concurrency of ${functionName} (${reserved}) exceeds the account's unreserved concurrency (${this.accountLimit - others})`,
      );
    }
    this.#reserved.set(functionName, reserved);
  }

  /** The function's reserved concurrency, if it has one. */
  reservedOf(functionName: string): number | undefined {
    return this.#reserved.get(functionName);
  }

  /**
   * Takes a slot for one invocation of `functionName` and returns the function that gives it
   * back (call it exactly once, when the invocation ends; later calls do nothing). Throws
   * {@link TooManyRequestsException} when the function's limit is reached.
   */
  acquire(functionName: string): () => void {
    const reserved = this.#reserved.get(functionName);
    const running = this.#running.get(functionName) ?? 0;
    let reason: ThrottleReason | undefined;
    if (reserved !== undefined) {
      if (running >= reserved) reason = "ReservedFunctionConcurrentInvocationLimitExceeded";
    } else if (this.#unreservedInFlight >= this.accountLimit - this.#reservedTotal()) {
      reason = "ConcurrentInvocationLimitExceeded";
    }
    if (reason) {
      this.#throttles.set(functionName, (this.#throttles.get(functionName) ?? 0) + 1);
      throw new TooManyRequestsException(reason);
    }
    this.#running.set(functionName, running + 1);
    if (reserved === undefined) this.#unreservedInFlight += 1;
    this.#inFlight += 1;
    this.#peak = Math.max(this.#peak, this.#inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running.set(functionName, (this.#running.get(functionName) ?? 1) - 1);
      if (reserved === undefined) this.#unreservedInFlight -= 1;
      this.#inFlight -= 1;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    };
  }

  /** Resolves the next time any invocation ends (a slot may be free then). */
  nextRelease(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Invocations of `functionName` running now. */
  runningOf(functionName: string): number {
    return this.#running.get(functionName) ?? 0;
  }

  /** A snapshot of the counters. */
  get stats(): LambdaConcurrencyStats {
    const throttlesByFunction = Object.fromEntries(this.#throttles);
    return {
      accountLimit: this.accountLimit,
      inFlight: this.#inFlight,
      peakInFlight: this.#peak,
      throttles: Object.values(throttlesByFunction).reduce((sum, n) => sum + n, 0),
      throttlesByFunction,
    };
  }

  #reservedTotal(): number {
    let total = 0;
    for (const reserved of this.#reserved.values()) total += reserved;
    return total;
  }
}
