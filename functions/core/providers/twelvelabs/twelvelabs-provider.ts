/**
 * TwelveLabs behind the relay's {@link Provider} port: report-as-you-go, URLs in start/count
 * windows of at most 50, status paginated 50 chunks a page. Every URL passes the URL policy
 * before it leaves this module.
 */

import { S3_LIMITS, TWELVELABS_LIMITS } from "../../config.js";
import { InvalidInputError, ProviderResponseError } from "../../errors.js";
import type {
  ChunkProof,
  ChunkUrl,
  CreateSessionInput,
  Provider,
  ReportResult,
  SessionStatus,
  UploadSession,
} from "../../provider.js";
import type { UrlPolicy } from "../../url-policy.js";
import type { TwelveLabsClient } from "./twelvelabs-client.js";
import type { CompletedChunk, PresignedUrlChunk } from "./twelvelabs-schemas.js";
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

  constructor(options: TwelveLabsProviderOptions) {
    this.client = options.client;
    this.urlPolicy = options.urlPolicy;
    this.assetType = options.assetType ?? TWELVELABS_LIMITS.assetType;
    this.maxFileSize = options.maxFileSize ?? TWELVELABS_LIMITS.maxFileSize;
  }

  /** Opens a session; checks the chunk plan's arithmetic and every initial URL. */
  async createSession(input: CreateSessionInput): Promise<UploadSession> {
    const operation = "twelvelabs.createSession";
    if (!input.filename) throw new InvalidInputError(`${operation}: filename is empty`);
    if (!Number.isSafeInteger(input.size) || input.size < 1 || input.size > this.maxFileSize) {
      throw new InvalidInputError(
        `${operation}: size must be an integer in 1..${this.maxFileSize}, got ${input.size}`,
      );
    }
    const answer = await this.client.createSession({
      filename: input.filename,
      type: this.assetType,
      total_size: input.size,
    });
    const expected = Math.ceil(input.size / answer.chunk_size);
    if (answer.total_chunks !== expected) {
      throw new ProviderResponseError(
        operation,
        `total_chunks ${answer.total_chunks} is not ceil(${input.size} / chunk_size ${answer.chunk_size}) = ${expected}`,
      );
    }
    const urls = this.toChunkUrls(operation, answer.upload_urls ?? []);
    const outOfPlan = urls.find((url) => url.index > answer.total_chunks);
    if (outOfPlan) {
      throw new ProviderResponseError(
        operation,
        `URL for chunk ${outOfPlan.index} of ${answer.total_chunks}`,
      );
    }
    return {
      uploadId: answer.upload_id,
      assetId: answer.asset_id,
      chunkSize: answer.chunk_size,
      totalChunks: answer.total_chunks,
      uploadHeaders: { ...(answer.upload_headers ?? {}) },
      urls,
      expiresAt: Date.parse(answer.expires_at),
    };
  }

  /**
   * Fresh URLs for `indexes`, one per distinct index in ascending order: contiguous runs are
   * asked for in windows of at most 50, one call after the other.
   */
  async getChunkUrls(uploadId: string, indexes: readonly number[]): Promise<ChunkUrl[]> {
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
   * completed count instead, so `totalCompleted` is always the provider's.
   */
  async reportChunks(uploadId: string, proofs: readonly ChunkProof[]): Promise<ReportResult> {
    const operation = "twelvelabs.reportChunks";
    const chunks = proofs.map((proof) => toCompletedChunk(operation, proof));
    if (chunks.length === 0) {
      const status = await this.client.getStatus(uploadId, 1, 1);
      return { processed: 0, duplicates: 0, totalCompleted: status.chunks_completed };
    }
    let processed = 0;
    let duplicates = 0;
    let totalCompleted = 0;
    for (let at = 0; at < chunks.length; at += TWELVELABS_LIMITS.maxReportBatch) {
      const batch = chunks.slice(at, at + TWELVELABS_LIMITS.maxReportBatch);
      const answer = await this.client.reportChunks(uploadId, batch);
      processed += answer.processed_chunks;
      duplicates += answer.duplicate_chunks;
      totalCompleted = answer.total_completed;
    }
    return { processed, duplicates, totalCompleted };
  }

  /** Reads every status page; the summary comes from the last page read, the most recent. */
  async getStatus(uploadId: string): Promise<SessionStatus> {
    const operation = "twelvelabs.getStatus";
    const failed = new Set<number>();
    for (let page = 1; ; page++) {
      const answer = await this.client.getStatus(uploadId, page, TWELVELABS_LIMITS.maxPageLimit);
      const totalPages = answer.page_info.total_page;
      if (totalPages > MAX_STATUS_PAGES) {
        throw new ProviderResponseError(
          operation,
          `page_info.total_page ${totalPages} exceeds ${MAX_STATUS_PAGES}`,
        );
      }
      for (const chunk of answer.uploaded_chunks ?? []) {
        if (chunk.status === "failed") failed.add(chunk.index);
      }
      if (page >= totalPages) {
        return {
          state: answer.status,
          failedChunks: [...failed].sort((a, b) => a - b),
          completedChunks: answer.chunks_completed,
          uploadedSize: answer.uploaded_size,
        };
      }
    }
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
        expiresAt: Date.parse(chunk.expires_at),
      });
    }
    return [...byIndex.values()].sort((a, b) => a.index - b.index);
  }
}

/** One proof as the report call carries it; the ETag goes without quotes, as the SDK sends it. */
function toCompletedChunk(operation: string, proof: ChunkProof): CompletedChunk {
  const etag = proof.etag.replace(/^"(.*)"$/, "$1");
  if (!Number.isSafeInteger(proof.index) || proof.index < 1) {
    throw new InvalidInputError(`${operation}: chunk index ${proof.index} is not an integer >= 1`);
  }
  if (!Number.isSafeInteger(proof.size) || proof.size < 1) {
    throw new InvalidInputError(`${operation}: chunk ${proof.index} has size ${proof.size}`);
  }
  if (!etag) throw new InvalidInputError(`${operation}: chunk ${proof.index} has no ETag`);
  return { chunk_index: proof.index, proof: etag, proof_type: "etag", chunk_size: proof.size };
}
