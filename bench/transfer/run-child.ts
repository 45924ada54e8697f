/** Parent side of a measured transfer run: one child per run, on its task. */

import { fileURLToPath } from "node:url";
import { runJsonChild } from "../../local/run-json-child.js";
import type { ChildResult, ChildTask } from "./protocol.js";

/** The child's entry point: its own file, so a child loads none of the parent's servers. */
const CHILD_ENTRY = fileURLToPath(new URL("./child.ts", import.meta.url));

/** Runs one child; kills it when it outlives `deadlineMs` or the bench is interrupted. */
export function runChild(
  task: ChildTask,
  deadlineMs: number,
  signal: AbortSignal,
): Promise<ChildResult> {
  return runJsonChild<ChildResult>(task, {
    entry: CHILD_ENTRY,
    label: task.variant,
    deadlineMs,
    signal,
  });
}
