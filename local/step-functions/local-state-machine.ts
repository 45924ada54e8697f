/**
 * Runs a resolved state machine definition in this process with aws-local-stepfunctions, every
 * Task answered by the local handler of the relay function behind its resource, and keeps its
 * executions by name the way Step Functions does (STANDARD workflows).
 *
 * Generic over which functions exist: it only knows the definition, the template's functions
 * (by local ARN, see `resolveStateMachine`) and a handler per `RELAY_FUNCTION` name.
 */

import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import {
  ExecutionAlreadyExistsError,
  ExecutionDoesNotExistError,
  InvalidExecutionInputError,
  InvalidNameError,
  LocalDefinitionError,
} from "./errors.js";
import { type HistoryEvent, toHistoryEvent } from "./history-event.js";
import { toLambdaError } from "./lambda-error.js";
import { executionArnOf, localStateMachineArn } from "./local-arns.js";
import type { LocalFunction } from "./resolve-definition.js";
import { walkStates } from "./walk-states.js";

/** A local stand-in for a Lambda function: the event in, the result out. */
export type LocalHandler = (input: unknown) => Promise<unknown>;

/** Options of {@link LocalStateMachine}. */
export interface LocalStateMachineOptions {
  /** Plain ASL definition (`resolveStateMachine(...).definition`). */
  readonly definition: Readonly<Record<string, unknown>>;
  /** The template's functions by local ARN (`resolveStateMachine(...).functionsByArn`). */
  readonly functionsByArn: Readonly<Record<string, LocalFunction>>;
  /** Handler per relay function name (a function's `RELAY_FUNCTION`). */
  readonly handlers: Readonly<Record<string, LocalHandler>>;
  /** Seconds every Wait state waits instead of its own time. @default each state's own time */
  readonly waitTimeOverride?: number;
  /**
   * Runs every Retry rule on a shorter clock: the rule's first interval (`IntervalSeconds`)
   * becomes this many seconds and its `MaxDelaySeconds` shrinks by the same factor, while its
   * `BackoffRate`, `MaxAttempts` and `JitterStrategy` stay, so a rule keeps its shape (its
   * doubling, its cap, its randomness, its number of attempts) at a test's pace. 0 retries at
   * once. @default each rule's own timing
   */
  readonly retryIntervalOverride?: number;
  /**
   * Seconds a Task without `TimeoutSeconds` may run. On AWS such a Task waits for the function,
   * which Lambda stops at its own timeout (900 s at most); the interpreter would give up after
   * 60 s. @default 900
   */
  readonly taskTimeoutSeconds?: number;
  /** ARN the executions belong to. @default `localStateMachineArn("LocalStateMachine")` */
  readonly stateMachineArn?: string;
}

/** Status of an execution, as `DescribeExecution` reports it. */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** An execution of a {@link LocalStateMachine}; its fields change as it runs. */
export interface LocalExecution {
  readonly name: string;
  readonly executionArn: string;
  readonly stateMachineArn: string;
  /** The input as JSON text, as given to StartExecution. */
  readonly inputJson: string;
  readonly startDate: Date;
  /** Set when the execution ends (or is aborted). */
  readonly stopDate: Date | undefined;
  readonly status: ExecutionStatus;
  /** The output, once SUCCEEDED. */
  readonly output: unknown;
  /** Error name, once FAILED / TIMED_OUT / ABORTED. */
  readonly error: string | undefined;
  /** Error cause (for a Lambda error, the JSON `{errorType, errorMessage, trace}`). */
  readonly cause: string | undefined;
  /** Every interpreter event so far, in arrival order. */
  readonly history: readonly HistoryEvent[];
  /**
   * Settles (never rejects) once the execution has ended, its history is complete and no
   * handler it called is still running.
   */
  readonly done: Promise<void>;
}

/** Largest execution input Step Functions accepts (256 KiB of UTF-8). */
const MAX_INPUT_BYTES = 256 * 1024;

/** Lambda's maximum timeout, the longest a Lambda Task can run on AWS. */
const DEFAULT_TASK_TIMEOUT_SECONDS = 900;

