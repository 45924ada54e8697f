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
 * Not reproduced: the freeze between invocations (a warm worker's timers keep running), the
 * runtime's console patching (lines are handed over as the function writes them, without the
 * `<time>\t<requestId>\tINFO` prefix), the 6 MB payload limits, `/var/task` as the working
 * directory (workers share this process's), and a closed file system: a bare import the bundle
 * left external resolves up the directory tree, so an asset under the repository finds the
 * repository's `node_modules`, where on AWS only the runtime's own packages (the AWS SDK)
 * would be found.
 */

import { ExecutionEnvironment, TIMEOUT_ERROR_TYPE } from "./execution-environment.js";
import { LambdaFunctionError } from "./lambda-function-error.js";

export type { LambdaErrorReport } from "./lambda-function-error.js";
export { LambdaFunctionError } from "./lambda-function-error.js";

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
}

/** Counters of a {@link LocalLambda} since it was created. */
export interface LocalLambdaStats {
  /** Execution environments started (each one loads the bundle anew). */
  readonly coldStarts: number;
  /** Invocations accepted. */
  readonly invocations: number;
  /** Invocations that ran past the function's timeout. */
  readonly timeouts: number;
}

const writeToStderr = (line: string, functionName: string): void => {
  process.stderr.write(`[${functionName}] ${line}\n`);
};

/** A function's pool of execution environments, invoked like Lambda's `RequestResponse`. */
export class LocalLambda {
  readonly #spec: LocalLambdaSpec & { readonly onLog: NonNullable<LocalLambdaSpec["onLog"]> };
  readonly #idle: ExecutionEnvironment[] = [];
  readonly #environments = new Set<ExecutionEnvironment>();
  readonly #counts = { coldStarts: 0, invocations: 0, timeouts: 0 };
  #stopped = false;

  /** Checks the configuration; environments start on demand, at the first invocations. */
  constructor(spec: LocalLambdaSpec) {
    if (!(spec.timeoutSeconds > 0)) throw new RangeError(`bad timeout of ${spec.functionName}`);
    if (!(spec.memorySizeMb > 0)) throw new RangeError(`bad memory size of ${spec.functionName}`);
    this.#spec = {
      ...spec,
      environment: { ...spec.environment },
      onLog: spec.onLog ?? writeToStderr,
    };
  }

  /** A snapshot of the counters. */
  get stats(): LocalLambdaStats {
    return { ...this.#counts };
  }

  /**
   * Runs the function on `event` (JSON, as Lambda's payload; `undefined` is sent as `{}`):
   * resolves with its JSON result, rejects with a {@link LambdaFunctionError} when it fails,
   * times out or crashes, and with a plain `Error` once the function is stopped.
   */
  async invoke(event: unknown): Promise<unknown> {
    if (this.#stopped) throw this.#stoppedError();
    const eventJson = JSON.stringify(event === undefined ? {} : event);
    this.#counts.invocations += 1;
    const environment = this.#idle.pop() ?? this.#coldStart();
    try {
      return await environment.invoke(eventJson);
    } catch (error) {
      if (error instanceof LambdaFunctionError && error.errorType === TIMEOUT_ERROR_TYPE) {
        this.#counts.timeouts += 1;
      }
      throw error;
    } finally {
      if (environment.alive && !this.#stopped) this.#idle.push(environment);
    }
  }

  /**
   * Terminates every environment; running and later invocations reject. Safe to call twice.
   * Call it: a worker's captured stdout keeps this process alive while the worker lives.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const environments = [...this.#environments];
    this.#environments.clear();
    this.#idle.length = 0;
    await Promise.all(environments.map((e) => e.terminate(this.#stoppedError())));
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
