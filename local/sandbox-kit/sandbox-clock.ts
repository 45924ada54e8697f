/**
 * A sandbox's clock: a base clock (the `now` option, or the real one) plus the jumps made with
 * `advanceClock`, so a run can expire issued URLs and sessions without waiting for them.
 */

import { InvalidInputError } from "../../functions/core/errors.js";

/** A clock that can only jump forward. */
export class SandboxClock {
  private offsetMs = 0;

  constructor(private readonly base: () => number) {}

  /** Epoch milliseconds on the sandbox's clock. */
  readonly now = (): number => this.base() + this.offsetMs;

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new InvalidInputError(`advanceClock: ms must be a finite number >= 0, got ${ms}`);
    }
    this.offsetMs += ms;
  }
}
