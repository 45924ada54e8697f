/**
 * The execution history the local runner records: every event aws-local-stepfunctions reports
 * (execution started/succeeded/failed/aborted/timed out; state entered, exited, failed,
 * retried, caught; Map iterations and Parallel branches, nested events carrying `index`),
 * numbered in arrival order and stored as plain JSON.
 */

import type { StateMachine } from "aws-local-stepfunctions";

/** One event exactly as the interpreter reports it (it does not export the type itself). */
export type InterpreterEvent =
  ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/**
 * A recorded event: the interpreter's event as JSON, plus `id` (1-based, arrival order).
 * `timestamp` is epoch milliseconds; `Cause`, where present, is always a string.
 */
export type HistoryEvent = InterpreterEvent & { readonly id: number };

/** Records one interpreter event as JSON, numbered `id`. */
export function toHistoryEvent(event: InterpreterEvent, id: number): HistoryEvent {
  const copy = JSON.parse(JSON.stringify(event)) as InterpreterEvent & { Cause?: unknown };
  if ("Cause" in event) {
    // The interpreter passes an error's `cause` through as is; keep the history plain strings.
    const cause: unknown = event.Cause;
    copy.Cause =
      typeof cause === "string"
        ? cause
        : cause instanceof Error
          ? `${cause.name}: ${cause.message}`
          : JSON.stringify(cause);
  }
  return { ...copy, id };
}
