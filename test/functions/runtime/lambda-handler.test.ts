/**
 * The Lambda wrapper every relay function runs in: what an invocation gets (its clients, its
 * deadline, its request id on every log line) and what Lambda gets back (the step's result, or
 * its error under the name the state machine's Retry and Catch match), and what never reaches
 * the logs.
 *
 * The Lambda runtime is the boundary that cannot run here: each test builds the invocation's
 * `Context` itself (`contextOf`), and reads the log lines the runtime would ship to CloudWatch
 * from this process's stdout and stderr (`captureLogs`). Everything behind the handler is real:
 * the `start` function's own entry, its `SFNClient` built from the environment, and the local
 * Step Functions endpoint.
 */

import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { currentDeadline } from "../../../functions/core/deadline.js";
import {
  ChunkTransferError,
  InvalidInputError,
  ProviderHttpError,
  type RelayError,
  UntrustedUrlError,
} from "../../../functions/core/errors.js";
import { logger, stepHandler } from "../../../functions/runtime/lambda-handler.js";
import { handler as startHandler } from "../../../functions/start/handler.js";
import { lambdaErrorCause } from "../../../local/step-functions/lambda-error.js";
import {
  localFunctionArn,
  localStateMachineArn,
} from "../../../local/step-functions/local-arns.js";
import { startLocalSfnEndpoint } from "../../../local/step-functions/local-sfn-endpoint.js";
import { LocalStateMachine } from "../../../local/step-functions/local-state-machine.js";

const MACHINE_ARN = localStateMachineArn("Relay");
/** A presigned URL: a secret that must never reach a log line or an error message. */
const PRESIGNED =
  "https://parts.example.com/upload/1?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=0123456789abcdef";
const API_KEY = "tlk_SECRETSECRETSECRET";

let requests = 0;

/** The invocation context Lambda hands a handler, built here (the runtime is the boundary). */
function contextOf(remainingMs: number, functionName = "relay-start"): Context & { asked: number } {
  const requestId = `req-${++requests}-c0ffee`;
  const context = {
    asked: 0,
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: localFunctionArn(functionName),
    memoryLimitInMB: "256",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2026/11/25/[$LATEST]0123456789abcdef",
    getRemainingTimeInMillis: () => {
      context.asked += 1;
      return remainingMs;
    },
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  return context;
}

/** One structured log line of the relay's logger. */
type LogLine = Record<string, unknown> & { message: string; level: string };

/**
 * Collects what the relay's logger writes to stdout and stderr (where the Lambda runtime picks
 * its lines up) until `stop()`; other writers' output passes through.
 */
function captureLogs(): { lines: () => LogLine[]; text: () => string; stop: () => void } {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    return vi.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: never[]) => {
      const text = String(chunk);
      if (text.includes('"service":"relay"')) {
        written.push(text);
        return true;
      }
      return write(chunk as string, ...rest);
    }) as typeof stream.write);
  });
  return {
    lines: () =>
      written
        .join("")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as LogLine),
    text: () => written.join(""),
    stop: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  // The variables of the `start` row, which the wrappers below are built for.
  vi.stubEnv("STATE_MACHINE_ARN", MACHINE_ARN);
  logs = captureLogs();
});

afterEach(() => {
  logs.stop();
  vi.unstubAllEnvs();
});

