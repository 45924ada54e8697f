/**
 * Shapes an error thrown by a local handler the way AWS Lambda and Step Functions report a
 * function error: the state's error is the `errorType` (the thrown error's `name`), its cause
 * the JSON string `{"errorType","errorMessage","trace"}`. So `Retry` and `Catch` match local
 * failures by the same names as on AWS, and `$.error.Cause` parses the same way.
 */

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
