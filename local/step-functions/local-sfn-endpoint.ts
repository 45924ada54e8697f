/**
 * A local Step Functions API endpoint: a node:http server on 127.0.0.1 speaking the AWS JSON
 * 1.0 protocol (`POST /`, `X-Amz-Target: AWSStepFunctions.<Op>`) in front of local state
 * machines, so code that starts executions with the real `SFNClient` (the start function)
 * runs unchanged locally. Operations: StartExecution, DescribeExecution, StopExecution,
 * GetExecutionHistory, ListExecutions. Errors answer 400 with `{"__type", "message"}`, which
 * the SDK turns into an exception of that name (`ExecutionAlreadyExists`, ...).
 *
 * The ARN each machine is registered under is the authority: execution ARNs are built from it
 * and looked up by it, whatever ARN the machine itself was given.
 */

import { randomUUID } from "node:crypto";
import { type AwsJsonOperation, startAwsJsonServer } from "../aws/aws-json-server.js";
import { toAwsHistoryEvent } from "./aws-history-events.js";
import {
  ExecutionDoesNotExistError,
  InvalidExecutionInputError,
  LocalStepFunctionsError,
  StateMachineDoesNotExistError,
} from "./errors.js";
import { executionArnOf } from "./local-arns.js";
import type { LocalExecution, LocalStateMachine } from "./local-state-machine.js";

/** A state machine served by the endpoint, under this ARN. */
export interface LocalSfnMachine {
  readonly arn: string;
  readonly machine: LocalStateMachine;
}

/** A running local Step Functions endpoint. */
export interface LocalSfnEndpoint {
  /** Base URL for the SDK's `endpoint` option, e.g. `http://127.0.0.1:51234`. */
  readonly endpoint: string;
  /** Closes the server and its connections (executions keep running). Safe to call twice. */
  stop(): Promise<void>;
}

type Body = Record<string, unknown>;

/** Page size when the caller gives no `maxResults` (as on AWS). */
const DEFAULT_PAGE_SIZE = 100;
/** Largest page AWS serves. */
const MAX_PAGE_SIZE = 1000;

/** Starts the endpoint on 127.0.0.1 and a free port. */
export async function startLocalSfnEndpoint(
  machines: readonly LocalSfnMachine[],
): Promise<LocalSfnEndpoint> {
  const server = await startAwsJsonServer({
    targetPrefix: "AWSStepFunctions",
    jsonVersion: "1.0",
    operations: makeOperations(machines),
    internalErrorType: "InternalFailure",
    // The layer's errors carry the Step Functions error code as their name.
    errorReply: (error) =>
      error instanceof LocalStepFunctionsError
        ? { status: error.statusCode, type: error.name, message: error.message }
        : undefined,
  });
  return { endpoint: server.endpoint, stop: () => server.stop() };
}