describe("Function: stepHandler", () => {
  it("the start function's entry builds its client from the environment, starts the execution and logs one line of ids", async () => {
    const fn = localFunctionArn("AdmitFn");
    const machine = new LocalStateMachine({
      definition: {
        StartAt: "Admit",
        States: { Admit: { Type: "Task", Resource: fn, End: true } },
      },
      functionsByArn: { [fn]: { logicalId: "AdmitFn", relayFunction: "admit", environment: {} } },
      handlers: { admit: async (input) => input },
      stateMachineArn: MACHINE_ARN,
    });
    const endpoint = await startLocalSfnEndpoint([{ arn: MACHINE_ARN, machine }]);
    try {
      // What the construct sets on the deployed function, pointed at the local endpoint.
      vi.stubEnv("AWS_REGION", "us-east-1");
      vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
      vi.stubEnv("AWS_ENDPOINT_URL_SFN", endpoint.endpoint);
      const context = contextOf(30_000);
      const event = {
        "detail-type": "Object Created",
        source: "aws.s3",
        detail: { bucket: { name: "drop" }, object: { key: "in/clip.mp4", size: 10, etag: "abc" } },
      };

      const out = await startHandler(event, context);

      expect(out).toMatchObject({
        started: true,
        executionName: expect.stringMatching(/^clip-mp4-/),
      });
      expect(machine.list().map((e) => e.name)).toEqual([out.executionName]);
      expect(context.asked).toBe(1);
      expect(logs.lines()).toEqual([
        expect.objectContaining({
          level: "INFO",
          message: "start done",
          service: "relay",
          function_name: "relay-start",
          function_request_id: context.awsRequestId,
          step: "start",
          result: { started: true, executionName: out.executionName },
        }),
      ]);
    } finally {
      await machine.waitForIdle();
      await endpoint.stop();
    }
  });

  it.each([
    ["60 s left: a tenth kept back", 60_000, 54_000],
    ["5 s left: at least 2 s kept back", 5_000, 3_000],
    ["900 s left: at most 10 s kept back", 900_000, 890_000],
    ["1 s left: the deadline is now", 1_000, 0],
  ])(
    "gives the step a deadline from the context's remaining time (%s)",
    async (_, remaining, budget) => {
      const seen: (number | undefined)[] = [];
      const { handler } = stepHandler(
        "start",
        async () => {
          seen.push(currentDeadline());
          return {};
        },
        () => ({}),
      );
      const context = contextOf(remaining);

      const before = Date.now();
      await handler({}, context);
      const after = Date.now();

      expect(context.asked).toBe(1);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeGreaterThanOrEqual(before + budget);
      expect(seen[0]).toBeLessThanOrEqual(after + budget);
      // The deadline belongs to the invocation: nothing after it sees one.
      expect(currentDeadline()).toBeUndefined();
    },
  );

  it("runs without a deadline when no context is given (a direct call)", async () => {
    const seen: (number | undefined)[] = [];
    const { handler } = stepHandler(
      "start",
      async () => {
        seen.push(currentDeadline());
        return { ok: true };
      },
      () => ({}),
    );
    expect(await handler({})).toEqual({ ok: true });
    expect(seen).toEqual([undefined]);
  });

  it("puts each invocation's own request id on every line it logs, the step's own lines too", async () => {
    const { handler } = stepHandler(
      "start",
      async (event) => {
        logger.info("inside the step", { n: (event as { n: number }).n });
        return { n: (event as { n: number }).n };
      },
      () => ({}),
    );
    const first = contextOf(30_000);
    const second = contextOf(30_000);

    await handler({ n: 1 }, first);
    await handler({ n: 2 }, second);

    const ids = logs.lines().map((line) => [line.message, line.function_request_id]);
    expect(ids).toEqual([
      ["inside the step", first.awsRequestId],
      ["start done", first.awsRequestId],
      ["inside the step", second.awsRequestId],
      ["start done", second.awsRequestId],
    ]);
  });

  it("builds the clients once per container, at the first invocation, even for concurrent ones", async () => {
    let builds = 0;
    const { handler } = stepHandler(
      "start",
      async (_event, deps: { build: number }) => deps,
      () => ({
        build: ++builds,
      }),
    );
    expect(builds).toBe(0);

    const outs = await Promise.all([1, 2, 3].map(() => handler({}, contextOf(30_000))));
    await handler({}, contextOf(30_000));

    expect(builds).toBe(1);
    expect(outs).toEqual([{ build: 1 }, { build: 1 }, { build: 1 }]);
  });

  it.each([
    ["ChunkTransferError", new ChunkTransferError(3, "HTTP 500 from the part host")],
    ["ProviderHttpError", new ProviderHttpError("twelvelabs.createSession", 400, "bad size")],
    ["UntrustedUrlError", new UntrustedUrlError("evil.example.com")],
  ])(
    "throws a step's %s to Lambda unchanged, its name the errorType Retry and Catch match",
    async (name, thrown: RelayError) => {
      const { handler } = stepHandler(
        "start",
        async () => {
          throw thrown;
        },
        () => ({}),
      );
      const context = contextOf(30_000);

      const error = await handler({}, context).catch((e: unknown) => e);

      expect(error).toBe(thrown);
      expect(lambdaErrorCause(error)).toMatchObject({
        errorType: name,
        errorMessage: thrown.message,
      });
      expect(logs.lines()).toEqual([
        expect.objectContaining({
          level: "ERROR",
          message: "start failed",
          function_request_id: context.awsRequestId,
          step: "start",
          errorName: name,
          code: thrown.code,
          errorMessage: thrown.message,
        }),
      ]);
    },
  );

  it("fails every invocation of a badly configured function with InvalidInputError naming the variable, until it is fixed", async () => {
    vi.stubEnv("STATE_MACHINE_ARN", "not-an-arn");
    let calls = 0;
    const { handler } = stepHandler(
      "start",
      async () => ({ calls: ++calls }),
      () => ({}),
    );

    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await handler({}, contextOf(30_000)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ name: "InvalidInputError", code: "RELAY_INVALID_INPUT" });
      expect((error as Error).message).toMatch(/^bad environment of the start function: /);
      expect((error as Error).message).toContain("STATE_MACHINE_ARN");
    }
    expect(calls).toBe(0);
    expect(logs.lines().map((line) => [line.message, line.errorName])).toEqual([
      ["start failed", "InvalidInputError"],
      ["start failed", "InvalidInputError"],
    ]);

    // A failed build is not cached: once the variable is right, the next invocation works.
    vi.stubEnv("STATE_MACHINE_ARN", MACHINE_ARN);
    expect(await handler({}, contextOf(30_000))).toEqual({ calls: 1 });
  });

  it("logs only the scalar ids and counts of a result, never the event, nested data or an error's cause", async () => {
    const event = { uploadKey: "k1", url: PRESIGNED, headers: { authorization: API_KEY } };
    const { handler } = stepHandler(
      "start",
      async (input) => {
        const { uploadKey } = input as typeof event;
        if (uploadKey === "k2") {
          throw new ChunkTransferError(1, "connection reset", {
            cause: new Error(`PUT ${PRESIGNED}`),
          });
        }
        return {
          uploadKey,
          transferred: 2,
          done: true,
          urls: [PRESIGNED],
          session: { apiKey: API_KEY },
          missing: null,
        };
      },
      () => ({}),
    );

    const out = await handler(event, contextOf(30_000));
    const error = await handler({ ...event, uploadKey: "k2" }, contextOf(30_000)).catch(
      (e: unknown) => e,
    );

    expect(out).toMatchObject({ urls: [PRESIGNED] });
    expect(error).toBeInstanceOf(ChunkTransferError);
    const [done, failed] = logs.lines();
    expect(done?.result).toEqual({ uploadKey: "k1", transferred: 2, done: true });
    expect(failed).toMatchObject({
      errorName: "ChunkTransferError",
      errorMessage: "chunk 1: connection reset",
    });
    expect(logs.lines()).toHaveLength(2);
    const text = logs.text();
    expect(text).not.toContain(PRESIGNED);
    expect(text).not.toMatch(/X-Amz-/);
    expect(text).not.toContain(API_KEY);
  });

  it("the start function refuses an event it cannot read with InvalidInputError, echoing none of its values", async () => {
    const context = contextOf(30_000);
    // A presigned URL where the key belongs: neither the error nor the logs may repeat it.
    const event = {
      "detail-type": "Object Created",
      source: "aws.s3",
      detail: { bucket: { name: "drop" }, object: { key: { url: PRESIGNED }, etag: API_KEY } },
    };

    const error = await startHandler(event, context).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(lambdaErrorCause(error).errorType).toBe("InvalidInputError");
    expect((error as Error).message).toMatch(/^start: bad input: /);
    expect((error as Error).message).not.toContain(PRESIGNED);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "ERROR",
        message: "start failed",
        function_request_id: context.awsRequestId,
        errorName: "InvalidInputError",
      }),
    ]);
    expect(logs.text()).not.toContain(PRESIGNED);
    expect(logs.text()).not.toContain(API_KEY);
  });
});
