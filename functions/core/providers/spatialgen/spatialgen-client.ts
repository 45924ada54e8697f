/**
 * SpatialGen's direct-upload API (`/api/videos/uploads`), one method per call, each answer
 * validated with the lenient schemas of `spatialgen-schemas.ts`. Retries, timeouts, the
 * invocation's time budget, answer size caps and error mapping come from {@link JsonApi}, as
 * for TwelveLabs.
 *
 * Every call is retried, POSTs and DELETE included, because every one is safe to repeat:
 * part-urls is a read, complete is documented as safe to repeat, cancel of a cancelled group
 * answers the same. Start is the one that is not quite: a retried start after a lost answer
 * leaves a group nothing is ever sent to, which expires after 5 days and never becomes a
 * library entry; failing the upload on a passing error would be worse.
 *
 * Strict in what it sends: every body is checked against `spatialgen-requests.ts` (the group
 * rules included) before any I/O; a request that fails is `InvalidInputError`, never a call.
 */

import type { Dispatcher } from "undici";
import { RELAY_DEFAULTS } from "../../config/defaults.js";
import { SPATIALGEN_ENDPOINTS } from "../../config/limits.js";
import { InvalidInputError } from "../../errors.js";
import { JsonApi, type JsonApiCall } from "../../http/json-api.js";
import { parseAnswer } from "../../http/parse-answer.js";
import { RetryPolicy } from "../../http/retry-policy.js";
import { checkRequest } from "../check-request.js";
import {
  type CompleteFileBody,
  CompleteFileBodySchema,
  type PartUrlsBody,
  PartUrlsBodySchema,
  type StartGroupBody,
  StartGroupBodySchema,
} from "./spatialgen-requests.js";
import {
  type CancelAnswer,
  CancelAnswerSchema,
  type CompleteAnswer,
  CompleteAnswerSchema,
  type PartUrlsAnswer,
  PartUrlsAnswerSchema,
  type StartAnswer,
  StartAnswerSchema,
} from "./spatialgen-schemas.js";

/** Settings of a {@link SpatialGenClient}. */
export interface SpatialGenClientOptions {
  /**
   * The origin `/api/videos/uploads` hangs off, e.g. `https://spatialgen.com`; a path prefix
   * and a trailing slash are fine. @default SPATIALGEN_ENDPOINTS.origin
   */
  readonly baseUrl?: string;
  /** The API key, or a function that fetches it (Secrets Manager); called once per call. */
  readonly apiKey: string | (() => Promise<string>);
  /** undici dispatcher (Agent, Pool). @default the global dispatcher */
  readonly dispatcher?: Dispatcher;
  /** Timeout of one attempt, in milliseconds. @default RELAY_DEFAULTS.apiTimeoutMs */
  readonly timeoutMs?: number;
  /** Attempts of one call, the first included. @default RELAY_DEFAULTS.apiMaxAttempts */
  readonly maxAttempts?: number;
  /** Least time an attempt needs before the deadline. @default RELAY_DEFAULTS.apiMinAttemptMs */
  readonly minAttemptMs?: number;
  /** Ceiling of the first backoff delay, in milliseconds. @default 250 */
  readonly retryBaseDelayMs?: number;
  /** Longest delay between two attempts, in milliseconds. @default 20_000 */
  readonly maxRetryDelayMs?: number;
  /** Waits between attempts; tests inject one that records the delays. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Prefix of every operation name in errors. */
const OP = "spatialgen";

/** Client of SpatialGen's direct-upload API; returns the validated wire objects. */
export class SpatialGenClient {
  private readonly api: JsonApi;
  private readonly apiKey: string | (() => Promise<string>);

