/**
 * The local Step Functions layer on a real CDK synth and the real aws-local-stepfunctions:
 * a small stack whose state machine uses what the relay relies on (Lambda tasks, an inline Map
 * over `$.items` with ItemSelector and MaxConcurrency, Choice, Wait, Retry with a
 * `MaxAttempts: 0` rule first, Catch, Fail), and the local endpoint's StartExecution through
 * the real `SFNClient`.
 */

import { App, Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { TooManyRequestsException } from "../../../local/lambda/lambda-service-error.js";
import { localFunctionArn } from "../../../local/step-functions/local-arns.js";
import {
  type LocalExecution,
  type LocalHandler,
  LocalStateMachine,
  type RetryRule,
  scaleRetryRule,
} from "../../../local/step-functions/local-state-machine.js";
import {
  type CfnTemplate,
  type ResolvedStateMachine,
  resolveStateMachine,
} from "../../../local/step-functions/resolve-definition.js";

/** Synthesizes the test stack: three inline functions and the state machine. */
function synthTemplate(): CfnTemplate {
  const app = new App();
  const stack = new Stack(app, "LocalSfnTest");
  const fn = (id: string, relayFunction: string, extra: Record<string, string> = {}) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: "index.handler",
      code: lambda.Code.fromInline("exports.handler=async()=>{}"),
      environment: { RELAY_FUNCTION: relayFunction, ...extra },
    });
  const prepareFn = fn("PrepareFn", "prepare");
  const workFn = fn("WorkFn", "work");
  const recordFn = fn("RecordFn", "record", {
    // Intrinsics in an environment: Ref (a function name) and Fn::GetAtt (an ARN).
    WORK_NAME: workFn.functionName,
    WORK_ARN: workFn.functionArn,
  });

  const direct = (id: string, fnOf: lambda.IFunction) =>
    new tasks.LambdaInvoke(stack, id, {
      lambdaFunction: fnOf,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
  const prepare = direct("Prepare", prepareFn);
  const work = direct("Work", workFn)
    .addRetry({ errors: ["Fatal"], maxAttempts: 0 })
    .addRetry({
      errors: ["States.ALL"],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 4,
      maxDelay: Duration.seconds(30),
      jitterStrategy: sfn.JitterType.FULL,
    });
  const each = new sfn.Map(stack, "EachItem", {
    itemsPath: "$.items",
    maxConcurrency: 2,
    itemSelector: {
      "runId.$": "$.runId",
      "value.$": "$$.Map.Item.Value",
      "index.$": "$$.Map.Item.Index",
    },
    resultPath: "$.results",
  });
  each.itemProcessor(work);
  const recordFailure = direct("RecordFailure", recordFn).next(
    new sfn.Fail(stack, "Failed", { error: "RelayFailed", cause: "recorded" }),
  );
  each.addCatch(recordFailure, { resultPath: "$.error" });
  const finish = direct("Finish", recordFn).next(new sfn.Succeed(stack, "Done"));
  const check = new sfn.Choice(stack, "Check")
    .when(
      // As on AWS, a Choice on a missing path is a States.Runtime error: test presence first.
      sfn.Condition.and(
        sfn.Condition.isPresent("$.again"),
        sfn.Condition.booleanEquals("$.again", true),
      ),
      new sfn.Wait(stack, "Pause", { time: sfn.WaitTime.duration(Duration.seconds(60)) }).next(
        finish,
      ),
    )
    .otherwise(finish);
  new sfn.StateMachine(stack, "Machine", {
    definitionBody: sfn.DefinitionBody.fromChainable(prepare.next(each).next(check)),
  });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

class FlakyError extends Error {
  override name = "Flaky";
}
class FatalError extends Error {
  override name = "Fatal";
}
class BoomError extends Error {
  override name = "Boom";
}

interface Item {
  readonly id: string;
  /** How many times the work handler throws Flaky before it succeeds. */
  readonly flaky?: number;
  readonly fatal?: boolean;
}

/**
 * Handlers that record what they saw: calls per item, in-flight maximum, recorded inputs. With
 * `holdUntilInFlight`, every work call waits at a gate that opens once that many are in flight
 * at once: the overlap is then certain, and a machine that starts more than its bound while
 * they are held shows it in `maxInFlight`.
 */
function makeHandlers(options: { holdUntilInFlight?: number } = {}) {
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const seen = {
    attempts: new Map<string, number>(),
    workInputs: [] as unknown[],
    recorded: [] as unknown[],
    inFlight: 0,
    maxInFlight: 0,
  };
  const handlers: Record<string, LocalHandler> = {
    prepare: async (input) => {
      const event = input as { boom?: boolean };
      if (event.boom) throw new BoomError("prepare exploded");
      return { ...(input as object), runId: "run-1" };
    },
    work: async (input) => {
      const { value } = input as { value: Item };
      seen.workInputs.push(input);
      const attempt = (seen.attempts.get(value.id) ?? 0) + 1;
      seen.attempts.set(value.id, attempt);
      seen.inFlight += 1;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      try {
        if (options.holdUntilInFlight !== undefined) {
          if (seen.inFlight >= options.holdUntilInFlight) open();
          await gate;
        }
        if (value.fatal) throw new FatalError(`item ${value.id} cannot be done`);
        if (attempt <= (value.flaky ?? 0)) throw new FlakyError(`item ${value.id} hiccup`);
        return { id: value.id, attempt };
      } finally {
        seen.inFlight -= 1;
      }
    },
    record: async (input) => {
      seen.recorded.push(input);
      return { recorded: true };
    },
  };
  return { handlers, seen };
}

function machineFor(
  resolved: ResolvedStateMachine,
  handlers: Record<string, LocalHandler>,
  options: { waitTimeOverride?: number } = { waitTimeOverride: 0 },
): LocalStateMachine {
  return new LocalStateMachine({
    definition: resolved.definition,
    functionsByArn: resolved.functionsByArn,
    handlers,
    retryIntervalOverride: 0,
    ...options,
  });
}

function eventsOf(execution: LocalExecution, type: string, stateName?: string) {
  return execution.history.filter(
    (event) =>
      event.type === type &&
      (stateName === undefined || ("state" in event && event.state.name === stateName)),
  );
}

let template: CfnTemplate;
let resolved: ResolvedStateMachine;

beforeAll(() => {
  template = synthTemplate();
  resolved = resolveStateMachine(template);
});

describe("Function: resolveStateMachine", () => {
  it("resolves the synthesized definition into plain ASL with local function ARNs", () => {
    const text = JSON.stringify(resolved.definition);
    expect(text).not.toContain("Fn::");
    expect(text).not.toContain('"Ref"');
    const states = resolved.definition.States as Record<string, Record<string, unknown>>;
    const fnOf = (relayFunction: string) =>
      Object.values(resolved.functionsByArn).find((f) => f.relayFunction === relayFunction);
    const workFn = fnOf("work");
    const prepareFn = fnOf("prepare");
    expect(states.Prepare?.Resource).toBe(localFunctionArn(prepareFn?.logicalId ?? "?"));
    const itemProcessor = states.EachItem?.ItemProcessor as {
      States: Record<string, { Resource: string }>;
    };
    expect(itemProcessor.States.Work?.Resource).toBe(localFunctionArn(workFn?.logicalId ?? "?"));
    expect(states.Finish?.Resource).toBe(localFunctionArn(fnOf("record")?.logicalId ?? "?"));
    expect(resolved.logicalId).toMatch(/^Machine/);
  });

  it("maps every function ARN to its relay function and resolved environment", () => {
    const functions = Object.entries(resolved.functionsByArn);
    expect(functions.map(([, f]) => f.relayFunction).sort()).toEqual(["prepare", "record", "work"]);
    for (const [arn, f] of functions) expect(arn).toBe(localFunctionArn(f.logicalId));
    const record = functions.find(([, f]) => f.relayFunction === "record")?.[1];
    const work = functions.find(([, f]) => f.relayFunction === "work")?.[1];
    expect(record?.environment).toEqual({
      RELAY_FUNCTION: "record",
      WORK_NAME: work?.logicalId,
      WORK_ARN: localFunctionArn(work?.logicalId ?? "?"),
    });
  });

  it("names an unsupported intrinsic function", () => {
    const broken = structuredClone(template) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const machine = Object.values(broken.Resources).find(
      (r) => r.Type === "AWS::StepFunctions::StateMachine",
    );
    if (!machine) throw new Error("no state machine in the template");
    const join = machine.Properties.DefinitionString as { "Fn::Join": [string, unknown[]] };
    join["Fn::Join"][1].splice(1, 1, { "Fn::ImportValue": "SomeExport" });
    expect(() => resolveStateMachine(broken)).toThrow(/Fn::ImportValue/);
  });

  it("refuses a template with no state machine, or two without a chosen one", () => {
    const resources = template.Resources ?? {};
    const withoutMachine = Object.fromEntries(
      Object.entries(resources).filter(([, r]) => r.Type !== "AWS::StepFunctions::StateMachine"),
    );
    expect(() => resolveStateMachine({ Resources: withoutMachine })).toThrow(
      /no AWS::StepFunctions/,
    );
    const [machineId, machine] = Object.entries(resources).find(
      ([, r]) => r.Type === "AWS::StepFunctions::StateMachine",
    ) ?? ["", undefined];
    if (!machine) throw new Error("no state machine in the template");
    const twoMachines = { Resources: { ...resources, Second: machine } };
    expect(() => resolveStateMachine(twoMachines)).toThrow(/2 state machines/);
    expect(resolveStateMachine(twoMachines, { stateMachineLogicalId: "Second" }).logicalId).toBe(
      "Second",
    );
    expect(() => resolveStateMachine(twoMachines, { stateMachineLogicalId: "Nope" })).toThrow(
      new RegExp(`no state machine Nope .*${machineId}`),
    );
  });

  it("rejects an invalid definition with the validator's message", () => {
    const broken = structuredClone(template) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const machine = Object.values(broken.Resources).find(
      (r) => r.Type === "AWS::StepFunctions::StateMachine",
    );
    if (!machine) throw new Error("no state machine in the template");
    const join = machine.Properties.DefinitionString as { "Fn::Join": [string, string[]] };
    join["Fn::Join"][1][0] = String(join["Fn::Join"][1][0]).replace(
      '"Next":"EachItem"',
      '"Next":"Nowhere"',
    );
    expect(() => resolveStateMachine(broken)).toThrow(/invalid definition[\s\S]*Nowhere/);
  });
});

describe("Class: LocalStateMachine", () => {
  it("runs every Map item through its handler, at most MaxConcurrency at once", async () => {
    const { handlers, seen } = makeHandlers({ holdUntilInFlight: 2 });
    const machine = machineFor(resolved, handlers);
    const items: Item[] = ["a", "b", "c", "d", "e", "f"].map((id) => ({ id }));
    const execution = machine.start("all-items", { items });
    await execution.done;

    expect(execution.status).toBe("SUCCEEDED");
    expect(execution.output).toEqual({ recorded: true });
    expect(seen.maxInFlight).toBe(2);
    // ItemSelector with $$.Map.Item.Value / Index and a value of the Map's input.
    expect(seen.workInputs).toHaveLength(items.length);
    expect(seen.workInputs).toEqual(
      expect.arrayContaining(items.map((value, index) => ({ runId: "run-1", value, index }))),
    );
    expect(seen.recorded).toEqual([
      expect.objectContaining({ runId: "run-1", results: expect.any(Array) }),
    ]);
    expect((seen.recorded[0] as { results: unknown[] }).results).toEqual(
      items.map(({ id }) => ({ id, attempt: 1 })),
    );
  });

  it("records the interpreter's events as history", async () => {
    const { handlers } = makeHandlers();
    const machine = machineFor(resolved, handlers);
    const execution = machine.start("history", { items: [{ id: "x" }, { id: "y" }] });
    await execution.done;

    const types = execution.history.map((event) => event.type);
    expect(types[0]).toBe("ExecutionStarted");
    expect(types.at(-1)).toBe("ExecutionSucceeded");
    expect(execution.history.map((event) => event.id)).toEqual(types.map((_, i) => i + 1));
    expect(eventsOf(execution, "StateEntered", "Prepare")).toHaveLength(1);
    expect(eventsOf(execution, "StateExited", "EachItem")).toHaveLength(1);
    expect(eventsOf(execution, "MapIterationStarted")).toHaveLength(2);
    expect(eventsOf(execution, "MapIterationSucceeded")).toHaveLength(2);
    const entered = eventsOf(execution, "StateEntered", "Work");
    expect(entered.map((event) => ("index" in event ? event.index : -1)).sort()).toEqual([0, 1]);
    expect(eventsOf(execution, "StateExited", "Finish")[0]).toMatchObject({
      state: { output: { recorded: true } },
    });
    // Plain JSON: it survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(execution.history))).toEqual(execution.history);
  });

  it("retries a handler's named error under the States.ALL rule", async () => {
    const { handlers, seen } = makeHandlers();
    const machine = machineFor(resolved, handlers);
    const execution = machine.start("flaky", { items: [{ id: "f", flaky: 2 }, { id: "ok" }] });
    await execution.done;

    expect(execution.status).toBe("SUCCEEDED");
    expect(seen.attempts.get("f")).toBe(3);
    expect(seen.attempts.get("ok")).toBe(1);
    const failed = eventsOf(execution, "StateFailed", "Work");
    expect(failed.map((event) => ("Error" in event ? event.Error : ""))).toEqual([
      "Flaky",
      "Flaky",
    ]);
    const retried = eventsOf(execution, "StateRetried", "Work");
    expect(
      retried.map((event) => ("retry" in event ? event.retry.retrier.ErrorEquals : [])),
    ).toEqual([["States.ALL"], ["States.ALL"]]);
  });

  it("does not retry an error whose first rule has MaxAttempts 0, and catches it by name", async () => {
    const { handlers, seen } = makeHandlers();
    const machine = machineFor(resolved, handlers);
    const execution = machine.start("fatal", { items: [{ id: "bad", fatal: true }] });
    await execution.done;

    expect(seen.attempts.get("bad")).toBe(1);
    expect(eventsOf(execution, "StateRetried")).toHaveLength(0);
    expect(seen.recorded).toHaveLength(1);
    const { error } = seen.recorded[0] as { error: { Error: string; Cause: string } };
    expect(error.Error).toBe("Fatal");
    // The Cause is what AWS Lambda reports: JSON {errorType, errorMessage, trace}.
    const cause = JSON.parse(error.Cause) as Record<string, unknown>;
    expect(cause).toMatchObject({ errorType: "Fatal", errorMessage: "item bad cannot be done" });
    expect(cause.trace).toEqual(expect.arrayContaining([expect.stringContaining("Fatal")]));
    // RecordFailure then goes to the Fail state.
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("RelayFailed");
    expect(execution.cause).toBe("recorded");
  });

  it("fails the execution with the handler's error name when nothing catches it", async () => {
    const { handlers } = makeHandlers();
    const machine = machineFor(resolved, handlers);
    const execution = machine.start("boom", { items: [], boom: true });
    await execution.done;

    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("Boom");
    expect(JSON.parse(execution.cause ?? "{}")).toMatchObject({
      errorType: "Boom",
      errorMessage: "prepare exploded",
    });
    expect(execution.history.at(-1)).toMatchObject({ type: "ExecutionFailed", Error: "Boom" });
  });

  it("waits the overridden time in Wait states, and the real time without an override", async () => {
    const { handlers } = makeHandlers();
    const overridden = machineFor(resolved, handlers);
    const real = machineFor(resolved, handlers, {});
    const input = { items: [{ id: "w" }], again: true };
    const slow = real.start("waits-60s", input);
    const fast = overridden.start("waits-0s", input);
    await fast.done;

    expect(fast.status).toBe("SUCCEEDED");
    expect(eventsOf(fast, "StateExited", "Pause")).toHaveLength(1);
    // The same run without the override is still in its 60 s Wait.
    expect(slow.status).toBe("RUNNING");
    expect(slow.history.at(-1)).toMatchObject({ type: "StateEntered", state: { name: "Pause" } });

    await real.abortAll();
    expect(slow.status).toBe("ABORTED");
    expect(slow.history.at(-1)?.type).toBe("ExecutionAborted");
    await real.waitForIdle();
  });

  it("keeps executions by name: same input while running returns it, otherwise ExecutionAlreadyExists", async () => {
    const { handlers } = makeHandlers();
    const machine = machineFor(resolved, handlers);
    const input = { items: [{ id: "d" }] };
    const first = machine.start("dup", input);
    expect(machine.start("dup", { items: [{ id: "d" }] })).toBe(first);
    expect(() => machine.start("dup", { items: [{ id: "other" }] })).toThrow(
      expect.objectContaining({ name: "ExecutionAlreadyExists" }),
    );
    await machine.waitForIdle();
    expect(first.status).toBe("SUCCEEDED");
    // Closed: the name is spent, whatever the input (AWS keeps it 90 days).
    expect(() => machine.start("dup", input)).toThrow(
      expect.objectContaining({ name: "ExecutionAlreadyExists" }),
    );
    expect(machine.list()).toEqual([first]);
    expect(machine.get("dup")).toBe(first);
    expect(machine.get(first.executionArn)).toBe(first);
    expect(() => machine.get("nope")).toThrow(
      expect.objectContaining({ name: "ExecutionDoesNotExist" }),
    );
  });

  it("refuses execution names Step Functions refuses", () => {
    const { handlers } = makeHandlers();
    const machine = machineFor(resolved, handlers);
    for (const name of ["", "a b", "a/b", "x".repeat(81), "a:b"]) {
      expect(() => machine.start(name, {})).toThrow(
        expect.objectContaining({ name: "InvalidName" }),
      );
    }
    expect(machine.list()).toEqual([]);
  });

  it("names the state whose function has no handler, nested states included", () => {
    const { handlers } = makeHandlers();
    const { work: _work, ...withoutWork } = handlers;
    expect(() => machineFor(resolved, withoutWork)).toThrow(/"Work".*"work"/);

    const nested = {
      StartAt: "Both",
      States: {
        Both: {
          Type: "Parallel",
          End: true,
          Branches: [
            {
              StartAt: "Inner",
              States: {
                Inner: {
                  Type: "Task",
                  Resource: "arn:aws:lambda:us-east-1:000000000000:function:Missing",
                  End: true,
                },
              },
            },
          ],
        },
      },
    };
    expect(
      () =>
        new LocalStateMachine({
          definition: nested,
          functionsByArn: resolved.functionsByArn,
          handlers,
        }),
    ).toThrow(/"Inner"/);
  });

  it("refuses a Task whose resource is not a function of the template, lambda:invoke included", () => {
    const { handlers } = makeHandlers();
    const record = localFunctionArn(
      Object.values(resolved.functionsByArn).find((f) => f.relayFunction === "record")?.logicalId ??
        "?",
    );
    const invoking = {
      StartAt: "Invoke",
      States: {
        Invoke: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: record, "Payload.$": "$" },
          End: true,
        },
      },
    };
    expect(
      () =>
        new LocalStateMachine({
          definition: invoking,
          functionsByArn: resolved.functionsByArn,
          handlers,
        }),
    ).toThrow(
      /"Invoke": resource arn:aws:states:::lambda:invoke is not a function of the template/,
    );
  });
});

