/**
 * Errors of the local Step Functions layer. Each `name` is the error code the Step Functions
 * API itself answers with (`ExecutionAlreadyExists`, ...), so a caller that handles the AWS
 * error by name handles the local one too, whether it calls in-process or through the SDK.
 */

/** Root of every error this layer throws; `name` is the Step Functions error code. */
export class LocalStepFunctionsError extends Error {
  /** HTTP status the local endpoint answers this error with. */
  readonly statusCode: number = 400;

  constructor(name: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}

/** A template or definition the local runner cannot turn into a runnable state machine. */
export class LocalDefinitionError extends LocalStepFunctionsError {
  constructor(message: string, options?: ErrorOptions) {
    super("LocalDefinitionError", message, options);
  }
}

/** StartExecution with a name already used, by a closed execution or with another input. */
export class ExecutionAlreadyExistsError extends LocalStepFunctionsError {
  constructor(message: string) {
    super("ExecutionAlreadyExists", message);
  }
}

/** An execution name Step Functions would refuse (length or characters). */
export class InvalidNameError extends LocalStepFunctionsError {
  constructor(message: string) {
    super("InvalidName", message);
  }
}

/** Execution input that is not JSON or is over the 256 KiB limit. */
export class InvalidExecutionInputError extends LocalStepFunctionsError {
  constructor(message: string) {
    super("InvalidExecutionInput", message);
  }
}

/** No execution with that name or ARN. */
export class ExecutionDoesNotExistError extends LocalStepFunctionsError {
  constructor(message: string) {
    super("ExecutionDoesNotExist", message);
  }
}

/** No state machine with that ARN behind the local endpoint. */
export class StateMachineDoesNotExistError extends LocalStepFunctionsError {
  constructor(message: string) {
    super("StateMachineDoesNotExist", message);
  }
}
