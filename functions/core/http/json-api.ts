/**
 * A JSON API behind one base URL, called with retries: 429 (after `Retry-After`), 5xx and
 * transient transport failures are tried again under a {@link RetryPolicy}; other statuses fail
 * at once. Provider clients build on it and add only their paths, headers and schemas.
 */

import { setTimeout as delay } from "node:timers/promises";
import type { Dispatcher } from "undici";
import {
  InvalidInputError,
  ProviderHttpError,
  ProviderResponseError,
  ProviderUnavailableError,
} from "../errors.js";
import { type JsonResponse, jsonRequest, transientFailureCode } from "./json-request.js";
import type { RetryPolicy } from "./retry-policy.js";

/** Longest answer excerpt carried by a `ProviderHttpError`. */
const EXCERPT_CHARS = 300;

/** Settings of a {@link JsonApi}. */
export interface JsonApiOptions {
  /** Base URL the call paths are appended to, with or without a trailing slash. */
  readonly baseUrl: string;
  /** undici dispatcher; the global one when absent. */
  readonly dispatcher?: Dispatcher;
  /** Deadline of one attempt, in milliseconds. */
  readonly timeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  /** Waits between attempts; tests inject one that records the delays. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One call of a {@link JsonApi}. */
export interface JsonApiCall {
  /** Names the call in errors, e.g. `twelvelabs.getStatus`. */
  readonly operation: string;
  readonly method: "GET" | "POST";
  /** Path below the base URL, starting with `/`, segments already encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Strings blanked out of any answer excerpt, such as the API key a server may echo. */
  readonly secrets?: readonly string[];
}

/** A JSON API with retries; answers are returned parsed but not validated. */
export class JsonApi {
  private readonly base: string;
  private readonly options: JsonApiOptions;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: JsonApiOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch (error) {
      throw new InvalidInputError("base URL is not a valid URL", { cause: error });
    }
    if (base.protocol !== "https:" && base.protocol !== "http:") {
      throw new InvalidInputError(`base URL must be http(s), not ${base.protocol}`);
    }
    // A query on the base URL would end up in the middle of every path.
    this.base = `${base.origin}${base.pathname}`.replace(/\/+$/, "");
    this.options = options;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
  }

  /**
   * Sends `call` until it succeeds or the attempt budget runs out, and returns the parsed JSON.
   * Throws `ProviderHttpError` for a status retrying cannot fix, `ProviderUnavailableError`
   * when retryable failures exhausted the budget, `ProviderResponseError` for a 2xx that is not
   * JSON.
   */
  async call(call: JsonApiCall): Promise<unknown> {
    const url = new URL(`${this.base}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      url.searchParams.set(name, String(value));
    }
    const { retryPolicy } = this.options;
    let lastFailure = "";
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= retryPolicy.maxAttempts; attempt++) {
      let response: JsonResponse;
      try {
        response = await jsonRequest(
          {
            operation: call.operation,
            method: call.method,
            url,
            headers: call.headers,
            body: call.body,
          },
          this.options,
        );
      } catch (error) {
        if (!(error instanceof ProviderUnavailableError)) throw error;
        lastFailure = transientFailureCode(error.cause) ?? "transport failure";
        lastError = error;
        await this.pause(attempt);
        continue;
      }
      if (response.status >= 200 && response.status < 300) {
        return parseJson(call.operation, response.text);
      }
      const detail = excerpt(response.text, call.secrets ?? []);
      if (!isRetryableStatus(response.status)) {
        throw new ProviderHttpError(call.operation, response.status, detail, { retryable: false });
      }
      lastFailure = `HTTP ${response.status}`;
      lastError = new ProviderHttpError(call.operation, response.status, detail);
      await this.pause(attempt, response.retryAfter);
    }
    const attempts = retryPolicy.maxAttempts;
    throw new ProviderUnavailableError(
      call.operation,
      `gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}, last failure ${lastFailure}`,
      { cause: lastError },
    );
  }

  /** Waits before the attempt after `attempt`, unless that was the last one. */
  private async pause(attempt: number, retryAfter?: string): Promise<void> {
    const { retryPolicy } = this.options;
    if (attempt < retryPolicy.maxAttempts) {
      await this.sleep(retryPolicy.delayMs(attempt, retryAfter));
    }
  }
}

/** 429 and 5xx say "not now"; every other error status says "not like this". */
function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function parseJson(operation: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderResponseError(operation, `answer is not JSON (${text.length} characters)`);
  }
}

/**
 * A short single-line excerpt of an error body, with every secret and every URL query (where
 * presigned URLs keep their signature) blanked out.
 */
function excerpt(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret) clean = clean.replaceAll(secret, "[redacted]");
  }
  clean = clean.replace(/(https?:\/\/[^\s"'<>?]*)\?[^\s"'<>]*/gi, "$1?[redacted]");
  clean = clean.replace(/\s+/g, " ").trim();
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS)}…` : clean;
}
