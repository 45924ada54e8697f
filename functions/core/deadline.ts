/**
 * The time budget of one invocation. The Lambda wrapper opens it from the context's remaining
 * time, less a margin, and every provider call and chunk transfer inside reads it, so a step
 * gives up with a reason of its own before Lambda kills it. It travels in an
 * `AsyncLocalStorage` rather than as a parameter: the budget belongs to the invocation, while
 * the clients that honour it are built once per container.
 */

import { AsyncLocalStorage } from "node:async_hooks";

/** Least time kept back from the invocation for the step to fail cleanly, in milliseconds. */
export const MIN_DEADLINE_MARGIN_MS = 2_000;
/** Most time kept back, in milliseconds. */
export const MAX_DEADLINE_MARGIN_MS = 10_000;

const current = new AsyncLocalStorage<number>();

/**
 * The deadline (epoch ms) for work that must end before an invocation with `remainingMs` left
 * does: a tenth of it is kept back, within {@link MIN_DEADLINE_MARGIN_MS} and
 * {@link MAX_DEADLINE_MARGIN_MS}, to store what was done and raise the error.
 */
export function deadlineFor(remainingMs: number, now: number = Date.now()): number {
  const margin = Math.min(
    MAX_DEADLINE_MARGIN_MS,
    Math.max(MIN_DEADLINE_MARGIN_MS, remainingMs / 10),
  );
  return now + Math.max(0, remainingMs - margin);
}

/** Runs `fn` with `atMs` (epoch ms) as the deadline of everything it awaits. */
export function withDeadline<T>(atMs: number, fn: () => Promise<T>): Promise<T> {
  return current.run(atMs, fn);
}

/** The deadline of the current invocation (epoch ms), or `undefined` outside of one. */
export function currentDeadline(): number | undefined {
  return current.getStore();
}

/** Milliseconds left before the current deadline: never negative, `Infinity` without one. */
export function remainingMs(now: number = Date.now()): number {
  const at = current.getStore();
  return at === undefined ? Number.POSITIVE_INFINITY : Math.max(0, at - now);
}
