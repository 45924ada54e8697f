/**
 * TwelveLabs behind the relay's {@link Provider} port: report-as-you-go, URLs in start/count
 * windows of at most 50, status paginated 50 chunks a page. Every URL passes the URL policy
 * before it leaves this module. Answers are read leniently (see `twelvelabs-schemas.ts`): this
 * module supplies the defaults of what they leave out.
 */

import { chunkRange } from "../../chunk-plan.js";
import { S3_LIMITS, TWELVELABS_LIMITS } from "../../config/limits.js";
import { InvalidInputError, ProviderResponseError } from "../../errors.js";
import { unquoteEtag } from "../../etag.js";
import type {
  AssetIndexing,
  ChunkProof,
  ChunkUrl,
  CreateSessionInput,
  PlannedChunk,
  Provider,
  ReportResult,
  SessionRef,
  SessionState,
  SessionStatus,
  UploadSession,
} from "../../provider.js";
import type { UrlPolicy } from "../../url-policy.js";
import type { TwelveLabsClient } from "./twelvelabs-client.js";
import type { CompletedChunk } from "./twelvelabs-requests.js";
import type { PresignedUrlChunk } from "./twelvelabs-schemas.js";
import { urlWindows } from "./url-windows.js";

/** Settings of a {@link TwelveLabsProvider}. */
export interface TwelveLabsProviderOptions {
  readonly client: TwelveLabsClient;
  /** Judges every presigned URL the API hands out. */
  readonly urlPolicy: UrlPolicy;
  /** Asset type sent on create. @default TWELVELABS_LIMITS.assetType */
  readonly assetType?: string;
  /** Largest file accepted, in bytes. @default TWELVELABS_LIMITS.maxFileSize */
  readonly maxFileSize?: number;
  /** Clock for the default expiries of answers without one, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** Status pages are never more than a session can have chunks: more means a broken answer. */
const MAX_STATUS_PAGES = Math.ceil(S3_LIMITS.maxParts / TWELVELABS_LIMITS.maxPageLimit);

/** The TwelveLabs implementation of the provider port. */
export class TwelveLabsProvider implements Provider {
  /** Stable provider name, used in records and events. */
  readonly name = "twelvelabs";
  /** Largest file accepted, in bytes. */
  readonly maxFileSize: number;
  private readonly client: TwelveLabsClient;
  private readonly urlPolicy: UrlPolicy;
  private readonly assetType: string;
  private readonly now: () => number;

  constructor(options: TwelveLabsProviderOptions) {
    this.client = options.client;
    this.urlPolicy = options.urlPolicy;
    this.assetType = options.assetType ?? TWELVELABS_LIMITS.assetType;
    this.maxFileSize = options.maxFileSize ?? TWELVELABS_LIMITS.maxFileSize;
    this.now = options.now ?? Date.now;
  }

  /**
   * Indexing into a TwelveLabs index (`POST /indexes/{id}/indexed-assets`, then its status).
   * A status the relay does not know reads as not final yet.
   */
  readonly indexing: AssetIndexing = {
    index: async (indexId, assetId) => (await this.client.indexAsset(indexId, assetId))._id,
    status: async (indexId, indexedAssetId) => {
      const { status } = await this.client.getIndexedAsset(indexId, indexedAssetId);
      return status === "ready" || status === "failed" ? status : "pending";
    },
  };

  /** TwelveLabs takes one file of the accepted size; it states no rule on names. */
  refusals(input: CreateSessionInput): string[] {
    if (input.files.length !== 1) {
      return [`TwelveLabs takes one file per upload, got ${input.files.length}`];
    }
    return [];
  }

