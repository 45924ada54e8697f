/**
 * Every error the relay raises, and every code a failure can be recorded with. Each class is
 * one row of {@link RELAY_ERRORS}: its `name` (what Step Functions matches in `Retry`/`Catch`
 * `ErrorEquals`), its stable `code`, and whether the state machine retries a step that threw
 * it. The state machine's non-retryable list and the fail step's codes both derive from it.
 */

/** One relay error class, as the state machine and the fail step see it. */
export interface RelayErrorSpec {
  /** Stable machine-readable code, e.g. `RELAY_PROVIDER_HTTP`. */
  readonly code: string;
  /** Whether a step that threw it is worth running again (the state machine's Retry). */
  readonly stepRetryable: boolean;
}

/**
 * The relay's error classes by `name`. A class not listed here cannot be constructed (its
 * constructor looks its row up), so no code escapes this table.
 */
export const RELAY_ERRORS = {
  ProviderHttpError: { code: "RELAY_PROVIDER_HTTP", stepRetryable: false },
  ProviderUnavailableError: { code: "RELAY_PROVIDER_UNAVAILABLE", stepRetryable: true },
  ProviderResponseError: { code: "RELAY_PROVIDER_RESPONSE", stepRetryable: false },
  UntrustedUrlError: { code: "RELAY_UNTRUSTED_URL", stepRetryable: false },
  ObjectRejectedError: { code: "RELAY_OBJECT_REJECTED", stepRetryable: false },
  ObjectSupersededError: { code: "RELAY_OBJECT_SUPERSEDED", stepRetryable: false },
  ChunkTransferError: { code: "RELAY_CHUNK_TRANSFER", stepRetryable: true },
  ChunkRecordError: { code: "RELAY_CHUNK_RECORD", stepRetryable: true },
  ChecksumMismatchError: { code: "RELAY_CHECKSUM_MISMATCH", stepRetryable: true },
  SourceChangedError: { code: "RELAY_SOURCE_CHANGED", stepRetryable: false },
  SessionFailedError: { code: "RELAY_SESSION_FAILED", stepRetryable: false },
  UploadStateError: { code: "RELAY_UPLOAD_STATE", stepRetryable: false },
  InvalidInputError: { code: "RELAY_INVALID_INPUT", stepRetryable: false },
  EventPublishError: { code: "RELAY_EVENT_PUBLISH", stepRetryable: true },
} as const satisfies Record<string, RelayErrorSpec>;

/** Name of a relay error class. */
export type RelayErrorName = keyof typeof RELAY_ERRORS;

/**
 * Codes of failures that no relay class raised, recognised by the error name AWS reports
 * (`errorNames`); anything else is `Unknown`.
 */
export const FOREIGN_ERRORS = {
  /** Lambda killed the function at its timeout, or a state timed out. */
  FunctionTimeout: {
    code: "RELAY_FUNCTION_TIMEOUT",
    errorNames: ["Sandbox.Timedout", "States.Timeout"],
  },
  /**
   * Lambda refused the invocation for capacity for longer than the state machine's long
   * throttling Retry waits (about half an hour): concurrency is exhausted.
   */
  Throttled: {
    code: "RELAY_THROTTLED",
    errorNames: ["Lambda.TooManyRequestsException"],
  },
  /** An AWS call was refused by IAM: a grant is missing. */
  AccessDenied: {
    code: "RELAY_ACCESS_DENIED",
    errorNames: ["AccessDenied", "AccessDeniedException"],
  },
  /** Anything else: the reason carries the original error name and message. */
  Unknown: { code: "RELAY_UNKNOWN", errorNames: [] },
} as const satisfies Record<string, { code: string; errorNames: readonly string[] }>;

/** Every code a failure can be recorded with, by relay error name or foreign failure kind. */
export const ERROR_CODES = Object.fromEntries([
  ...Object.entries(RELAY_ERRORS).map(([name, spec]) => [name, spec.code]),
  ...Object.entries(FOREIGN_ERRORS).map(([kind, spec]) => [kind, spec.code]),
]) as {
  readonly [N in RelayErrorName]: (typeof RELAY_ERRORS)[N]["code"];
} & { readonly [K in keyof typeof FOREIGN_ERRORS]: (typeof FOREIGN_ERRORS)[K]["code"] };

/** Names of the relay errors the state machine does not retry: they go straight to the Catch. */
export const NON_RETRYABLE_ERROR_NAMES: readonly RelayErrorName[] = (
  Object.keys(RELAY_ERRORS) as RelayErrorName[]
).filter((name) => !RELAY_ERRORS[name].stepRetryable);

/** The stable code of a failure reported by error name; always one of {@link ERROR_CODES}. */
export function codeOfErrorName(name: string): string {
  if (Object.hasOwn(RELAY_ERRORS, name)) return RELAY_ERRORS[name as RelayErrorName].code;
  for (const spec of Object.values(FOREIGN_ERRORS)) {
    if ((spec.errorNames as readonly string[]).includes(name)) return spec.code;
  }
  return FOREIGN_ERRORS.Unknown.code;
}

/** Options shared by every relay error. */
export interface RelayErrorOptions extends ErrorOptions {
  /** Whether the same call, repeated later, may succeed. */
  readonly retryable?: boolean;
}

