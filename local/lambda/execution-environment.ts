/**
 * One local Lambda execution environment: a worker thread running `lambda-worker.mjs` over one
 * function's shipped bundle. A worker, not an in-process import, because a function must run
 * as deployed: its own module graph and globals, exactly its own `process.env` (the worker's
 * `env` option, so nothing of this process or of another function is visible), a heap sized
 * from its memory setting, no loaders inherited from this process (`execArgv: []`), and a hard
 * stop on timeout (`terminate()` kills code that never yields, as Lambda's sandbox does).
 *
 * It runs one invocation at a time. A timeout, a fatal error or an exit discards it: the next
 * invocation of the function cold-starts another one, as on AWS.
 */

import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { type LambdaErrorReport, LambdaFunctionError } from "./lambda-function-error.js";
import type { LocalLambdaSpec } from "./local-lambda.js";
import { forEachLine } from "./log-lines.js";

const WORKER_URL = new URL("./lambda-worker.mjs", import.meta.url);

/**
 * Lambda's limit on an on-demand function's init phase. On AWS a hung init is retried inside
 * the invocation and ends as that invocation's timeout; here it ends the invocation at once,
 * with the same error.
 */
const INIT_TIMEOUT_MS = 10_000;

/** The errorType Lambda reports (and Step Functions shows) for a function that timed out. */
export const TIMEOUT_ERROR_TYPE = "Sandbox.Timedout";

/** What an execution environment is started from: the function's spec, its log sink required. */
export type EnvironmentSpec = Required<
  Omit<LocalLambdaSpec, "concurrency" | "reservedConcurrency">
>;

/**
 * V8 old-generation limit for a memory setting. Lambda's Node.js bootstrap gives V8
 * `--max-old-space-size` = memory − memory/10 and `--max-semi-space-size` = memory/20; a worker
 * takes the first as `maxOldGenerationSizeMb`. The young generation keeps V8's default (a few
 * MB more than Lambda's at 128 MB), and nothing here counts memory outside the V8 heap
 * (buffers, native code), which Lambda's sandbox does count: an approximation that catches a
 * heap that outgrows its function, not an exact replica of the sandbox limit.
 */
export function heapLimitMb(memorySizeMb: number): number {
  return memorySizeMb - Math.floor(memorySizeMb / 10);
}

type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "init-error"; readonly error: LambdaErrorReport }
  | {
      readonly type: "result";
      readonly requestId: string;
      readonly resultJson: string;
      readonly peakMemoryBytes?: number;
    }
  | {
      readonly type: "error";
      readonly requestId: string;
      readonly error: LambdaErrorReport;
      readonly fatal: boolean;
      readonly peakMemoryBytes?: number;
    };

/** A child process's log text, sent over IPC so that it arrives before the result it precedes. */
interface LogMessage {
  readonly type: "log";
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

/** The phase waiting for the worker: init (no request id) or one invocation. */
interface Pending {
  readonly requestId: string | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** A worker running one function's bundle, one invocation at a time. */
export class ExecutionEnvironment {
  readonly #spec: EnvironmentSpec;
  readonly #worker: Worker | ChildProcess;
  #peakMemoryBytes = 0;
  /** The tail of a child process's own stderr: where V8 reports running out of heap. */
  #nativeStderr = "";
  /** A child process's unfinished last log line, per stream. */
  readonly #partial = { stdout: "", stderr: "" };
  readonly #ready: Promise<void>;
  readonly #onDeath: (environment: ExecutionEnvironment) => void;
  #pending: Pending | undefined;
  #alive = true;
  #workerError: Error | undefined;
  #terminatedBy: Error | undefined;

