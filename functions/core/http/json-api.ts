/**
 * A JSON API behind one base URL, called with retries inside the invocation's time budget.
 * Retrying is undici's own retry interceptor, steered by an {@link AttemptBudget} (attempts,
 * backoff with full jitter, `Retry-After`, the deadline); below it, the attempt interceptor
 * bounds each attempt's time and answer size and retries a 2xx that is not JSON. 429, 5xx and
 * transient transport failures are tried again; other statuses fail at once. Provider clients
 * build on it and add only their paths, headers and schemas.
 */

import { setTimeout as delay } from "node:timers/promises";
import { type Dispatcher, getGlobalDispatcher, interceptors, request } from "undici";
import { RELAY_DEFAULTS } from "../config/defaults.js";
import { API_ANSWER_MAX_BYTES, API_ERROR_BODY_MAX_BYTES } from "../config/limits.js";
import { currentDeadline } from "../deadline.js";
import {
  InvalidInputError,
  ProviderHttpError,
  ProviderResponseError,
  ProviderUnavailableError,
} from "../errors.js";
import { AttemptBudget } from "./attempt-budget.js";
import {
  AttemptFailure,
  describeFailure,
  isRetryableStatus,
  transientFailureCode,
} from "./attempt-failure.js";
import { attemptInterceptor } from "./attempt-interceptor.js";
import { excerpt } from "./error-excerpt.js";
import type { RetryPolicy } from "./retry-policy.js";

/** An HTTP method a {@link JsonApi} sends. */
export type JsonMethod = "GET" | "POST" | "DELETE";

/** Settings of a {@link JsonApi}. */
export interface JsonApiOptions {
  /** Base URL the call paths are appended to, with or without a trailing slash. */
  readonly baseUrl: string;
  /** undici dispatcher; the global one when absent. */
  readonly dispatcher?: Dispatcher;
  /** Timeout of one attempt, connect to last byte, in milliseconds; the deadline may cut it. */
  readonly timeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  /**
   * Methods sent again after a retryable failure. POST only where the caller knows that
   * repeating every call is safe. @default ["GET"]
   */
  readonly retryMethods?: readonly JsonMethod[];
  /** Least time an attempt needs before the deadline. @default RELAY_DEFAULTS.apiMinAttemptMs */
  readonly minAttemptMs?: number;
  /** Most bytes of a 2xx answer read. @default API_ANSWER_MAX_BYTES */
  readonly maxAnswerBytes?: number;
  /** Waits between attempts; tests inject one that records the delays. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Clock, epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** One call of a {@link JsonApi}. */
export interface JsonApiCall {
  /** Names the call in errors, e.g. `twelvelabs.getStatus`. */
  readonly operation: string;
  readonly method: JsonMethod;
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
  private readonly retryMethods: ReadonlySet<string>;

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
    this.retryMethods = new Set(options.retryMethods ?? ["GET"]);
  }

  /**
   * Sends `call` until it succeeds, the attempts run out or the invocation's time does, and
   * returns the parsed JSON. Throws `ProviderHttpError` for a status retrying cannot fix,
   * `ProviderUnavailableError` when retryable failures used up the attempts or the time (the
   * message says which), `ProviderResponseError` when every attempt's 2xx was not JSON or too
   * long.
   */
  async call(call: JsonApiCall): Promise<unknown> {
    const url = new URL(`${this.base}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      url.searchParams.set(name, String(value));
    }
    // The deadline is read here, in the caller's async context: undici's callbacks run in the
    // context of whatever opened the pooled socket, perhaps an earlier invocation.
    const budget = this.budget();
    const refusal = budget.refusalToStart();
    if (refusal) throw new ProviderUnavailableError(call.operation, refusal);

    const headers: Record<string, string> = { accept: "application/json", ...call.headers };
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers["content-type"] = "application/json";
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: call.method,
        headers,
        body,
        dispatcher: this.dispatcherFor(budget),
      });
    } catch (error) {
      throw failure(call.operation, error, budget);
    }
    // Already read whole, within the cap, by the attempt interceptor.
    const text = await response.body.text();
    const status = response.statusCode;
    if (status >= 200 && status < 300) return parseJson(call.operation, text);
    const detail = excerpt(text, call.secrets ?? []);
    if (!isRetryableStatus(status)) {
      throw new ProviderHttpError(call.operation, status, detail, { retryable: false });
    }
    throw new ProviderUnavailableError(
      call.operation,
      budget.verdict?.message ?? `HTTP ${status}`,
      {
        cause: new ProviderHttpError(call.operation, status, detail),
      },
    );
  }

  private budget(): AttemptBudget {
    const { options } = this;
    return new AttemptBudget({
      policy: options.retryPolicy,
      timeoutMs: options.timeoutMs,
      deadline: currentDeadline(),
      minAttemptMs: options.minAttemptMs ?? RELAY_DEFAULTS.apiMinAttemptMs,
      retryMethods: this.retryMethods,
      sleep: options.sleep ?? ((ms) => delay(ms)),
      now: options.now ?? Date.now,
    });
  }

  /**
   * The dispatcher of one call: the configured one with undici's retry interceptor on top and
   * the attempt interceptor under it. Composed per call because the budget belongs to the call;
   * composing only wraps `dispatch`, connections stay the configured dispatcher's.
   */
  private dispatcherFor(budget: AttemptBudget): Dispatcher {
    const base = this.options.dispatcher ?? getGlobalDispatcher();
    return base.compose(
      attemptInterceptor({
        attemptTimeout: () => budget.attemptTimeout(),
        maxAnswerBytes: this.options.maxAnswerBytes ?? API_ANSWER_MAX_BYTES,
        maxErrorBodyBytes: API_ERROR_BODY_MAX_BYTES,
      }),
      // throwOnError false: the last failed answer comes through with its body, for the excerpt.
      interceptors.retry({ retry: budget.retry, throwOnError: false }),
    );
  }
}

/** The relay error for a call that ended without an HTTP answer to hand on. */
function failure(operation: string, error: unknown, budget: AttemptBudget): unknown {
  const { verdict } = budget;
  if (error instanceof AttemptFailure && error.kind !== "timeout") {
    // Only answers that were all unusable say the API itself is off; a proxy's page among
    // throttles and resets is one more passing failure, which a later invocation may not meet.
    const allBad = budget.badAnswerAttempts === budget.failedAttempts;
    if ((verdict !== undefined && verdict.why !== "attempts") || !allBad) {
      const reason = verdict?.message ?? error.message;
      return new ProviderUnavailableError(operation, reason, { cause: error });
    }
    const attempts = budget.failedAttempts;
    return new ProviderResponseError(
      operation,
      `${error.message}, ${attempts} attempt${attempts === 1 ? "" : "s"}`,
      { cause: error },
    );
  }
  const code = transientFailureCode(error);
  if (code === undefined) return error;
  const reason = verdict?.message ?? describeFailure(error as Error).label;
  return new ProviderUnavailableError(operation, reason, { cause: error });
}

function parseJson(operation: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderResponseError(operation, `answer is not JSON (${text.length} characters)`);
  }
}