function makeOperations(machines: readonly LocalSfnMachine[]): Record<string, AwsJsonOperation> {
  const machineOf = (arn: unknown): LocalSfnMachine => {
    const found = machines.find((entry) => entry.arn === arn);
    if (!found) throw new StateMachineDoesNotExistError(`State Machine Does Not Exist: '${arn}'`);
    return found;
  };
  const executionOf = (arn: unknown): { entry: LocalSfnMachine; execution: LocalExecution } => {
    const executionArn = requireString(arn, "executionArn");
    for (const entry of machines) {
      const prefix = executionArnOf(entry.arn, "");
      if (executionArn.startsWith(prefix)) {
        const execution = entry.machine
          .list()
          .find((candidate) => candidate.name === executionArn.slice(prefix.length));
        if (execution) return { entry, execution };
      }
    }
    throw new ExecutionDoesNotExistError(`Execution Does Not Exist: '${executionArn}'`);
  };
  const arnOf = (entry: LocalSfnMachine, execution: LocalExecution): string =>
    executionArnOf(entry.arn, execution.name);

  return {
    StartExecution: (body) => {
      const entry = machineOf(body.stateMachineArn);
      const name = body.name === undefined ? randomUUID() : requireString(body.name, "name");
      const inputText = body.input === undefined ? "{}" : requireString(body.input, "input");
      let input: unknown;
      try {
        input = JSON.parse(inputText);
      } catch {
        throw new InvalidExecutionInputError(
          `Invalid State Machine Execution Input: '${inputText.slice(0, 100)}'`,
        );
      }
      const execution = entry.machine.start(name, input);
      return { executionArn: arnOf(entry, execution), startDate: seconds(execution.startDate) };
    },

    DescribeExecution: (body) => {
      const { entry, execution } = executionOf(body.executionArn);
      return describe(entry, execution, arnOf(entry, execution));
    },

    StopExecution: (body) => {
      const { entry, execution } = executionOf(body.executionArn);
      const error = body.error === undefined ? undefined : requireString(body.error, "error");
      const cause = body.cause === undefined ? undefined : requireString(body.cause, "cause");
      // Answer at once, as AWS does; the abort settles in the background.
      if (execution.status === "RUNNING") void entry.machine.abort(execution.name, error, cause);
      return { stopDate: seconds(execution.stopDate ?? new Date()) };
    },

    GetExecutionHistory: (body) => {
      const { execution } = executionOf(body.executionArn);
      const events = [...execution.history];
      if (body.reverseOrder === true) events.reverse();
      const page = paginate(events, body);
      return {
        events: page.items.map((event) =>
          toAwsHistoryEvent(event, { includeExecutionData: body.includeExecutionData !== false }),
        ),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      };
    },

    ListExecutions: (body) => {
      const entry = machineOf(body.stateMachineArn);
      const filter = body.statusFilter;
      // AWS lists the newest execution first.
      const executions = entry.machine
        .list()
        .filter((execution) => filter === undefined || execution.status === filter)
        .reverse();
      const page = paginate(executions, body);
      return {
        executions: page.items.map((execution) => ({
          executionArn: arnOf(entry, execution),
          stateMachineArn: entry.arn,
          name: execution.name,
          status: execution.status,
          startDate: seconds(execution.startDate),
          ...(execution.stopDate ? { stopDate: seconds(execution.stopDate) } : {}),
        })),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      };
    },
  };
}

function describe(entry: LocalSfnMachine, execution: LocalExecution, executionArn: string): Body {
  const body: Body = {
    executionArn,
    stateMachineArn: entry.arn,
    name: execution.name,
    status: execution.status,
    startDate: seconds(execution.startDate),
    input: execution.inputJson,
    inputDetails: { included: true },
  };
  if (execution.stopDate) body.stopDate = seconds(execution.stopDate);
  if (execution.status === "SUCCEEDED") {
    body.output = JSON.stringify(execution.output ?? null);
    body.outputDetails = { included: true };
  }
  if (execution.error !== undefined) body.error = execution.error;
  if (execution.cause !== undefined) body.cause = execution.cause;
  return body;
}

/** A page of `items` after `nextToken` (an opaque offset), `maxResults` long. */
function paginate<T>(items: readonly T[], body: Body): { items: T[]; nextToken?: string } {
  const start =
    typeof body.nextToken === "string"
      ? Number(Buffer.from(body.nextToken, "base64url").toString("utf8"))
      : 0;
  if (!Number.isInteger(start) || start < 0) {
    throw new LocalStepFunctionsError("InvalidToken", `Invalid Token: '${body.nextToken}'`);
  }
  const requested = typeof body.maxResults === "number" ? body.maxResults : 0;
  const size = requested > 0 ? Math.min(requested, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  const end = start + size;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString("base64url") } : {}),
  };
}

/** Dates travel as epoch seconds in the AWS JSON protocol. */
function seconds(date: Date): number {
  return date.getTime() / 1000;
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") {
    throw new LocalStepFunctionsError("ValidationException", `${field} must be a non-empty string`);
  }
  return value;
}
