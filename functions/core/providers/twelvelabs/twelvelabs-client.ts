/**
 * The TwelveLabs v1.3 multipart-upload API, and the indexing of an uploaded asset, one method
 * per call, each answer validated with zod. Retries, timeouts, the invocation's time budget, answer size caps and error mapping come
 * from {@link JsonApi}.
 *
 * Every call is retried, POSTs included: report is idempotent on the server (a repeated proof
 * counts as a duplicate), presigned-urls is a read, and the two creates (`createSession`,
 * `indexAsset`) are not idempotent, see below and {@link TwelveLabsClient.indexAsset}.
 *
 * Retry choice for `createSession`: it is retried like the other calls, on 429, 5xx and
 * transport failures, although a 5xx or a timeout may hide a session that was created. Such a
 * duplicate is harmless: nothing is ever uploaded or reported to it, so it never becomes an
 * asset and the provider drops it after 24 h. Not retrying would either fail the upload on a
 * passing error or hand the same retry to Step Functions.
 *
 * Strict in what it sends: every body and query is checked against the request schemas
 * (`twelvelabs-requests.ts`) before any I/O, and what the check returns is what goes out. A
 * request that fails is the relay's bug or bad input, never worth a call: `InvalidInputError`.
 */

import type { Dispatcher } from "undici";
import { RELAY_DEFAULTS } from "../../config/defaults.js";
import { S3_LIMITS } from "../../config/limits.js";
import { InvalidInputError } from "../../errors.js";
import { JsonApi, type JsonApiCall } from "../../http/json-api.js";
import { parseAnswer } from "../../http/parse-answer.js";
import { RetryPolicy } from "../../http/retry-policy.js";
import { checkRequest } from "../check-request.js";
import {
  type CompletedChunk,
  type CreateSessionBody,
  createSessionBodySchema,
  IndexAssetBodySchema,
  PageQuerySchema,
  PresignedUrlsBodySchema,
  ReportChunksBodySchema,
} from "./twelvelabs-requests.js";
import {
  type CreateSessionAnswer,
  CreateSessionAnswerSchema,
  type IndexAssetAnswer,
  IndexAssetAnswerSchema,
  type IndexedAssetAnswer,
  IndexedAssetAnswerSchema,
  type ListIncompleteAnswer,
  ListIncompleteAnswerSchema,
  type PresignedUrlsAnswer,
  PresignedUrlsAnswerSchema,
  type ReportChunksAnswer,
  ReportChunksAnswerSchema,
  type StatusAnswer,
  StatusAnswerSchema,
} from "./twelvelabs-schemas.js";

/** Settings of a {@link TwelveLabsClient}. */
export interface TwelveLabsClientOptions {
  /** API base URL, e.g. `https://api.twelvelabs.io/v1.3`; a trailing slash is fine. */
  readonly baseUrl: string;
  /** The API key, or a function that fetches it (Secrets Manager); called once per call. */
  readonly apiKey: string | (() => Promise<string>);
  /** undici dispatcher (Agent, Pool). @default the global dispatcher */
  readonly dispatcher?: Dispatcher;
  /**
   * Timeout of one attempt, connect to last byte, in milliseconds; the invocation's deadline
   * cuts it shorter when it is nearer. @default RELAY_DEFAULTS.apiTimeoutMs
   */
  readonly timeoutMs?: number;
  /**
   * Attempts of one call, the first included; retryable statuses, transport failures and 2xx
   * answers that are not JSON or too long spend them. @default RELAY_DEFAULTS.apiMaxAttempts
   */
  readonly maxAttempts?: number;
  /**
   * Least time an attempt needs before the invocation's deadline, in milliseconds.
   * @default RELAY_DEFAULTS.apiMinAttemptMs
   */
  readonly minAttemptMs?: number;
  /** Ceiling of the first backoff delay, in milliseconds. @default 250 */
  readonly retryBaseDelayMs?: number;
  /** Longest delay between two attempts, in milliseconds. @default 20_000 */
  readonly maxRetryDelayMs?: number;
  /** Waits between attempts; tests inject one that records the delays. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Prefix of every operation name in errors. */
const OP = "twelvelabs";

/**
 * The create body the client lets out. The largest file is the provider's configuration, which
 * it checks itself; here the ceiling is S3's largest object, the bound of any relayed file.
 */
const CreateBodySchema = createSessionBodySchema({ maxTotalSize: S3_LIMITS.maxObjectSize });

/** Client of the TwelveLabs multipart-upload API; returns the validated wire objects. */
export class TwelveLabsClient {
  private readonly api: JsonApi;
  private readonly apiKey: string | (() => Promise<string>);

