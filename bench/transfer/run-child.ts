/** Parent side of a measured run: spawns one child, hands it its task, and reads its result. */

import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { ChildResult, ChildTask } from "./protocol.js";

/** The child's entry point: its own file, so a child loads none of the parent's servers. */
const CHILD_ENTRY = fileURLToPath(new URL("./child.ts", import.meta.url));

/** Runs one child; kills it when it outlives `deadlineMs` or the bench is interrupted. */
export async function runChild(
  task: ChildTask,
  deadlineMs: number,
  signal: AbortSignal,
): Promise<ChildResult> {
  signal.throwIfAborted();
  // --expose-gc: the child collects garbage once before it starts measuring, so every variant
  // starts from the same clean heap.
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", CHILD_ENTRY], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let timedOut = false;
  const kill = (): void => {
    child.kill("SIGKILL");
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, deadlineMs);
  signal.addEventListener("abort", kill, { once: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (piece: Buffer) => {
    stdout += piece.toString();
  });
  child.stderr.on("data", (piece: Buffer) => {
    stderr += piece.toString();
  });
  child.stdin.end(JSON.stringify(task));
  try {
    const [code] = (await once(child, "close")) as [number | null];
    signal.throwIfAborted();
    if (timedOut) {
      throw new Error(`bench child ${task.variant} ran over ${deadlineMs / 1000} s and was killed`);
    }
    const line = stdout.trim().split("\n").pop() ?? "";
    if (code !== 0 || !line.startsWith("{")) {
      throw new Error(`bench child ${task.variant} exited ${code}: ${stderr.slice(-2000)}`);
    }
    return JSON.parse(line) as ChildResult;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", kill);
  }
}
