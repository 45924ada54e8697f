/**
 * A local Step Functions API endpoint: a node:http server on 127.0.0.1 speaking the AWS JSON
 * 1.0 protocol (`POST /`, `X-Amz-Target: AWSStepFunctions.<Op>`) in front of local state
 * machines, so code that starts executions with the real `SFNClient` (the start function)
 * runs unchanged locally. It serves what the relay's callers send: StartExecution (the start
 * function, and `relay redrive`), and DescribeExecution and ListExecutions (`relay`, following
 * executions as an operator); tests that read executions use `LocalStateMachine` directly. Errors
 * answer 400 with `{"__type", "message"}`, which the SDK turns into an exception of that
 * name (`ExecutionAlreadyExists`, ...).
 *
 * The ARN each machine is registered under is the authority: execution ARNs are built from it,
 * whatever ARN the machine itself was given.
 */

import { randomUUID } from "node:crypto";
import { type AwsJsonOperation, startAwsJsonServer } from "../aws/aws-json-server.js";
import {
  ExecutionDoesNotExistError,
  InvalidExecutionInputError,
  LocalStepFunctionsError,
  StateMachineDoesNotExistError,
} from "./errors.js";
import { executionArnOf } from "./local-arns.js";
import type { ExecutionStatus, LocalExecution, LocalStateMachine } from "./local-state-machine.js";

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
      return {
        executionArn: executionArnOf(entry.arn, execution.name),
        startDate: seconds(execution.startDate),
      };
    },
    DescribeExecution: (body) => {
      const executionArn = requireString(body.executionArn, "executionArn");
      for (const entry of machines) {
        const execution = entry.machine.list().find((e) => arnOf(entry, e) === executionArn);
        if (!execution) continue;
        return {
          ...summaryOf(entry, execution),
          input: execution.inputJson,
          ...(execution.status === "SUCCEEDED" ? { output: JSON.stringify(execution.output) } : {}),
          ...(execution.error !== undefined ? { error: execution.error } : {}),
          ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
        };
      }
      throw new ExecutionDoesNotExistError(`Execution Does Not Exist: '${executionArn}'`);
    },
    ListExecutions: (body) => {
      const entry = machineOf(body.stateMachineArn);
      const filter = body.statusFilter === undefined ? undefined : String(body.statusFilter);
      const pageSize = pageSizeOf(body.maxResults);
      const from = body.nextToken === undefined ? 0 : offsetOf(body.nextToken);
      // Newest first, as Step Functions lists them.
      const executions = entry.machine
        .list()
        .filter((e) => filter === undefined || e.status === (filter as ExecutionStatus))
        .reverse();
      const page = executions.slice(from, from + pageSize);
      const next = from + page.length;
      return {
        executions: page.map((execution) => summaryOf(entry, execution)),
        ...(next < executions.length ? { nextToken: tokenOf(next) } : {}),
      };
    },
  };
}

/** An execution's ARN under the ARN its machine is served at. */
function arnOf(entry: LocalSfnMachine, execution: LocalExecution): string {
  return executionArnOf(entry.arn, execution.name);
}

/** The fields ListExecutions answers per execution (DescribeExecution answers more). */
function summaryOf(entry: LocalSfnMachine, execution: LocalExecution): Record<string, unknown> {
  return {
    executionArn: arnOf(entry, execution),
    stateMachineArn: entry.arn,
    name: execution.name,
    status: execution.status,
    startDate: seconds(execution.startDate),
    ...(execution.stopDate ? { stopDate: seconds(execution.stopDate) } : {}),
  };
}

/** ListExecutions' `maxResults`: 1 to 1000, 0 or absent meaning the default, 100. */
function pageSizeOf(value: unknown): number {
  if (value === undefined || value === 0) return 100;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw new LocalStepFunctionsError("ValidationException", "maxResults must be 0 to 1000");
  }
  return value;
}

/** A page token: the offset of the page's first execution, opaque to callers. */
function tokenOf(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64");
}

function offsetOf(token: unknown): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(String(token), "base64").toString("utf8"));
  if (!match) throw new LocalStepFunctionsError("InvalidToken", `Invalid Token: '${token}'`);
  return Number(match[1]);
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