  /**
   * Opens a session; checks the chunk plan's arithmetic and every initial URL. Without
   * `total_chunks` the plan is computed; without `expires_at` the session is taken to live
   * {@link TWELVELABS_LIMITS.sessionLifetimeSeconds}.
   */
  async createSession(input: CreateSessionInput): Promise<UploadSession> {
    const operation = "twelvelabs.createSession";
    const [file, ...more] = input.files;
    if (!file || more.length > 0) {
      throw new InvalidInputError(
        `${operation}: TwelveLabs takes one file per upload, got ${input.files.length}`,
      );
    }
    if (!file.name) throw new InvalidInputError(`${operation}: filename is empty`);
    if (!Number.isSafeInteger(file.size) || file.size < 1 || file.size > this.maxFileSize) {
      throw new InvalidInputError(
        `${operation}: size must be an integer in 1..${this.maxFileSize}, got ${file.size}`,
      );
    }
    const answer = await this.client.createSession({
      filename: file.name,
      type: this.assetType,
      total_size: file.size,
    });
    const totalChunks = Math.ceil(file.size / answer.chunk_size);
    if (answer.total_chunks != null && answer.total_chunks !== totalChunks) {
      throw new ProviderResponseError(
        operation,
        `total_chunks ${answer.total_chunks} is not ceil(${file.size} / chunk_size ${answer.chunk_size}) = ${totalChunks}`,
      );
    }
    const urls = this.toChunkUrls(operation, answer.upload_urls ?? []);
    const outOfPlan = urls.find((url) => url.index > totalChunks);
    if (outOfPlan) {
      throw new ProviderResponseError(
        operation,
        `URL for chunk ${outOfPlan.index} of ${totalChunks}`,
      );
    }
    const files = [
      {
        fileId: answer.upload_id,
        size: file.size,
        partSize: answer.chunk_size,
        firstChunk: 1,
        parts: totalChunks,
      },
    ];
    return {
      uploadId: answer.upload_id,
      assetId: answer.asset_id,
      files,
      plan: await this.planOf({ uploadId: answer.upload_id, files }),
      uploadHeaders: { ...(answer.upload_headers ?? {}) },
      urls,
      expiresAt: this.expiry(answer.expires_at, TWELVELABS_LIMITS.sessionLifetimeSeconds),
    };
  }

  /**
   * The plan by the documented geometry: every chunk but the last is exactly `chunk_size`
   * (shared/api-notes.md), so here, unlike SpatialGen, the ranges are the API's own arithmetic.
   */
  async planOf(session: SessionRef): Promise<PlannedChunk[]> {
    const file = session.files[0];
    if (!file || session.files.length > 1) {
      throw new InvalidInputError(`twelvelabs: session ${session.uploadId} must have one file`);
    }
    return Array.from({ length: file.parts }, (_, i) => {
      const { index, start, size } = chunkRange(i + 1, file.partSize, file.size);
      return { index, file: 0, start, size };
    });
  }

  /**
   * Fresh URLs for `indexes`, one per distinct index in ascending order: contiguous runs are
   * asked for in windows of at most 50, one call after the other.
   */
  async getChunkUrls(session: SessionRef, indexes: readonly number[]): Promise<ChunkUrl[]> {
    const { uploadId } = session;
    const operation = "twelvelabs.getPresignedUrls";
    const wanted = [...new Set(indexes)].sort((a, b) => a - b);
    const bad = wanted.find((index) => !Number.isSafeInteger(index) || index < 1);
    if (bad !== undefined) {
      throw new InvalidInputError(`${operation}: chunk index ${bad} is not an integer >= 1`);
    }
    const found = new Map<number, ChunkUrl>();
    for (const window of urlWindows(wanted, TWELVELABS_LIMITS.maxUrlsPerCall)) {
      const answer = await this.client.getPresignedUrls(uploadId, window.start, window.count);
      for (const url of this.toChunkUrls(operation, answer.upload_urls ?? [])) {
        if (url.index >= window.start && url.index < window.start + window.count) {
          found.set(url.index, url);
        }
      }
    }
    return wanted.map((index) => {
      const url = found.get(index);
      if (!url) throw new ProviderResponseError(operation, `no URL for chunk ${index}`);
      return url;
    });
  }

  /**
   * Reports `proofs` in batches of at most 50. With nothing to report it reads the session's
   * completed count instead, so `totalCompleted` is always the provider's. A count that an
   * answer leaves out is left out of the result.
   */
  async reportChunks(session: SessionRef, proofs: readonly ChunkProof[]): Promise<ReportResult> {
    const { uploadId } = session;
    const operation = "twelvelabs.reportChunks";
    const chunks = proofs.map((proof) => toCompletedChunk(operation, proof));
    if (chunks.length === 0) {
      const status = await this.client.getStatus(uploadId, 1, 1);
      return { processed: 0, duplicates: 0, totalCompleted: status.chunks_completed };
    }
    let processed: number | undefined = 0;
    let duplicates: number | undefined = 0;
    let totalCompleted: number | undefined;
    for (let at = 0; at < chunks.length; at += TWELVELABS_LIMITS.maxReportBatch) {
      const batch = chunks.slice(at, at + TWELVELABS_LIMITS.maxReportBatch);
      const answer = await this.client.reportChunks(uploadId, batch);
      processed = sum(processed, answer.processed_chunks);
      duplicates = sum(duplicates, answer.duplicate_chunks);
      totalCompleted = answer.total_completed;
    }
    return { processed, duplicates, totalCompleted };
  }