  /** Starts the worker (the init phase); `onDeath` is told once when it is discarded. */
  constructor(spec: EnvironmentSpec, onDeath: (environment: ExecutionEnvironment) => void) {
    this.#spec = spec;
    this.#onDeath = onDeath;
    const data = {
      functionName: spec.functionName,
      codeDirectory: spec.codeDirectory,
      handler: spec.handler,
      memorySizeMb: spec.memorySizeMb,
    };
    const log = (line: string) => spec.onLog(line, spec.functionName);
    if (spec.isolation === "process") {
      // Lambda's bootstrap sizes the heap the same way; the spec rides in argv, since the
      // environment must be exactly the function's.
      const child = fork(fileURLToPath(WORKER_URL), [JSON.stringify(data)], {
        env: { ...spec.environment },
        execArgv: [`--max-old-space-size=${heapLimitMb(spec.memorySizeMb)}`],
        stdio: ["ignore", "ignore", "pipe", "ipc"],
        serialization: "json",
      });
      child.stderr?.on("data", (piece: Buffer) => {
        this.#nativeStderr = (this.#nativeStderr + piece.toString()).slice(-4096);
      });
      child.on("message", (message: FromWorker | LogMessage) => {
        if (message.type === "log") {
          // Whole lines only, per stream, as a pipe read line by line would give them.
          const lines = (this.#partial[message.stream] + message.text).split("\n");
          this.#partial[message.stream] = lines.pop() ?? "";
          for (const line of lines) log(line.endsWith("\r") ? line.slice(0, -1) : line);
        } else this.#onMessage(message);
      });
      child.on("error", (error) => {
        this.#workerError = error;
      });
      // "close", not "exit": by then its stderr (an out-of-memory report) has been read.
      child.on("close", (code, signal) => this.#onExit(code ?? (signal ? 128 : 1)));
      this.#worker = child;
    } else {
      const worker = new Worker(WORKER_URL, {
        env: { ...spec.environment },
        execArgv: [],
        argv: [],
        stdout: true,
        stderr: true,
        resourceLimits: { maxOldGenerationSizeMb: heapLimitMb(spec.memorySizeMb) },
        workerData: data,
      });
      forEachLine(worker.stdout, log);
      forEachLine(worker.stderr, log);
      worker.on("message", (message: FromWorker) => this.#onMessage(message));
      worker.on("error", (error) => {
        this.#workerError = error;
      });
      worker.on("exit", (code) => this.#onExit(code));
      this.#worker = worker;
    }
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#pending = {
        requestId: undefined,
        resolve: () => resolve(),
        reject,
        timer: setTimeout(() => this.#timeOut(), INIT_TIMEOUT_MS),
      };
    });
    // Whoever invokes awaits it; this only keeps an unawaited failure from being "unhandled".
    this.#ready.catch(() => {});
  }

  /** False once discarded (timed out, exited, failed to init, or terminated). */
  get alive(): boolean {
    return this.#alive;
  }

  /**
   * Runs one invocation (after init, on a cold start): the parsed result, or a
   * LambdaFunctionError. `killAfterMs`, a fault, ends it as its timeout would, that much
   * earlier than the timeout the function itself sees.
   */
  /**
   * Highest heap + buffers of this environment's isolate sampled during any invocation, in
   * bytes: the local stand-in for Lambda's "Max Memory Used" (threads share one process RSS).
   */
  get peakMemoryBytes(): number {
    return this.#peakMemoryBytes;
  }

  async invoke(eventJson: string, killAfterMs?: number): Promise<unknown> {
    await this.#ready;
    if (!this.#alive || this.#pending) {
      // Terminated (or died) while this invocation waited for its turn.
      throw (
        this.#terminatedBy ??
        new Error(`execution environment of ${this.#spec.functionName} is not available`)
      );
    }
    const requestId = randomUUID();
    const timeoutMs = this.#spec.timeoutSeconds * 1000;
    // Both sides read the same clock: the deadline is what getRemainingTimeInMillis counts to.
    const deadlineMs = Date.now() + timeoutMs;
    return new Promise<unknown>((resolve, reject) => {
      this.#pending = {
        requestId,
        resolve,
        reject,
        timer: setTimeout(() => this.#timeOut(), Math.min(timeoutMs, killAfterMs ?? timeoutMs)),
      };
      const message = { type: "invoke", requestId, eventJson, deadlineMs };
      if (this.#worker instanceof Worker) this.#worker.postMessage(message);
      else this.#worker.send(message);
    });
  }

  /** Discards the environment: whatever is running rejects with `reason`. */
  async terminate(reason: Error): Promise<void> {
    this.#terminatedBy = reason;
    this.#take()?.reject(reason);
    this.#discard();
    await this.#stopWorker();
  }

  /** Ends the thread or process at once, as Lambda's sandbox is frozen and reclaimed. */
  async #stopWorker(): Promise<void> {
    if (this.#worker instanceof Worker) {
      await this.#worker.terminate();
      return;
    }
    const child = this.#worker;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case "ready": {
        if (this.#pending?.requestId !== undefined) return;
        this.#take()?.resolve(undefined);
        return;
      }
      case "init-error": {
        const pending = this.#take();
        this.#discard();
        pending?.reject(new LambdaFunctionError(message.error));
        return;
      }
      case "result":
      case "error": {
        if (this.#pending?.requestId !== message.requestId) return;
        this.#peakMemoryBytes = Math.max(this.#peakMemoryBytes, message.peakMemoryBytes ?? 0);
        const pending = this.#take();
        if (message.type === "result") {
          pending?.resolve(JSON.parse(message.resultJson));
          return;
        }
        // After an uncaught exception or rejection the runtime exits: so does this environment.
        if (message.fatal) this.#discard();
        pending?.reject(new LambdaFunctionError(message.error));
      }
    }
  }

  #onExit(code: number): void {
    if (!this.#alive) return;
    this.#discard();
    const outOfMemory =
      (this.#workerError as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY" ||
      this.#nativeStderr.includes("heap out of memory");
    const detail = outOfMemory
      ? `JavaScript heap out of memory (${heapLimitMb(this.#spec.memorySizeMb)} MB heap for ${this.#spec.memorySizeMb} MB)`
      : this.#workerError === undefined
        ? `exit status ${code}`
        : this.#workerError.message;
    const pending = this.#take();
    // Lambda's form: "RequestId: <id> Error: Runtime exited with error: exit status 3".
    const prefix =
      pending?.requestId === undefined ? "" : `RequestId: ${pending.requestId} Error: `;
    pending?.reject(
      new LambdaFunctionError({
        errorType: "Runtime.ExitError",
        errorMessage: `${prefix}Runtime exited with error: ${detail}`,
        trace: [],
      }),
    );
  }

  #timeOut(): void {
    const pending = this.#take();
    this.#discard();
    pending?.reject(
      new LambdaFunctionError({
        errorType: TIMEOUT_ERROR_TYPE,
        errorMessage: `Task timed out after ${this.#spec.timeoutSeconds.toFixed(2)} seconds`,
        trace: [],
      }),
    );
  }

  /** Clears and returns what is waiting, so that it settles exactly once. */
  #take(): Pending | undefined {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) clearTimeout(pending.timer);
    return pending;
  }

  #discard(): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.#onDeath(this);
    void this.#stopWorker();
  }
}
