/**
 * Errors of the Lambda service itself, as opposed to errors of a function
 * ({@link LambdaFunctionError}): the Invoke API refused the request, so the function never ran.
 * `name` is the API's error code (`TooManyRequestsException`, ...), the SDK's exception name;
 * Step Functions reports such an error to a Task as `Lambda.<code>` (see
 * `local/step-functions/lambda-error.ts`).
 */

import { randomUUID } from "node:crypto";

/** An error answer of the Lambda Invoke API. */
export class LambdaServiceError extends Error {
  /** The API's error code, also the error's `name`. */
  readonly errorCode: string;
  /** HTTP status of the answer. */
  readonly statusCode: number;
  /** `User` (the caller's fault or limit) or `Service`, as the API's `Type` field. */
  readonly type: "User" | "Service";
  /** Request id of the refused call. */
  readonly requestId: string = randomUUID();

  constructor(errorCode: string, statusCode: number, type: "User" | "Service", message: string) {
    super(message);
    this.name = errorCode;
    this.errorCode = errorCode;
    this.statusCode = statusCode;
    this.type = type;
  }
}

/** Why Lambda throttled an invocation (the `Reason` field of its 429 answer). */
export type ThrottleReason =
  /** The account's unreserved concurrency is in use. */
  | "ConcurrentInvocationLimitExceeded"
  /** The function's reserved concurrency is in use (or is 0). */
  | "ReservedFunctionConcurrentInvocationLimitExceeded";

/**
 * Lambda's answer to an invocation over a concurrency limit: HTTP 429,
 * `{"Reason": ..., "Type": "User", "message": "Rate Exceeded."}`.
 */
export class TooManyRequestsException extends LambdaServiceError {
  readonly reason: ThrottleReason;

  constructor(reason: ThrottleReason) {
    super("TooManyRequestsException", 429, "User", "Rate Exceeded.");
    this.reason = reason;
  }
}
