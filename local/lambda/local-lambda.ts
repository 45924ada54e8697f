/**
 * A local AWS Lambda function that runs a shipped bundle as deployed: the esbuild output of
 * `cdk synth` (`cdk.out/asset.<hash>/index.mjs`), through its real handler, with only its own
 * environment, its own timeout and its own memory setting, isolated from every other function
 * and from this process. So a wiring mistake that would break the deployed function (a missing
 * variable, a bundling error, a handler that outlives its timeout) breaks the local run too.
 *
 * Lambda's scaling model, per function: each execution environment (a worker thread, see
 * `execution-environment.ts`) runs one invocation at a time; an invocation takes an idle warm
 * environment, or cold-starts a new one, so concurrent invocations run in parallel; module
 * scope survives between the invocations of one environment; a timed-out or crashed
 * environment is discarded.
 *
 * Errors are reported in the Node.js runtime's shapes (see `lambda-worker.mjs`): a thrown
 * value's `name` (a thrown non-Error's `typeof`, e.g. "string"), `Runtime.ImportModuleError`,
 * `Runtime.HandlerNotFound`, `Runtime.UserCodeSyntaxError`, `Runtime.UnhandledPromiseRejection`,
 * and the platform's `Sandbox.Timedout` and `Runtime.ExitError`.
 *
 * Concurrency limits (see `concurrency.ts`): every invocation takes a slot of its account's
 * {@link LambdaConcurrency} (its reserved concurrency, or the unreserved pool) for as long as it
 * runs. Over the limit, a synchronous invocation is refused with
 * {@link TooManyRequestsException} before the function runs, as the Invoke API answers 429; an
 * asynchronous one ({@link LocalLambda.invokeAsync}) waits in the function's event queue and is
 * tried again later, as Lambda's async event queue does.
 *
 * Not reproduced: the freeze between invocations (a warm worker's timers keep running), the
 * runtime's console patching (lines are handed over as the function writes them, without the
 * `<time>\t<requestId>\tINFO` prefix), the 6 MB payload limits, `/var/task` as the working
 * directory (workers share this process's), and a closed file system: a bare import the bundle
 * left external resolves up the directory tree, so an asset under the repository finds the
 * repository's `node_modules`, where on AWS only the runtime's own packages (the AWS SDK)
 * would be found.
 */

import { LambdaConcurrency } from "./concurrency.js";
import { ExecutionEnvironment, TIMEOUT_ERROR_TYPE } from "./execution-environment.js";
import { LambdaFunctionError } from "./lambda-function-error.js";
import { TooManyRequestsException } from "./lambda-service-error.js";

export type { LambdaConcurrencyStats } from "./concurrency.js";
export { DEFAULT_ACCOUNT_CONCURRENCY, LambdaConcurrency } from "./concurrency.js";
export type { LambdaErrorReport } from "./lambda-function-error.js";
export { LambdaFunctionError } from "./lambda-function-error.js";
export type { ThrottleReason } from "./lambda-service-error.js";
export { LambdaServiceError, TooManyRequestsException } from "./lambda-service-error.js";

/** One function's deployed configuration, as the synthesized template gives it. */
export interface LocalLambdaSpec {
  /** Name the context and logs carry, e.g. the function's CloudFormation logical id. */
  readonly functionName: string;
  /** Absolute path of the function's asset folder. */
  readonly codeDirectory: string;
  /**
   * The template's `Handler`, e.g. `index.handler`: `<codeDirectory>/index.mjs` (or .js, .cjs),
   * export `handler`.
   */
  readonly handler: string;
  /** The complete `process.env` of the function; nothing else is visible to it. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  /**
   * Receives every line the function writes to stdout or stderr.
   * @default write `[<functionName>] <line>` to this process's stderr
   */
  readonly onLog?: (line: string, functionName: string) => void;
  /**
   * The account whose concurrency the function's invocations take.
   * @default an account of its own, with the default limit
   */
  readonly concurrency?: LambdaConcurrency;
  /**
   * The function's reserved concurrency (`ReservedConcurrentExecutions`).
   * @default none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
  /**
   * What an execution environment is: a worker thread of this process (quick to start, as
   * tests want), or a child process of its own, as Lambda gives each environment a sandbox of
   * its own: its memory is then its own RSS, and its garbage collection and CPU are not this
   * process's.
   * @default "thread"
   */
  readonly isolation?: "thread" | "process";
}