  /**
   * Reads every status page; the summary comes from the last page read, the most recent.
   * Without `page_info.total_page`, paging goes on while pages come back full, up to the most
   * pages a session can have. An unknown session state reads as `active` (the poll count
   * bounds it); an unknown chunk state as pending, neither completed nor failed.
   */
  async getStatus(session: SessionRef): Promise<SessionStatus> {
    const { uploadId } = session;
    const operation = "twelvelabs.getStatus";
    const pageLimit = TWELVELABS_LIMITS.maxPageLimit;
    const failed = new Set<number>();
    const completed = new Set<number>();
    let listed = true;
    for (let page = 1; ; page++) {
      const answer = await this.client.getStatus(uploadId, page, pageLimit);
      const totalPages = answer.page_info?.total_page;
      if (totalPages !== undefined && totalPages > MAX_STATUS_PAGES) {
        throw new ProviderResponseError(
          operation,
          `page_info.total_page ${totalPages} exceeds ${MAX_STATUS_PAGES}`,
        );
      }
      const chunks = answer.uploaded_chunks;
      if (!chunks) listed = false;
      for (const chunk of chunks ?? []) {
        const state = chunkState(chunk.status);
        if (state === "failed") failed.add(chunk.index);
        if (state === "completed") completed.add(chunk.index);
      }
      const more =
        totalPages !== undefined ? page < totalPages : (chunks?.length ?? 0) >= pageLimit;
      if (!more || page >= MAX_STATUS_PAGES) {
        return {
          state: sessionState(answer.status),
          failedChunks: [...failed].sort((a, b) => a - b),
          completedIndexes: listed ? [...completed].sort((a, b) => a - b) : undefined,
          completedChunks: answer.chunks_completed,
          uploadedSize: answer.uploaded_size,
        };
      }
    }
  }

  /**
   * TwelveLabs documents no cancel call: an abandoned session holds nothing that becomes an
   * asset, and expires after 24 h. Nothing to do, and nothing given up: false.
   */
  async cancel(_session: SessionRef): Promise<boolean> {
    return false;
  }

  /** Checks every URL with the policy and keeps one per chunk, in index order. */
  private toChunkUrls(operation: string, chunks: readonly PresignedUrlChunk[]): ChunkUrl[] {
    const byIndex = new Map<number, ChunkUrl>();
    for (const chunk of chunks) {
      this.urlPolicy.check(chunk.url);
      if (byIndex.has(chunk.chunk_index)) {
        throw new ProviderResponseError(operation, `two URLs for chunk ${chunk.chunk_index}`);
      }
      byIndex.set(chunk.chunk_index, {
        index: chunk.chunk_index,
        url: chunk.url,
        expiresAt: this.expiry(chunk.expires_at, TWELVELABS_LIMITS.urlLifetimeSeconds),
      });
    }
    return [...byIndex.values()].sort((a, b) => a.index - b.index);
  }

  /** `expiresAt` read from the answer, or now + the documented lifetime when it has none. */
  private expiry(expiresAt: string | undefined, lifetimeSeconds: number): number {
    return expiresAt !== undefined ? Date.parse(expiresAt) : this.now() + lifetimeSeconds * 1000;
  }
}

/** The port's state for a session status string; anything unknown is still `active`. */
function sessionState(status: string): SessionState {
  const known = status.toLowerCase();
  return known === "completed" || known === "failed" || known === "expired" ? known : "active";
}

/** A chunk status string as `completed`, `failed` or `pending` (anything else). */
function chunkState(status: string | undefined): "completed" | "failed" | "pending" {
  const known = status?.toLowerCase();
  return known === "completed" || known === "failed" ? known : "pending";
}

/** `a + b`, or `undefined` once either is unknown. */
function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}

/** One proof as the report call carries it; the ETag goes without quotes, as the SDK sends it. */
function toCompletedChunk(operation: string, proof: ChunkProof): CompletedChunk {
  const etag = unquoteEtag(proof.etag);
  if (!Number.isSafeInteger(proof.index) || proof.index < 1) {
    throw new InvalidInputError(`${operation}: chunk index ${proof.index} is not an integer >= 1`);
  }
  if (!Number.isSafeInteger(proof.size) || proof.size < 1) {
    throw new InvalidInputError(`${operation}: chunk ${proof.index} has size ${proof.size}`);
  }
  if (!etag) throw new InvalidInputError(`${operation}: chunk ${proof.index} has no ETag`);
  return { chunk_index: proof.index, proof: etag, proof_type: "etag", chunk_size: proof.size };
}
