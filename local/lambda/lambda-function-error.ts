/**
 * A failed local Lambda invocation, carrying what AWS Lambda reports for it: the function's
 * `{errorType, errorMessage, trace}`, or the platform's own (`Sandbox.Timedout`,
 * `Runtime.ExitError`). `name` and `message` mirror `errorType` and `errorMessage`, so code that
 * shapes a Step Functions error from `name`/`message` treats it as it would on AWS.
 */

/** The error document Lambda returns for a failed invocation. */
export interface LambdaErrorReport {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
}

/** A function error from a local Lambda invocation. */
export class LambdaFunctionError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];

  constructor(report: LambdaErrorReport) {
    super(report.errorMessage);
    this.name = report.errorType;
    this.errorType = report.errorType;
    this.errorMessage = report.errorMessage;
    this.trace = [...report.trace];
    // The function's own stack says where it failed; this process's stack would not.
    if (this.trace.length > 0) this.stack = this.trace.join("\n");
  }
}