/** How {@link LocalLambda.invokeAsync} retries, as a function's event invoke config says. */
export interface AsyncInvokeOptions {
  /** Retries after a function error (`MaximumRetryAttempts`, 0..2). @default 2 */
  readonly retryAttempts?: number;
  /**
   * How long a throttled event stays in the queue before it is discarded
   * (`MaximumEventAgeInSeconds`, 60..21600). @default 21600 (6 h)
   */
  readonly maximumEventAgeSeconds?: number;
  /**
   * Delay before the first retry of a throttled event, doubling up to `maxThrottleDelayMs`;
   * an event also retries as soon as an invocation of the account ends. @default 1000
   */
  readonly throttleDelayMs?: number;
  /** Longest delay between two tries of a throttled event. @default 300000 (5 min) */
  readonly maxThrottleDelayMs?: number;
}

/** Counters of a {@link LocalLambda} since it was created. */
export interface LocalLambdaStats {
  /** Execution environments started (each one loads the bundle anew). */
  readonly coldStarts: number;
  /** Invocations accepted. */
  readonly invocations: number;
  /** Invocations that ran past the function's timeout. */
  readonly timeouts: number;
  /** Invocations refused over a concurrency limit (each try of a queued event counts). */
  readonly throttles: number;
  /** Billed duration of every invocation, summed: each rounded up to the millisecond, as Lambda bills. */
  readonly billedMs: number;
  /**
   * Highest memory any invocation held, bytes (Lambda's "Max Memory Used"): its process's peak
   * RSS with `isolation: "process"`, its isolate's heap + buffers in a thread.
   */
  readonly peakMemoryBytes: number;
}

const writeToStderr = (line: string, functionName: string): void => {
  process.stderr.write(`[${functionName}] ${line}\n`);
};

/**
 * A fault: some invocations are killed as if their timeout struck at a random moment of their
 * work (the middle of a chunk PUT, for a transfer), though the function saw time to spare.
 */
export interface TimeoutFault {
  /** Share of invocations killed, 0 to 1. */
  readonly rate: number;
  /** The kill comes within this many milliseconds of the start, uniformly. */
  readonly withinMs: number;
  /** Source of the rolls, in [0, 1). */
  readonly random: () => number;
  /** Most invocations killed in all, so that retries can outlast the fault. @default no limit */
  readonly maxKills?: number;
}