/** Step Functions' execution name rule: 1-80 characters, none of these. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it forbids.
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

type TaskOverride = (input: unknown) => Promise<unknown>;

/** Mutable state behind a {@link LocalExecution}. */
class Execution implements LocalExecution {
  stopDate: Date | undefined;
  status: ExecutionStatus = "RUNNING";
  output: unknown;
  error: string | undefined;
  cause: string | undefined;
  readonly history: HistoryEvent[] = [];
  done: Promise<void> = Promise.resolve();
  /** True once `done` has settled. */
  isDone = false;
  /** Handler calls not yet settled; `done` waits for them, even after an abort. */
  readonly inFlight = new Set<Promise<unknown>>();
  abortRun: () => void = () => undefined;

  constructor(
    readonly name: string,
    readonly executionArn: string,
    readonly stateMachineArn: string,
    readonly inputJson: string,
    readonly startDate: Date,
  ) {}

  finish(status: ExecutionStatus, fields: { output?: unknown; error?: string; cause?: string }) {
    if (this.status !== "RUNNING") return;
    this.status = status;
    this.stopDate = new Date();
    this.output = fields.output;
    this.error = fields.error;
    this.cause = fields.cause;
  }
}

/**
 * A state machine run in-process by aws-local-stepfunctions.
 *
 * @example
 * const { definition, functionsByArn } = resolveStateMachine(template);
 * const machine = new LocalStateMachine({ definition, functionsByArn, handlers, waitTimeOverride: 0 });
 * const execution = machine.start("upload-1", { bucket, key });
 * await execution.done;
 */
export class LocalStateMachine {
  /** ARN of this state machine; execution ARNs derive from it. */
  readonly stateMachineArn: string;
  readonly #interpreter: StateMachine;
  /** Each Task state's handler, by state name. */
  readonly #routes: ReadonlyMap<string, LocalHandler>;
  readonly #functionsByArn: Readonly<Record<string, LocalFunction>>;
  readonly #handlers: Readonly<Record<string, LocalHandler>>;
  readonly #waitOverrides: Record<string, number> = {};
  readonly #executions = new Map<string, Execution>();

  constructor(options: LocalStateMachineOptions) {
    this.stateMachineArn = options.stateMachineArn ?? localStateMachineArn("LocalStateMachine");
    this.#functionsByArn = options.functionsByArn;
    this.#handlers = options.handlers;
    // The interpreter (and its validator) write into the definition: give it a copy.
    const definition = structuredClone(options.definition) as Record<string, unknown>;
    const routes = new Map<string, LocalHandler>();
    const taskTimeout = options.taskTimeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS;
    for (const { name, state } of walkStates(definition)) {
      if (state.Type === "Task") {
        // Overrides are keyed by state name at every depth: one name must mean one target.
        if (routes.has(name)) {
          throw new LocalDefinitionError(`Task state "${name}" appears twice in the definition`);
        }
        routes.set(name, this.#route(name, state));
        if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
          (state as Record<string, unknown>).TimeoutSeconds = taskTimeout;
        }
      }
      if (state.Type === "Wait" && options.waitTimeOverride !== undefined) {
        this.#waitOverrides[name] = options.waitTimeOverride * 1000;
      }
      if (Array.isArray(state.Retry) && options.retryIntervalOverride !== undefined) {
        const interval = options.retryIntervalOverride;
        (state as Record<string, unknown>).Retry = state.Retry.map((rule: RetryRule) =>
          scaleRetryRule(rule, interval),
        );
      }
    }
    this.#routes = routes;
    this.#interpreter = new StateMachine(definition as unknown as StateMachineDefinition, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
  }

  /**
   * Starts an execution named `name`, as StartExecution does for a STANDARD workflow: a name
   * in use by a RUNNING execution with the same input returns that execution (idempotent);
   * any other reuse of a name throws `ExecutionAlreadyExists`, as does a name of a closed
   * execution whatever its input. Input is compared as JSON text.
   */
  start(name: string, input: unknown = {}): LocalExecution {
    if (name.length < 1 || name.length > 80 || FORBIDDEN_NAME_CHARACTERS.test(name)) {
      throw new InvalidNameError(`Invalid Name: '${name}'`);
    }
    const inputJson = serializeInput(input);
    const existing = this.#executions.get(name);
    if (existing) {
      if (existing.status === "RUNNING" && existing.inputJson === inputJson) return existing;
      throw new ExecutionAlreadyExistsError(`Execution Already Exists: '${existing.executionArn}'`);
    }
    const execution = new Execution(
      name,
      executionArnOf(this.stateMachineArn, name),
      this.stateMachineArn,
      inputJson,
      new Date(),
    );
    this.#executions.set(name, execution);
    this.#run(execution);
    return execution;
  }

