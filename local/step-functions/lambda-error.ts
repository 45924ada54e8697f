/**
 * Shapes an error thrown by a local handler the way AWS Lambda and Step Functions report a
 * function error: the state's error is the `errorType` (the thrown error's `name`), its cause
 * the JSON string `{"errorType","errorMessage","trace"}`. So `Retry` and `Catch` match local
 * failures by the same names as on AWS, and `$.error.Cause` parses the same way.
 *
 * An error of the Lambda service itself (the Invoke call refused, the function never ran, e.g.
 * `TooManyRequestsException` over a concurrency limit) is reported as Step Functions reports
 * it: error `Lambda.<code>`, cause the SDK's plain-text message
 * `Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; ...)`.
 */

import { LambdaServiceError } from "../lambda/lambda-service-error.js";

/** The parsed `Cause` of a Lambda function error, as Step Functions gives it. */
export interface LambdaErrorCause {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
}

/**
 * A fresh `Error` whose `name` is the thrown error's name and whose `message` is the Lambda
 * cause JSON. Fresh, so that nothing else of the thrown object (a `cause`, an `isRetryable`
 * getter the interpreter would read) changes how the interpreter treats it.
 */
export function toLambdaError(thrown: unknown): Error {
  if (thrown instanceof LambdaServiceError) {
    const error = new Error(
      `${thrown.message} (Service: AWSLambda; Status Code: ${thrown.statusCode}; Error Code: ${thrown.errorCode}; Request ID: ${thrown.requestId}; Proxy: null)`,
    );
    error.name = `Lambda.${thrown.errorCode}`;
    return error;
  }
  const cause = lambdaErrorCause(thrown);
  const error = new Error(JSON.stringify(cause));
  error.name = cause.errorType;
  return error;
}

/** What the Node.js Lambda runtime reports for a thrown value. */
export function lambdaErrorCause(thrown: unknown): LambdaErrorCause {
  if (thrown instanceof Error) {
    return {
      errorType: thrown.name || "Error",
      errorMessage: thrown.message,
      trace: thrown.stack?.split("\n") ?? [],
    };
  }
  return { errorType: "Error", errorMessage: String(thrown), trace: [] };
}