/** A function's pool of execution environments, invoked like Lambda's `RequestResponse`. */
export class LocalLambda {
  readonly #spec: LocalLambdaSpec & {
    readonly onLog: NonNullable<LocalLambdaSpec["onLog"]>;
    readonly isolation: NonNullable<LocalLambdaSpec["isolation"]>;
  };
  readonly #idle: ExecutionEnvironment[] = [];
  readonly #environments = new Set<ExecutionEnvironment>();
  readonly #counts = {
    coldStarts: 0,
    invocations: 0,
    timeouts: 0,
    throttles: 0,
    billedMs: 0,
    peakMemoryBytes: 0,
  };
  readonly #concurrency: LambdaConcurrency;
  /** Settles when the function is stopped, so that queued events stop waiting. */
  readonly #stopping: { promise: Promise<void>; resolve: () => void };
  #stopped = false;
  #timeoutFault: TimeoutFault | undefined;
  #kills = 0;

  /** Checks the configuration; environments start on demand, at the first invocations. */
  constructor(spec: LocalLambdaSpec) {
    if (!(spec.timeoutSeconds > 0)) throw new RangeError(`bad timeout of ${spec.functionName}`);
    if (!(spec.memorySizeMb > 0)) throw new RangeError(`bad memory size of ${spec.functionName}`);
    this.#spec = {
      ...spec,
      environment: { ...spec.environment },
      onLog: spec.onLog ?? writeToStderr,
      isolation: spec.isolation ?? "thread",
    };
    let resolveStopping = (): void => undefined;
    const stopping = new Promise<void>((resolve) => {
      resolveStopping = resolve;
    });
    this.#stopping = { promise: stopping, resolve: resolveStopping };
    this.#concurrency = spec.concurrency ?? new LambdaConcurrency();
    this.#concurrency.reserve(spec.functionName, spec.reservedConcurrency);
  }

  /** The account whose concurrency this function takes. */
  get concurrency(): LambdaConcurrency {
    return this.#concurrency;
  }

  /** Kills some invocations as their timeout would (a soak's fault); `undefined` ends it. */
  injectTimeouts(fault: TimeoutFault | undefined): void {
    if (fault && !(fault.rate >= 0 && fault.rate <= 1 && fault.withinMs > 0)) {
      throw new RangeError(`bad timeout fault for ${this.#spec.functionName}`);
    }
    this.#timeoutFault = fault;
  }

  /** A snapshot of the counters. */
  get stats(): LocalLambdaStats {
    return { ...this.#counts };
  }

  /**
   * Runs the function on `event` (JSON, as Lambda's payload; `undefined` is sent as `{}`), as a
   * synchronous (`RequestResponse`) invocation: resolves with its JSON result, rejects with a
   * {@link LambdaFunctionError} when it fails, times out or crashes, with
   * {@link TooManyRequestsException} (the function not run) over a concurrency limit, and with
   * a plain `Error` once the function is stopped.
   */
  async invoke(event: unknown): Promise<unknown> {
    if (this.#stopped) throw this.#stoppedError();
    const eventJson = JSON.stringify(event === undefined ? {} : event);
    let release: () => void;
    try {
      release = this.#concurrency.acquire(this.#spec.functionName);
    } catch (error) {
      if (error instanceof TooManyRequestsException) this.#counts.throttles += 1;
      throw error;
    }
    this.#counts.invocations += 1;
    const environment = this.#idle.pop() ?? this.#coldStart();
    const fault = this.#timeoutFault;
    const killAfterMs =
      fault &&
      fault.rate > 0 &&
      this.#kills < (fault.maxKills ?? Number.POSITIVE_INFINITY) &&
      fault.random() < fault.rate
        ? Math.floor(fault.random() * fault.withinMs)
        : undefined;
    const began = performance.now();
    try {
      return await environment.invoke(eventJson, killAfterMs);
    } catch (error) {
      if (error instanceof LambdaFunctionError && error.errorType === TIMEOUT_ERROR_TYPE) {
        this.#counts.timeouts += 1;
        if (killAfterMs !== undefined) this.#kills += 1;
      }
      throw error;
    } finally {
      this.#counts.billedMs += Math.ceil(performance.now() - began);
      this.#counts.peakMemoryBytes = Math.max(
        this.#counts.peakMemoryBytes,
        environment.peakMemoryBytes,
      );
      if (environment.alive && !this.#stopped) this.#idle.push(environment);
      release();
    }
  }

  /**
   * Runs the function on `event` as an asynchronous (`Event`) invocation, the way Lambda's
   * event queue does: a throttled try leaves the event queued and it is tried again later
   * (after a delay doubling from `throttleDelayMs` to `maxThrottleDelayMs`, or as soon as an
   * invocation of the account ends, whichever comes first) until `maximumEventAgeSeconds`; a
   * function error is retried `retryAttempts` times. Resolves once the function has handled the
   * event; rejects with the last error when the event is given up (the caller dead-letters it).
   *
   * Lambda waits about 1 and 2 minutes before retrying a function error; here the retry is
   * immediate.
   */
  async invokeAsync(event: unknown, options: AsyncInvokeOptions = {}): Promise<void> {
    const retryAttempts = options.retryAttempts ?? 2;
    const deadline = Date.now() + (options.maximumEventAgeSeconds ?? 21_600) * 1000;
    const firstDelay = options.throttleDelayMs ?? 1000;
    const maxDelay = options.maxThrottleDelayMs ?? 300_000;
    let delay = firstDelay;
    for (let failures = 0; ; ) {
      try {
        await this.invoke(event);
        return;
      } catch (error) {
        if (!(error instanceof TooManyRequestsException)) {
          if (this.#stopped || failures >= retryAttempts) throw error;
          failures += 1;
          continue;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0 || this.#stopped) throw error;
        await this.#throttleWait(Math.min(delay, remaining));
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  }

  /**
   * Terminates every environment; running and later invocations reject. Safe to call twice.
   * Call it: a worker's captured stdout keeps this process alive while the worker lives.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.resolve();
    const environments = [...this.#environments];
    this.#environments.clear();
    this.#idle.length = 0;
    await Promise.all(environments.map((e) => e.terminate(this.#stoppedError())));
  }

  /** Waits `ms`, or until an invocation of the account ends, whichever comes first. */
  async #throttleWait(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#concurrency.nextRelease(),
        this.#stopping.promise,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #coldStart(): ExecutionEnvironment {
    this.#counts.coldStarts += 1;
    const environment = new ExecutionEnvironment(this.#spec, (dead) => {
      this.#environments.delete(dead);
      const index = this.#idle.indexOf(dead);
      if (index >= 0) this.#idle.splice(index, 1);
    });
    this.#environments.add(environment);
    return environment;
  }

  #stoppedError(): Error {
    return new Error(`local Lambda ${this.#spec.functionName} is stopped`);
  }
}