/** Root of every relay error. */
export class RelayError extends Error {
  /** Stable machine-readable code, e.g. `RELAY_PROVIDER_HTTP`. */
  readonly code: string;
  /** Whether the same call, repeated later, may succeed. */
  readonly retryable: boolean;

  constructor(message: string, name: RelayErrorName, options: RelayErrorOptions = {}) {
    super(message, options);
    this.name = name;
    this.code = RELAY_ERRORS[name].code;
    this.retryable = options.retryable ?? RELAY_ERRORS[name].stepRetryable;
  }
}

/** The provider answered with an HTTP error status. */
export class ProviderHttpError extends RelayError {
  constructor(
    /** Which provider call failed, e.g. `twelvelabs.createSession`. */
    readonly operation: string,
    /** HTTP status of the answer. */
    readonly status: number,
    /** Short excerpt of the answer body (never contains secrets we sent). */
    readonly detail: string,
    options: RelayErrorOptions = {},
  ) {
    super(
      `${operation} failed with HTTP ${status}${detail ? `: ${detail}` : ""}`,
      "ProviderHttpError",
      { retryable: options.retryable ?? (status === 429 || status >= 500), cause: options.cause },
    );
  }
}

/** The provider could not be reached (connection refused, reset, timeout). */
export class ProviderUnavailableError extends RelayError {
  constructor(
    readonly operation: string,
    message: string,
    options: RelayErrorOptions = {},
  ) {
    super(`${operation} could not reach the provider: ${message}`, "ProviderUnavailableError", {
      retryable: true,
      ...options,
    });
  }
}

/** The provider answered 2xx with a body that does not match the documented schema. */
export class ProviderResponseError extends RelayError {
  constructor(
    readonly operation: string,
    readonly issues: string,
    options: RelayErrorOptions = {},
  ) {
    super(`${operation} returned an unexpected answer: ${issues}`, "ProviderResponseError", {
      retryable: false,
      ...options,
    });
  }
}

/** A presigned URL from the provider is not https on an allowed host. */
export class UntrustedUrlError extends RelayError {
  constructor(
    /** Host of the refused URL (the URL itself is a secret and is never carried). */
    readonly host: string,
  ) {
    super(`presigned URL host ${host} is not allowed`, "UntrustedUrlError");
  }
}

/** The dropped object cannot be relayed (empty, too large, bad key); nothing will change that. */
export class ObjectRejectedError extends RelayError {
  constructor(
    /** Human-readable reason, recorded on the upload. */
    readonly reason: string,
  ) {
    super(reason, "ObjectRejectedError");
  }
}

/**
 * The event names an object that has since been replaced: the key now holds another ETag or
 * version. Nothing is relayed for it, because the newer object has an event of its own.
 */
export class ObjectSupersededError extends RelayError {
  constructor(
    /** Human-readable reason, recorded on the upload. */
    readonly reason: string,
  ) {
    super(reason, "ObjectSupersededError");
  }
}

/** A chunk PUT to a presigned URL was refused or broke off. */
export class ChunkTransferError extends RelayError {
  constructor(
    readonly chunkIndex: number,
    message: string,
    options: RelayErrorOptions = {},
  ) {
    super(`chunk ${chunkIndex}: ${message}`, "ChunkTransferError", {
      retryable: options.retryable ?? true,
      cause: options.cause,
    });
  }
}

/** The bytes that arrived are not the bytes that were sent (ETag differs from the streamed MD5). */
export class ChecksumMismatchError extends RelayError {
  constructor(
    readonly chunkIndex: number,
    readonly expectedMd5: string,
    readonly receivedEtag: string,
  ) {
    super(
      `chunk ${chunkIndex}: ETag ${receivedEtag} does not match streamed MD5 ${expectedMd5}`,
      "ChecksumMismatchError",
      { retryable: true },
    );
  }
}

/** The source object changed or vanished while it was being relayed. */
export class SourceChangedError extends RelayError {
  constructor(message: string, options: RelayErrorOptions = {}) {
    super(message, "SourceChangedError", { retryable: false, ...options });
  }
}

/** The provider session ended in `failed` or `expired`, or never completed in time. */
export class SessionFailedError extends RelayError {
  constructor(
    readonly uploadId: string,
    readonly state: string,
    message?: string,
  ) {
    super(message ?? `upload session ${uploadId} ended ${state}`, "SessionFailedError");
  }
}

/** The upload record in the store is missing or not in the state this step needs. */
export class UploadStateError extends RelayError {
  constructor(message: string) {
    super(message, "UploadStateError");
  }
}

/** Configuration or input that the relay cannot work with (bad env, bad props, bad event). */
export class InvalidInputError extends RelayError {
  constructor(message: string, options: RelayErrorOptions = {}) {
    super(message, "InvalidInputError", options);
  }
}

/** Recording a transferred chunk's ETag in the store failed; the chunk is sent again. */
export class ChunkRecordError extends RelayError {
  constructor(
    readonly chunkIndex: number,
    message: string,
    options: RelayErrorOptions = {},
  ) {
    super(`chunk ${chunkIndex}: recording its ETag failed: ${message}`, "ChunkRecordError", {
      retryable: true,
      ...options,
    });
  }
}

/** An outcome event could not be published; the step is run again. */
export class EventPublishError extends RelayError {
  constructor(message: string, options: RelayErrorOptions = {}) {
    super(message, "EventPublishError", { retryable: true, ...options });
  }
}
