/**
 * Presents a local execution history in the shape of the Step Functions
 * `GetExecutionHistory` wire format (AWS JSON 1.0), so the real SDK reads it: AWS event types
 * (`TaskStateEntered`, `LambdaFunctionFailed`, `MapIterationStarted`, ...) with their detail
 * objects, timestamps in epoch seconds. Interpreter events AWS has no type for
 * (`StateRetried`, `StateCaught`, `ParallelBranch*`) keep their own type and no details.
 */

import type { HistoryEvent } from "./history-event.js";

/** One history event as the Step Functions API sends it (before SDK deserialization). */
export interface WireHistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  /** Epoch seconds. */
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** Options of {@link toAwsHistoryEvent}. */
export interface AwsHistoryOptions {
  /** Include inputs and outputs (GetExecutionHistory's `includeExecutionData`). @default true */
  readonly includeExecutionData?: boolean;
  /** The execution role ARN shown in `ExecutionStarted`. @default none */
  readonly roleArn?: string;
}

/** One recorded event in the Step Functions wire format. */
export function toAwsHistoryEvent(
  event: HistoryEvent,
  options: AwsHistoryOptions = {},
): WireHistoryEvent {
  const withData = options.includeExecutionData ?? true;
  const data = (key: "input" | "output", value: unknown): Record<string, unknown> =>
    withData
      ? { [key]: JSON.stringify(value ?? null), [`${key}Details`]: { truncated: false } }
      : {};
  const base = { id: event.id, previousEventId: event.id - 1, timestamp: event.timestamp / 1000 };
  switch (event.type) {
    case "ExecutionStarted":
      return {
        ...base,
        type: event.type,
        executionStartedEventDetails: {
          ...data("input", event.input),
          ...(options.roleArn ? { roleArn: options.roleArn } : {}),
        },
      };
    case "ExecutionSucceeded":
      return {
        ...base,
        type: event.type,
        executionSucceededEventDetails: data("output", event.output),
      };
    case "ExecutionFailed":
      return {
        ...base,
        type: event.type,
        executionFailedEventDetails: { error: event.Error, cause: String(event.Cause) },
      };
    case "ExecutionAborted":
      return { ...base, type: event.type, executionAbortedEventDetails: {} };
    case "ExecutionTimeout":
      return {
        ...base,
        type: "ExecutionTimedOut",
        executionTimedOutEventDetails: { error: "States.Timeout" },
      };
    case "StateEntered":
      return {
        ...base,
        type: `${event.state.type}StateEntered`,
        stateEnteredEventDetails: { name: event.state.name, ...data("input", event.state.input) },
      };
    case "StateExited":
      return {
        ...base,
        type: `${event.state.type}StateExited`,
        stateExitedEventDetails: { name: event.state.name, ...data("output", event.state.output) },
      };
    case "StateFailed": {
      const details = { error: event.Error, cause: String(event.Cause) };
      if (event.state.type === "Task") {
        return { ...base, type: "LambdaFunctionFailed", lambdaFunctionFailedEventDetails: details };
      }
      return { ...base, type: `${event.state.type}StateFailed` };
    }
    case "MapIterationStarted":
      return {
        ...base,
        type: event.type,
        mapIterationStartedEventDetails: { name: event.parentState.name, index: event.index },
      };
    case "MapIterationSucceeded":
      return {
        ...base,
        type: event.type,
        mapIterationSucceededEventDetails: { name: event.parentState.name, index: event.index },
      };
    case "MapIterationFailed":
      return {
        ...base,
        type: event.type,
        mapIterationFailedEventDetails: { name: event.parentState.name, index: event.index },
      };
    default:
      return { ...base, type: event.type };
  }
}
