/**
 * Every error the relay raises. Each class sets `name` (which is what Step Functions matches in
 * `Retry`/`Catch` `ErrorEquals`), a stable `code`, and whether retrying can help.
 */

/**
 * Stable code of each relay error class, by class name. Step Functions reports a failure by the
 * error's `name` only, so the fail step maps it back to its code through this table.
 */
export const ERROR_CODES = {
  ProviderHttpError: "RELAY_PROVIDER_HTTP",
  ProviderUnavailableError: "RELAY_PROVIDER_UNAVAILABLE",
  ProviderResponseError: "RELAY_PROVIDER_RESPONSE",
  UntrustedUrlError: "RELAY_UNTRUSTED_URL",
  ObjectRejectedError: "RELAY_OBJECT_REJECTED",
  ChunkTransferError: "RELAY_CHUNK_TRANSFER",
  ChecksumMismatchError: "RELAY_CHECKSUM_MISMATCH",
  SourceChangedError: "RELAY_SOURCE_CHANGED",
  SessionFailedError: "RELAY_SESSION_FAILED",
  UploadStateError: "RELAY_UPLOAD_STATE",
  InvalidInputError: "RELAY_INVALID_INPUT",
} as const;

/** The stable code of an error reported by name: a relay code, else the name itself. */
export function codeOfErrorName(name: string): string {
  return Object.hasOwn(ERROR_CODES, name) ? ERROR_CODES[name as keyof typeof ERROR_CODES] : name;
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

  constructor(message: string, code: string, options: RelayErrorOptions = {}) {
    super(message, options);
    this.name = "RelayError";
    this.code = code;
    this.retryable = options.retryable ?? false;
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
      ERROR_CODES.ProviderHttpError,
      { retryable: options.retryable ?? (status === 429 || status >= 500), cause: options.cause },
    );
    this.name = "ProviderHttpError";
  }
}

/** The provider could not be reached (connection refused, reset, timeout). */
export class ProviderUnavailableError extends RelayError {
  constructor(
    readonly operation: string,
    message: string,
    options: RelayErrorOptions = {},
  ) {
    super(
      `${operation} could not reach the provider: ${message}`,
      ERROR_CODES.ProviderUnavailableError,
      {
        retryable: true,
        ...options,
      },
    );
    this.name = "ProviderUnavailableError";
  }
}

/** The provider answered 2xx with a body that does not match the documented schema. */
export class ProviderResponseError extends RelayError {
  constructor(
    readonly operation: string,
    readonly issues: string,
    options: RelayErrorOptions = {},
  ) {
    super(
      `${operation} returned an unexpected answer: ${issues}`,
      ERROR_CODES.ProviderResponseError,
      {
        retryable: false,
        ...options,
      },
    );
    this.name = "ProviderResponseError";
  }
}

/** A presigned URL from the provider is not https on an allowed host. */
export class UntrustedUrlError extends RelayError {
  constructor(
    /** Host of the refused URL (the URL itself is a secret and is never carried). */
    readonly host: string,
  ) {
    super(`presigned URL host ${host} is not allowed`, ERROR_CODES.UntrustedUrlError);
    this.name = "UntrustedUrlError";
  }
}

/** The dropped object cannot be relayed (empty, too large, bad key); nothing will change that. */
export class ObjectRejectedError extends RelayError {
  constructor(
    /** Human-readable reason, recorded on the upload. */
    readonly reason: string,
  ) {
    super(reason, ERROR_CODES.ObjectRejectedError);
    this.name = "ObjectRejectedError";
  }
}

/** A chunk PUT to a presigned URL was refused or broke off. */
export class ChunkTransferError extends RelayError {
  constructor(
    readonly chunkIndex: number,
    message: string,
    options: RelayErrorOptions = {},
  ) {
    super(`chunk ${chunkIndex}: ${message}`, ERROR_CODES.ChunkTransferError, {
      retryable: options.retryable ?? true,
      cause: options.cause,
    });
    this.name = "ChunkTransferError";
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
      ERROR_CODES.ChecksumMismatchError,
      { retryable: true },
    );
    this.name = "ChecksumMismatchError";
  }
}

/** The source object changed or vanished while it was being relayed. */
export class SourceChangedError extends RelayError {
  constructor(message: string, options: RelayErrorOptions = {}) {
    super(message, ERROR_CODES.SourceChangedError, { retryable: false, ...options });
    this.name = "SourceChangedError";
  }
}

/** The provider session ended in `failed` or `expired`, or never completed in time. */
export class SessionFailedError extends RelayError {
  constructor(
    readonly uploadId: string,
    readonly state: string,
    message?: string,
  ) {
    super(message ?? `upload session ${uploadId} ended ${state}`, ERROR_CODES.SessionFailedError);
    this.name = "SessionFailedError";
  }
}

/** The upload record in the store is missing or not in the state this step needs. */
export class UploadStateError extends RelayError {
  constructor(message: string) {
    super(message, ERROR_CODES.UploadStateError);
    this.name = "UploadStateError";
  }
}

/** Configuration or input that the relay cannot work with (bad env, bad props, bad event). */
export class InvalidInputError extends RelayError {
  constructor(message: string, options: RelayErrorOptions = {}) {
    super(message, ERROR_CODES.InvalidInputError, options);
    this.name = "InvalidInputError";
  }
}
