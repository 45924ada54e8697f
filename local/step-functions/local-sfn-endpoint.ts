/**
 * A local Step Functions API endpoint: a node:http server on 127.0.0.1 speaking the AWS JSON
 * 1.0 protocol (`POST /`, `X-Amz-Target: AWSStepFunctions.<Op>`) in front of local state
 * machines, so code that starts executions with the real `SFNClient` (the start function)
 * runs unchanged locally. It serves the one operation the relay calls, StartExecution (the
 * start function); callers that read executions use `LocalStateMachine` directly. Errors
 * answer 400 with `{"__type", "message"}`, which the SDK turns into an exception of that
 * name (`ExecutionAlreadyExists`, ...).
 *
 * The ARN each machine is registered under is the authority: execution ARNs are built from it,
 * whatever ARN the machine itself was given.
 */

import { randomUUID } from "node:crypto";
import { type AwsJsonOperation, startAwsJsonServer } from "../aws/aws-json-server.js";
import {
  InvalidExecutionInputError,
  LocalStepFunctionsError,
  StateMachineDoesNotExistError,
} from "./errors.js";
import { executionArnOf } from "./local-arns.js";
import type { LocalStateMachine } from "./local-state-machine.js";

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
