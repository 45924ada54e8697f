/**
 * Runs a TypeScript entry as a child process (`node --expose-gc --import tsx <entry>`), hands
 * it a JSON task on stdin and reads its JSON result, the last line of stdout: the benches'
 * measured runs, and the synthesis `npm start` keeps out of its own process.
 */

import { spawn } from "node:child_process";
import { once } from "node:events";

/** How to run one child. */
export interface JsonChildOptions {
  /** The child's entry file: its own module, so a child loads none of the parent's servers. */
  readonly entry: string;
  /** Names the child in errors. */
  readonly label: string;
  /** Kills the child when it outlives this. */
  readonly deadlineMs: number;
  /** Kills the child when aborted (a bench interrupted). @default never */
  readonly signal?: AbortSignal;
}

/** Runs one child on `task`; answers its parsed result. */
export async function runJsonChild<R>(task: unknown, options: JsonChildOptions): Promise<R> {
  const { label, deadlineMs } = options;
  const signal = options.signal ?? new AbortController().signal;
  signal.throwIfAborted();
  // --expose-gc: a measured child collects garbage once before it starts measuring, so every
  // run starts from the same clean heap.
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", options.entry], {
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
    if (timedOut) throw new Error(`child ${label} ran over ${deadlineMs / 1000} s and was killed`);
    const line = stdout.trim().split("\n").pop() ?? "";
    if (code !== 0 || !line.startsWith("{")) {
      throw new Error(`child ${label} exited ${code}: ${stderr.slice(-2000)}`);
    }
    return JSON.parse(line) as R;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", kill);
  }
}