  /** Every execution started, oldest first. */
  list(): LocalExecution[] {
    return [...this.#executions.values()];
  }

  /** The execution with this name or execution ARN; throws `ExecutionDoesNotExist`. */
  get(nameOrArn: string): LocalExecution {
    const execution = this.#find(nameOrArn);
    if (!execution)
      throw new ExecutionDoesNotExistError(`Execution Does Not Exist: '${nameOrArn}'`);
    return execution;
  }

  /** Aborts one running execution; resolves once it is done. */
  async abort(nameOrArn: string): Promise<void> {
    const execution = this.get(nameOrArn) as Execution;
    if (execution.status === "RUNNING") {
      execution.finish("ABORTED", {});
      execution.abortRun();
    }
    await execution.done;
  }

  /** Aborts every running execution; resolves once none is running any handler. */
  async abortAll(): Promise<void> {
    await Promise.all(
      [...this.#executions.values()]
        .filter((execution) => execution.status === "RUNNING")
        .map((execution) => this.abort(execution.executionArn)),
    );
    await this.waitForIdle();
  }

  /** Resolves once every execution, including ones started meanwhile, is done. */
  async waitForIdle(): Promise<void> {
    for (;;) {
      const pending = [...this.#executions.values()].filter((execution) => !execution.isDone);
      if (pending.length === 0) return;
      await Promise.all(pending.map((execution) => execution.done));
    }
  }

  #find(nameOrArn: string): Execution | undefined {
    if (!nameOrArn.startsWith("arn:")) return this.#executions.get(nameOrArn);
    for (const execution of this.#executions.values()) {
      if (execution.executionArn === nameOrArn) return execution;
    }
    return undefined;
  }

  /**
   * The handler of a Task state whose Resource is a function of the template, called directly
   * (payload in, result out). The relay's definition uses only this form; any other resource,
   * `arn:aws:states:::lambda:invoke` included, is refused.
   */
  #route(stateName: string, state: Readonly<Record<string, unknown>>): LocalHandler {
    const resource = String(state.Resource);
    const fn = findFunction(this.#functionsByArn, resource);
    if (!fn) {
      throw new LocalDefinitionError(
        `Task state "${stateName}": resource ${resource} is not a function of the template; the local runner cannot run it`,
      );
    }
    if (fn.relayFunction === undefined) {
      throw new LocalDefinitionError(
        `Task state "${stateName}": function ${fn.logicalId} has no RELAY_FUNCTION environment variable`,
      );
    }
    const handler = this.#handlers[fn.relayFunction];
    if (!handler) {
      throw new LocalDefinitionError(
        `Task state "${stateName}": no local handler for relay function "${fn.relayFunction}" (function ${fn.logicalId})`,
      );
    }
    return handler;
  }

  #run(execution: Execution): void {
    const taskResourceLocalHandlers: Record<string, TaskOverride> = {};
    for (const [stateName, handler] of this.#routes) {
      taskResourceLocalHandlers[stateName] = this.#override(execution, handler);
    }
    const runOptions: RunOptions = {
      overrides: {
        taskResourceLocalHandlers: taskResourceLocalHandlers as NonNullable<
          RunOptions["overrides"]
        >["taskResourceLocalHandlers"],
        waitTimeOverrides: this.#waitOverrides,
      },
      // What `$$` offers on AWS; the interpreter adds Execution.Input and StartTime.
      context: {
        Execution: { Id: execution.executionArn, Name: execution.name },
        StateMachine: { Id: this.stateMachineArn, Name: this.stateMachineArn.split(":")[6] },
      },
    };
    const run = this.#interpreter.run(JSON.parse(execution.inputJson), runOptions);
    execution.abortRun = run.abort;

    const recorded = (async () => {
      let id = 0;
      for await (const event of run.eventLogs) {
        id += 1;
        execution.history.push(toHistoryEvent(event, id));
      }
    })();
    execution.done = (async () => {
      const outcome = await run.result.then(
        (output) => ({ status: "SUCCEEDED" as const, output }),
        (error: unknown) => failureOf(error),
      );
      // The status turns final only with the history complete, so a reader that sees
      // SUCCEEDED also sees the ExecutionSucceeded event.
      await recorded;
      execution.finish(outcome.status, outcome);
      // After an abort the interpreter lets started handlers finish; wait for them too.
      while (execution.inFlight.size > 0) await Promise.allSettled([...execution.inFlight]);
      execution.isDone = true;
    })();
  }

  #override(execution: Execution, handler: LocalHandler): TaskOverride {
    return async (payload) => {
      // Map iterations still queued when an execution is aborted start their first state
      // anyway; keep them from reaching the handler.
      if (execution.status !== "RUNNING") throw new Error(`Execution ${execution.name} stopped`);
      // A Lambda sees JSON text and answers JSON text: no shared objects, no Dates, no undefined.
      const promise = handler(toJson(payload));
      execution.inFlight.add(promise);
      try {
        return toJson(await promise);
      } catch (error) {
        throw toLambdaError(error);
      } finally {
        execution.inFlight.delete(promise);
      }
    };
  }
}

