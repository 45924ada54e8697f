/**
 * One HTTP exchange with a JSON API: one undici `request`, one deadline for connect, headers and
 * body together, the body read to the end. Transport failures become
 * `ProviderUnavailableError`; every HTTP answer, whatever its status, is returned as is, so that
 * the caller decides what a status means.
 */

import { type Dispatcher, request } from "undici";
import { ProviderUnavailableError } from "../errors.js";

/** One JSON request. */
export interface JsonRequest {
  /** Names the call in errors, e.g. `twelvelabs.createSession`. */
  readonly operation: string;
  readonly method: "GET" | "POST";
  readonly url: URL;
  /** Extra headers, e.g. the API key header. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON when defined. */
  readonly body?: unknown;
}

/** How a {@link JsonRequest} is carried. */
export interface JsonRequestSettings {
  /** undici dispatcher (Agent, Pool); the global one when absent. */
  readonly dispatcher?: Dispatcher;
  /** Deadline of the whole exchange, body included, in milliseconds. */
  readonly timeoutMs: number;
}

/** An HTTP answer, any status. */
export interface JsonResponse {
  readonly status: number;
  /** The `Retry-After` header, if any. */
  readonly retryAfter: string | undefined;
  /** The whole body as text. */
  readonly text: string;
}

/** Error codes of failures a later attempt may not meet: refused, reset, timed out, DNS. */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
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
 * The stable code of a transient transport failure (`ECONNREFUSED`, `TimeoutError`...), or
 * `undefined` when `error` is something else, such as a bug, which retrying cannot fix.
 */
export function transientFailureCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // AbortSignal.timeout rejects with a DOMException named TimeoutError.
  if (error.name === "TimeoutError") return "TimeoutError";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && TRANSIENT_CODES.has(code) ? code : undefined;
}

/** Sends `req` once and reads the whole answer. */
export async function jsonRequest(
  req: JsonRequest,
  settings: JsonRequestSettings,
): Promise<JsonResponse> {
  const headers: Record<string, string> = { accept: "application/json", ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers["content-type"] = "application/json";
  }
  try {
    const response = await request(req.url, {
      method: req.method,
      headers,
      body,
      dispatcher: settings.dispatcher,
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    // Read to the end even for errors: it frees the connection and gives the excerpt.
    const text = await response.body.text();
    const retryAfter = response.headers["retry-after"];
    return {
      status: response.statusCode,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      text,
    };
  } catch (error) {
    const code = transientFailureCode(error);
    if (code === undefined) throw error;
    throw new ProviderUnavailableError(req.operation, code, { cause: error });
  }
}