  constructor(options: TwelveLabsClientOptions) {
    const timeoutMs = options.timeoutMs ?? RELAY_DEFAULTS.apiTimeoutMs;
    if (!(timeoutMs > 0)) throw new InvalidInputError("timeoutMs must be > 0");
    this.api = new JsonApi({
      baseUrl: options.baseUrl,
      dispatcher: options.dispatcher,
      timeoutMs,
      // Safe for every call of this API: see the module comment.
      retryMethods: ["GET", "POST"],
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

  /** `POST /assets/multipart-uploads`: opens an upload session. */
  async createSession(body: CreateSessionBody): Promise<CreateSessionAnswer> {
    const operation = `${OP}.createSession`;
    const answer = await this.call({
      operation,
      method: "POST",
      path: "/assets/multipart-uploads",
      body: checkRequest(operation, CreateBodySchema, body),
    });
    return parseAnswer(operation, CreateSessionAnswerSchema, answer);
  }

  /** `POST /assets/multipart-uploads/{id}/presigned-urls`: URLs for chunks `start..start+count-1`. */
  async getPresignedUrls(
    uploadId: string,
    start: number,
    count: number,
  ): Promise<PresignedUrlsAnswer> {
    const operation = `${OP}.getPresignedUrls`;
    const body = checkRequest(operation, PresignedUrlsBodySchema, { start, count });
    const answer = await this.call({
      operation,
      method: "POST",
      path: `${uploadPath(operation, uploadId)}/presigned-urls`,
      body,
    });
    return parseAnswer(operation, PresignedUrlsAnswerSchema, answer);
  }

  /** `POST /assets/multipart-uploads/{id}`: reports uploaded chunks (idempotent on the server). */
  async reportChunks(
    uploadId: string,
    chunks: readonly CompletedChunk[],
  ): Promise<ReportChunksAnswer> {
    const operation = `${OP}.reportChunks`;
    // 1..50 entries, each complete: an empty or oversized batch is refused here, not sent.
    const body = checkRequest(operation, ReportChunksBodySchema, { completed_chunks: [...chunks] });
    const answer = await this.call({
      operation,
      method: "POST",
      path: uploadPath(operation, uploadId),
      body,
    });
    return parseAnswer(operation, ReportChunksAnswerSchema, answer);
  }

  /** `GET /assets/multipart-uploads/{id}`: the session's status and one page of its chunks. */
  async getStatus(uploadId: string, page: number, pageLimit: number): Promise<StatusAnswer> {
    const operation = `${OP}.getStatus`;
    const answer = await this.call({
      operation,
      method: "GET",
      path: uploadPath(operation, uploadId),
      query: pageQuery(operation, page, pageLimit),
    });
    return parseAnswer(operation, StatusAnswerSchema, answer);
  }

  /** `GET /assets/multipart-uploads`: one page of the account's incomplete uploads. */
  async listIncomplete(page: number, pageLimit: number): Promise<ListIncompleteAnswer> {
    const operation = `${OP}.listIncomplete`;
    const answer = await this.call({
      operation,
      method: "GET",
      path: "/assets/multipart-uploads",
      query: pageQuery(operation, page, pageLimit),
    });
    return parseAnswer(operation, ListIncompleteAnswerSchema, answer);
  }

  /**
   * `POST /indexes/{index_id}/indexed-assets`: indexes the uploaded asset `assetId` (its upload
   * must be complete) into the index `indexId`; answers the new indexed asset's `_id`, which
   * {@link getIndexedAsset} follows until its status is `ready` or `failed`.
   *
   * Not idempotent, and retried anyway, like `createSession` (on 429, 5xx and transport
   * failures): every accepted POST creates another indexed asset, and the API documents no
   * deduplication. A retry after an attempt that was processed but whose answer was lost (a
   * 5xx or a reset after processing, a timeout) may therefore index the asset twice. Unlike a
   * duplicate upload session, that duplicate is not harmless: it is indexed (video hours spent)
   * and shows up in the index. It is accepted because it is rare and visible, while not retrying
   * would fail the indexing on every passing error. A caller that must never duplicate records
   * the answered `_id` at once and, before indexing again after a failure of its own, looks for
   * an indexed asset of the asset already (`GET /assets/{asset_id}/indexed-assets`).
   */
  async indexAsset(indexId: string, assetId: string): Promise<IndexAssetAnswer> {
    const operation = `${OP}.indexAsset`;
    // An empty asset id is refused here, not sent.
    const body = checkRequest(operation, IndexAssetBodySchema, { asset_id: assetId });
    const answer = await this.call({
      operation,
      method: "POST",
      path: indexedAssetsPath(operation, indexId),
      body,
    });
    return parseAnswer(operation, IndexAssetAnswerSchema, answer);
  }

  /**
   * `GET /indexes/{index_id}/indexed-assets/{indexed_asset_id}`: the indexed asset, with its
   * indexing `status` (a plain string: unknown values pass, and mean "not final yet").
   */
  async getIndexedAsset(indexId: string, indexedAssetId: string): Promise<IndexedAssetAnswer> {
    const operation = `${OP}.getIndexedAsset`;
    if (!indexedAssetId) throw new InvalidInputError(`${operation}: indexedAssetId is empty`);
    const answer = await this.call({
      operation,
      method: "GET",
      path: `${indexedAssetsPath(operation, indexId)}/${encodeURIComponent(indexedAssetId)}`,
    });
    return parseAnswer(operation, IndexedAssetAnswerSchema, answer);
  }

  /** Adds the key header, and names the key as a secret so no error excerpt can carry it. */
  private async call(call: JsonApiCall): Promise<unknown> {
    const key = typeof this.apiKey === "string" ? this.apiKey : await this.apiKey();
    if (!key) throw new InvalidInputError(`${call.operation}: the API key is empty`);
    return this.api.call({ ...call, headers: { "x-api-key": key }, secrets: [key] });
  }
}

function uploadPath(operation: string, uploadId: string): string {
  if (!uploadId) throw new InvalidInputError(`${operation}: uploadId is empty`);
  return `/assets/multipart-uploads/${encodeURIComponent(uploadId)}`;
}

function indexedAssetsPath(operation: string, indexId: string): string {
  if (!indexId) throw new InvalidInputError(`${operation}: indexId is empty`);
  return `/indexes/${encodeURIComponent(indexId)}/indexed-assets`;
}

/**
 * The page query, checked as the strings the URL will carry: `1.5`, `NaN` or `1e+21` fail as
 * they would on the service.
 */
function pageQuery(operation: string, page: number, pageLimit: number): Record<string, string> {
  const query = { page: String(page), page_limit: String(pageLimit) };
  checkRequest(operation, PageQuerySchema, query);
  return query;
}