/** The timing fields of one Retry rule (ASL). */
export interface RetryRule {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: "FULL" | "NONE";
}

/**
 * `rule` on a clock where its first interval lasts `intervalSeconds`: `MaxDelaySeconds` is
 * scaled by the same factor; everything else is kept. (The interpreter's own
 * `retryIntervalOverrides` would replace the whole backoff with one fixed interval, dropping
 * the cap and the jitter; it honours both in a rule, so the rule itself is scaled instead.)
 */
export function scaleRetryRule(rule: RetryRule, intervalSeconds: number): RetryRule {
  // ASL's default interval is 1 s (and its least).
  const base = rule.IntervalSeconds ?? 1;
  const factor = base > 0 ? intervalSeconds / base : 0;
  return {
    ...rule,
    IntervalSeconds: intervalSeconds,
    ...(rule.MaxDelaySeconds !== undefined
      ? { MaxDelaySeconds: rule.MaxDelaySeconds * factor }
      : {}),
  };
}

/** The function a Task's Resource names: by local ARN, or by that ARN with a qualifier. */
function findFunction(
  functionsByArn: Readonly<Record<string, LocalFunction>>,
  arn: string,
): LocalFunction | undefined {
  const exact = functionsByArn[arn];
  if (exact) return exact;
  const parts = arn.split(":");
  return parts.length === 8 ? functionsByArn[parts.slice(0, 7).join(":")] : undefined;
}

function serializeInput(input: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch (error) {
    throw new InvalidExecutionInputError(`Invalid State Machine Execution Input: ${String(error)}`);
  }
  if (json === undefined) {
    throw new InvalidExecutionInputError("Invalid State Machine Execution Input: not JSON");
  }
  if (Buffer.byteLength(json) > MAX_INPUT_BYTES) {
    throw new InvalidExecutionInputError(
      `Invalid State Machine Execution Input: over ${MAX_INPUT_BYTES} bytes`,
    );
  }
  return json;
}

function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function failureOf(thrown: unknown): {
  status: ExecutionStatus;
  error?: string;
  cause?: string;
} {
  if (thrown instanceof ExecutionAbortedError) return { status: "ABORTED" };
  if (thrown instanceof ExecutionTimeoutError) {
    return { status: "TIMED_OUT", error: "States.Timeout", cause: thrown.message };
  }
  // ExecutionError wraps the error the last state failed with: its name is the ASL error.
  const error = thrown instanceof ExecutionError ? thrown.cause : thrown;
  if (error instanceof Error) return { status: "FAILED", error: error.name, cause: error.message };
  return { status: "FAILED", error: "States.Runtime", cause: String(error) };
}
