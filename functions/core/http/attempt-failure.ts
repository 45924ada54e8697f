/**
 * What can make one attempt of a JSON call fail, and which failures a later attempt may not
 * meet. The retry decision and the final error mapping both read this, so they agree.
 */

/** Why an attempt failed although the connection worked. */
export type AttemptFailureKind = "timeout" | "not-json" | "too-large";

/**
 * One attempt's answer was not usable: it came too late, it was not JSON, or it was longer
 * than the cap. Internal to `http/`: callers see `ProviderUnavailableError` or
 * `ProviderResponseError` instead. The message names sizes and times, never the body.
 */
export class AttemptFailure extends Error {
  /** Stable code, read by the retry decision like a transport error's code. */
  readonly code: string;

  constructor(
    readonly kind: AttemptFailureKind,
    message: string,
  ) {
    super(message);
    // The name of the old AbortSignal.timeout failure, which operators already know.
    this.name = kind === "timeout" ? "TimeoutError" : "AttemptFailure";
    this.code = `RELAY_ATTEMPT_${kind.toUpperCase().replace("-", "_")}`;
  }
}

/** Error codes of transport failures a later attempt may not meet: refused, reset, DNS... */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

/**
 * The stable label of a transient transport failure (`ECONNRESET`, `TimeoutError`...), or
 * `undefined` when `error` is something else, such as a bug, which retrying cannot fix.
 */
export function transientFailureCode(error: unknown): string | undefined {
  if (error instanceof AttemptFailure) return error.kind === "timeout" ? "TimeoutError" : undefined;
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && TRANSIENT_CODES.has(code) ? code : undefined;
}

/** 429 and 5xx say "not now"; every other error status says "not like this". */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** A failed attempt, as the retry decision sees it. */
export interface FailedAttempt {
  /** For messages: `HTTP 503`, `ECONNRESET`, `answer is not JSON (20 bytes)`... */
  readonly label: string;
  /** Whether another attempt may do better. */
  readonly retryable: boolean;
  /** The answer's `Retry-After` header, if any. */
  readonly retryAfter?: string;
}

/**
 * Reads an error handed to undici's retry callback: a `RequestRetryError` for an HTTP status
 * (with `statusCode` and `headers`), an {@link AttemptFailure}, or a transport error.
 */
export function describeFailure(error: Error): FailedAttempt {
  const { statusCode, headers } = error as {
    statusCode?: unknown;
    headers?: Record<string, string | string[] | undefined>;
  };
  if (
    (error as { code?: unknown }).code === "UND_ERR_REQ_RETRY" &&
    typeof statusCode === "number"
  ) {
    const retryAfter = headers?.["retry-after"];
    return {
      label: `HTTP ${statusCode}`,
      retryable: isRetryableStatus(statusCode),
      ...(retryAfter !== undefined
        ? { retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter }
        : {}),
    };
  }
  if (error instanceof AttemptFailure) {
    const label = error.kind === "timeout" ? `TimeoutError (${error.message})` : error.message;
    return { label, retryable: true };
  }
  const code = transientFailureCode(error);
  return { label: code ?? error.name, retryable: code !== undefined };
}