  constructor(options: SpatialGenClientOptions) {
    const timeoutMs = options.timeoutMs ?? RELAY_DEFAULTS.apiTimeoutMs;
    if (!(timeoutMs > 0)) throw new InvalidInputError("timeoutMs must be > 0");
    const origin = (options.baseUrl ?? SPATIALGEN_ENDPOINTS.origin).replace(/\/+$/, "");
    this.api = new JsonApi({
      baseUrl: `${origin}${SPATIALGEN_ENDPOINTS.uploadsPath}`,
      dispatcher: options.dispatcher,
      timeoutMs,
      // Safe for every call of this API: see the module comment.
      retryMethods: ["GET", "POST", "DELETE"],
      minAttemptMs: options.minAttemptMs,
      sleep: options.sleep,
      retryPolicy: new RetryPolicy({
        maxAttempts: options.maxAttempts ?? RELAY_DEFAULTS.apiMaxAttempts,
        baseDelayMs: options.retryBaseDelayMs ?? 250,
        maxDelayMs: options.maxRetryDelayMs ?? 20_000,
      }),
    });
    this.apiKey = options.apiKey;
  }

  /** `POST /api/videos/uploads`: starts an upload group. */
  async startGroup(body: StartGroupBody): Promise<StartAnswer> {
    const operation = `${OP}.startGroup`;
    const answer = await this.call({
      operation,
      method: "POST",
      path: "",
      body: checkRequest(operation, StartGroupBodySchema, body),
    });
    return parseAnswer(operation, StartAnswerSchema, answer);
  }

  /** `POST …/{uploadSessionId}/files/{uploadId}/part-urls`: part URLs with their byte ranges. */
  async getPartUrls(
    uploadSessionId: string,
    uploadId: string,
    body: PartUrlsBody,
  ): Promise<PartUrlsAnswer> {
    const operation = `${OP}.getPartUrls`;
    const checked = checkRequest(operation, PartUrlsBodySchema, body);
    const answer = await this.call({
      operation,
      method: "POST",
      path: `${filePath(operation, uploadSessionId, uploadId)}/part-urls`,
      body: checked,
    });
    return parseAnswer(operation, PartUrlsAnswerSchema, answer);
  }

  /** `POST …/{uploadSessionId}/files/{uploadId}/complete`: finishes one file (safe to repeat). */
  async completeFile(
    uploadSessionId: string,
    uploadId: string,
    body: CompleteFileBody,
  ): Promise<CompleteAnswer> {
    const operation = `${OP}.completeFile`;
    const checked = checkRequest(operation, CompleteFileBodySchema, body);
    const answer = await this.call({
      operation,
      method: "POST",
      path: `${filePath(operation, uploadSessionId, uploadId)}/complete`,
      body: checked,
    });
    return parseAnswer(operation, CompleteAnswerSchema, answer);
  }

  /** `DELETE /api/videos/uploads/{uploadSessionId}`: cancels the group for good. */
  async cancelGroup(uploadSessionId: string): Promise<CancelAnswer> {
    const operation = `${OP}.cancelGroup`;
    const answer = await this.call({
      operation,
      method: "DELETE",
      path: groupPath(operation, uploadSessionId),
    });
    return parseAnswer(operation, CancelAnswerSchema, answer);
  }

  /** Adds the key header, and names the key as a secret so no error excerpt can carry it. */
  private async call(call: JsonApiCall): Promise<unknown> {
    const key = typeof this.apiKey === "string" ? this.apiKey : await this.apiKey();
    if (!key) throw new InvalidInputError(`${call.operation}: the API key is empty`);
    return this.api.call({
      ...call,
      headers: { [SPATIALGEN_ENDPOINTS.apiKeyHeader]: key },
      secrets: [key],
    });
  }
}

function groupPath(operation: string, uploadSessionId: string): string {
  if (!uploadSessionId) throw new InvalidInputError(`${operation}: uploadSessionId is empty`);
  return `/${encodeURIComponent(uploadSessionId)}`;
}

function filePath(operation: string, uploadSessionId: string, uploadId: string): string {
  if (!uploadId) throw new InvalidInputError(`${operation}: uploadId is empty`);
  return `${groupPath(operation, uploadSessionId)}/files/${encodeURIComponent(uploadId)}`;
}