describe("Retry rules as Step Functions runs them: Lambda's throttling, MaxDelaySeconds, jitter", () => {
  const ARN = localFunctionArn("CallFn");
  /** A one-Task machine whose Task has `retry` and calls `handler`. */
  const oneTask = (retry: RetryRule[], handler: LocalHandler, retryIntervalOverride?: number) =>
    new LocalStateMachine({
      definition: {
        StartAt: "Call",
        States: { Call: { Type: "Task", Resource: ARN, Retry: retry, End: true } },
      },
      functionsByArn: { [ARN]: { logicalId: "CallFn", relayFunction: "call", environment: {} } },
      handlers: { call: handler },
      ...(retryIntervalOverride !== undefined ? { retryIntervalOverride } : {}),
    });
  /** A handler throttled `times` times, then answering `{ ok: true }`. */
  const throttledFor = (times: number) => {
    let calls = 0;
    const handler: LocalHandler = async () => {
      calls += 1;
      if (calls <= times) throw new TooManyRequestsException("ConcurrentInvocationLimitExceeded");
      return { ok: true };
    };
    return { handler, calls: () => calls };
  };
  const CAPACITY: RetryRule = {
    ErrorEquals: ["Lambda.TooManyRequestsException"],
    IntervalSeconds: 2,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    MaxAttempts: 5,
    JitterStrategy: "FULL",
  };
  const NOTHING_ELSE: RetryRule = { ErrorEquals: ["States.ALL"], MaxAttempts: 0 };
  const CAUSE =
    /^Rate Exceeded\. \(Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/;

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("reports a throttled invocation as Lambda.TooManyRequestsException and retries it by that name", async () => {
    const { handler, calls } = throttledFor(3);
    const execution = oneTask([CAPACITY, NOTHING_ELSE], handler, 0).start("throttled", {});
    await execution.done;

    expect(execution.status).toBe("SUCCEEDED");
    expect(execution.output).toEqual({ ok: true });
    expect(calls()).toBe(4);
    const failed = eventsOf(execution, "StateFailed", "Call");
    expect(failed.map((e) => ("Error" in e ? e.Error : ""))).toEqual(
      Array(3).fill("Lambda.TooManyRequestsException"),
    );
    // A service error's cause is the SDK's plain text, as Step Functions shows it.
    for (const e of failed) expect("Cause" in e ? e.Cause : "").toMatch(CAUSE);
    const retried = eventsOf(execution, "StateRetried", "Call");
    expect(retried.map((e) => ("retry" in e ? e.retry.retrier.ErrorEquals : []))).toEqual(
      Array(3).fill(["Lambda.TooManyRequestsException"]),
    );
  });

  it("fails with the throttling error once its rule's attempts are spent", async () => {
    const { handler, calls } = throttledFor(Number.POSITIVE_INFINITY);
    const execution = oneTask([CAPACITY, NOTHING_ELSE], handler, 0).start("never", {});
    await execution.done;

    expect(calls()).toBe(1 + 5);
    expect(execution.status).toBe("FAILED");
    expect(execution.error).toBe("Lambda.TooManyRequestsException");
    expect(execution.cause).toMatch(CAUSE);
  });

  it("scales a rule's first interval and its cap alike, keeping backoff, attempts and jitter", () => {
    expect(scaleRetryRule({ ...CAPACITY, MaxAttempts: 60 }, 0.05)).toEqual({
      ...CAPACITY,
      MaxAttempts: 60,
      IntervalSeconds: 0.05,
      MaxDelaySeconds: 1.5,
    });
    // ASL's default interval is 1 s; a rule without a cap keeps none.
    expect(scaleRetryRule({ ErrorEquals: ["States.ALL"] }, 0.1)).toEqual({
      ErrorEquals: ["States.ALL"],
      IntervalSeconds: 0.1,
    });
    expect(scaleRetryRule(CAPACITY, 0)).toMatchObject({ IntervalSeconds: 0, MaxDelaySeconds: 0 });
  });

  it("caps every wait at MaxDelaySeconds", { timeout: 20_000 }, async () => {
    // Uncapped, the second retry would wait 0.02 s × 10^6 = 20,000 s: finishing at all shows
    // the cap (1 s, scaled by 0.02 like the interval) held; each wait still lasts it.
    const { handler, calls } = throttledFor(3);
    const rule: RetryRule = {
      ErrorEquals: ["Lambda.TooManyRequestsException"],
      IntervalSeconds: 1,
      BackoffRate: 1_000_000,
      MaxDelaySeconds: 1,
      MaxAttempts: 3,
      JitterStrategy: "NONE",
    };
    const started = performance.now();
    const execution = oneTask([rule], handler, 0.02).start("capped", {});
    await execution.done;

    expect(execution.status).toBe("SUCCEEDED");
    expect(calls()).toBe(4);
    // Three waits of 20 ms each (timers never fire early by more than a millisecond).
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 20 - 3);
  });

  it("draws each wait at random under full jitter, on the scaled clock too", {
    timeout: 20_000,
  }, async () => {
    // With the draw pinned at 0, full jitter waits 0; without jitter each wait would last an
    // hour (the interval scaled to 3600 s), so finishing shows the jitter applied.
    vi.spyOn(Math, "random").mockReturnValue(0);
    const { handler, calls } = throttledFor(2);
    const execution = oneTask([CAPACITY], handler, 3600).start("jittered", {});
    await execution.done;

    expect(execution.status).toBe("SUCCEEDED");
    expect(calls()).toBe(3);
  });
});
