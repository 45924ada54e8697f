/** The local Step Functions endpoint, through the real `SFNClient`. */

import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  type SFNServiceException,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import {
  executionArnOf,
  localFunctionArn,
  localStateMachineArn,
} from "../../../local/step-functions/local-arns.js";
import { startLocalSfnEndpoint } from "../../../local/step-functions/local-sfn-endpoint.js";
import { LocalStateMachine } from "../../../local/step-functions/local-state-machine.js";

describe("Function: startLocalSfnEndpoint", () => {
  const FN_ARN = localFunctionArn("HoldFn");
  /** The ARN the endpoint serves the machine under, on purpose not the machine's own. */
  const SERVED_ARN = localStateMachineArn("Served");

  /** A one-Task machine whose handler holds every call until `release()`. */
  function heldMachine() {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inputs: unknown[] = [];
    const machine = new LocalStateMachine({
      definition: {
        StartAt: "Hold",
        States: { Hold: { Type: "Task", Resource: FN_ARN, End: true } },
      },
      functionsByArn: { [FN_ARN]: { logicalId: "HoldFn", relayFunction: "hold", environment: {} } },
      handlers: {
        hold: async (input) => {
          inputs.push(input);
          await gate;
          return { held: input };
        },
      },
    });
    return { machine, inputs, release };
  }

  async function served() {
    const held = heldMachine();
    const endpoint = await startLocalSfnEndpoint([{ arn: SERVED_ARN, machine: held.machine }]);
    const sfn = new SFNClient({
      region: "us-east-1",
      endpoint: endpoint.endpoint,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const stop = async () => {
      held.release();
      await held.machine.waitForIdle();
      sfn.destroy();
      await endpoint.stop();
    };
    return { ...held, sfn, stop };
  }

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error("expected the call to fail");
      },
      (error: SFNServiceException) => error,
    );

  it("starts an execution through the real SFNClient, its ARN built from the served ARN", async () => {
    const { machine, inputs, release, sfn, stop } = await served();
    try {
      const before = Date.now();
      const started = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: SERVED_ARN,
          name: "upload-1",
          input: JSON.stringify({ key: "a.mp4" }),
        }),
      );
      expect(started.executionArn).toBe(executionArnOf(SERVED_ARN, "upload-1"));
      expect(started.startDate).toBeInstanceOf(Date);
      expect(started.startDate?.getTime()).toBeGreaterThanOrEqual(before - 1000);

      const execution = machine.get("upload-1");
      expect(execution.inputJson).toBe('{"key":"a.mp4"}');
      release();
      await execution.done;
      expect(execution.status).toBe("SUCCEEDED");
      expect(inputs).toEqual([{ key: "a.mp4" }]);
      expect(execution.output).toEqual({ held: { key: "a.mp4" } });
    } finally {
      await stop();
    }
  });

  it("names an unnamed execution with a UUID and gives it {} when there is no input", async () => {
    const { machine, sfn, stop } = await served();
    try {
      const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: SERVED_ARN }));
      const [execution] = machine.list();
      expect(machine.list()).toHaveLength(1);
      expect(execution?.name).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      expect(started.executionArn).toBe(executionArnOf(SERVED_ARN, execution?.name ?? "?"));
      expect(execution?.inputJson).toBe("{}");
    } finally {
      await stop();
    }
  });

  it("returns the running execution for the same name and input, and refuses any other reuse", async () => {
    const { machine, release, sfn, stop } = await served();
    try {
      const start = (input: string) =>
        sfn.send(new StartExecutionCommand({ stateMachineArn: SERVED_ARN, name: "dup", input }));
      const first = await start('{"n":1}');
      // Still held in its Task, so RUNNING: the same request is a no-op returning it.
      expect(machine.get("dup").status).toBe("RUNNING");
      expect((await start('{"n":1}')).executionArn).toBe(first.executionArn);
      const other = await failure(start('{"n":2}'));
      expect(other.name).toBe("ExecutionAlreadyExists");
      expect(other.$metadata.httpStatusCode).toBe(400);

      release();
      await machine.waitForIdle();
      // Closed: the name is spent whatever the input.
      expect((await failure(start('{"n":1}'))).name).toBe("ExecutionAlreadyExists");
      expect(machine.list()).toHaveLength(1);
    } finally {
      await stop();
    }
  });

  it("answers the SDK's exceptions for an unknown machine, bad input or a bad name", async () => {
    const { machine, sfn, stop } = await served();
    try {
      const unknown = await failure(
        sfn.send(new StartExecutionCommand({ stateMachineArn: localStateMachineArn("Nope") })),
      );
      expect(unknown.name).toBe("StateMachineDoesNotExist");
      expect(unknown.message).toContain(localStateMachineArn("Nope"));
      const notJson = await failure(
        sfn.send(new StartExecutionCommand({ stateMachineArn: SERVED_ARN, input: "{oops" })),
      );
      expect(notJson.name).toBe("InvalidExecutionInput");
      const badName = await failure(
        sfn.send(new StartExecutionCommand({ stateMachineArn: SERVED_ARN, name: "a/b" })),
      );
      expect(badName.name).toBe("InvalidName");
      expect(machine.list()).toEqual([]);
    } finally {
      await stop();
    }
  });

  it("describes and lists executions as DescribeExecution and ListExecutions answer", async () => {
    const { release, sfn, machine, stop } = await served();
    try {
      for (const name of ["first", "second", "third"]) {
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: SERVED_ARN,
            name,
            input: JSON.stringify({ name }),
          }),
        );
      }
      const running = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: SERVED_ARN, statusFilter: "RUNNING" }),
      );
      // Newest first, as Step Functions lists them.
      expect(running.executions?.map((e) => e.name)).toEqual(["third", "second", "first"]);
      expect(running.executions?.[0]).toMatchObject({
        executionArn: executionArnOf(SERVED_ARN, "third"),
        stateMachineArn: SERVED_ARN,
        status: "RUNNING",
      });
      expect(running.nextToken).toBeUndefined();

      const page = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: SERVED_ARN, maxResults: 2 }),
      );
      expect(page.executions?.map((e) => e.name)).toEqual(["third", "second"]);
      const rest = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: SERVED_ARN, nextToken: page.nextToken }),
      );
      expect(rest.executions?.map((e) => e.name)).toEqual(["first"]);

      const arn = executionArnOf(SERVED_ARN, "second");
      const runningOne = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      expect(runningOne).toMatchObject({
        name: "second",
        status: "RUNNING",
        input: '{"name":"second"}',
      });
      expect(runningOne.output).toBeUndefined();

      release();
      await machine.waitForIdle();
      const ended = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      expect(ended).toMatchObject({
        status: "SUCCEEDED",
        output: JSON.stringify({ held: { name: "second" } }),
      });
      expect(ended.stopDate).toBeInstanceOf(Date);
      const none = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: SERVED_ARN, statusFilter: "RUNNING" }),
      );
      expect(none.executions).toEqual([]);

      const unknown = await failure(
        sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(SERVED_ARN, "any") })),
      );
      expect(unknown.name).toBe("ExecutionDoesNotExist");
    } finally {
      await stop();
    }
  });

  it("answers any operation it does not serve as unknown", async () => {
    const { sfn, stop } = await served();
    try {
      const stopped = await failure(
        sfn.send(new StopExecutionCommand({ executionArn: executionArnOf(SERVED_ARN, "any") })),
      );
      expect(stopped.name).toBe("UnknownOperationException");
    } finally {
      await stop();
    }
  });
});
