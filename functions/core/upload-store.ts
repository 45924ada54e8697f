/**
 * The relay's state in DynamoDB: one item per upload and one per chunk, in one table keyed by
 * `pk`/`sk`. Every write is a single-item conditional write or an idempotent update, so a step
 * repeated by Lambda or Step Functions finds its work done (DynamoDB Local servers without
 * transactions work too). Presigned URLs live here, never in the state machine.
 *
 * This class is the entry point; the records and keys live in `store/upload-records.ts`, the
 * requests in `store/upload-operations.ts` and `store/chunk-operations.ts`.
 */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { UploadStateError } from "./errors.js";
import {
  putChunks,
  putMissingChunks,
  queryChunks,
  removeChunkUrls,
  resetChunkTransfers,
  setChunksReported,
  setChunkTransferred,
} from "./store/chunk-operations.js";
import {
  addIndexPoll,
  addPoll,
  createUpload,
  endIndexing,
  getUpload,
  type NewUpload,
  openTransfer,
  reopenUpload,
  replaceSession,
  saveSession,
  setAsset,
  setOutcome,
  startIndexing,
} from "./store/upload-operations.js";
import type {
  ChunkRecord,
  IndexingRecord,
  RecordedError,
  SessionFields,
  SourceObject,
  StoreTable,
  UploadRecord,
} from "./store/upload-records.js";

export {
  type ChunkRecord,
  type IndexingRecord,
  type RecordedError,
  requestOf,
  type SessionFields,
  type SourceObject,
  sessionFieldsOf,
  sourcesOf,
  type UploadRecord,
  type UploadStatus,
} from "./store/upload-records.js";

/** Options of {@link UploadStore}. */
export interface UploadStoreOptions {
  readonly tableName: string;
  /** Days an upload's items are kept (DynamoDB TTL). @default 90 */
  readonly retentionDays?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** Reads and writes upload and chunk records. */
export class UploadStore {
  readonly #table: StoreTable;
  readonly #retentionMs: number;
  readonly #now: () => number;

  /** A store over a plain DynamoDB client (wrapped in a document client). */
  static fromClient(client: DynamoDBClient, options: UploadStoreOptions): UploadStore {
    const doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    return new UploadStore(doc, options);
  }

  /** A store over a document client (which must drop undefined values when marshalling). */
  constructor(doc: DynamoDBDocumentClient, options: UploadStoreOptions) {
    this.#table = { doc, name: options.tableName };
    this.#retentionMs = (options.retentionDays ?? 90) * 86_400_000;
    this.#now = options.now ?? Date.now;
  }

  /** TTL value (epoch seconds) for items written now. */
  #ttl(): number {
    return Math.floor((this.#now() + this.#retentionMs) / 1000);
  }

  /** Reads an upload record, or `undefined`. */
  async get(uploadKey: string): Promise<UploadRecord | undefined> {
    return getUpload(this.#table, uploadKey);
  }

  /** Reads an upload record that must exist. */
  async require(uploadKey: string): Promise<UploadRecord> {
    const record = await this.get(uploadKey);
    if (!record) throw new UploadStateError(`upload ${uploadKey} is not in the store`);
    return record;
  }

  /**
   * Claims an object: writes its record unless one exists. Returns the stored record and
   * whether this call created it, so a repeated admit sees the first one's decision.
   */
  async claim(
    uploadKey: string,
    source: SourceObject,
    provider: string,
    rejection?: RecordedError,
    group?: Pick<NewUpload, "sources" | "request" | "indexId">,
  ): Promise<{ created: boolean; record: UploadRecord }> {
    const now = this.#now();
    const created = await createUpload(
      this.#table,
      { uploadKey, source, provider, ...(rejection ? { rejection } : {}), ...group },
      now,
      this.#ttl(),
    );
    if (created) return { created: true, record: created };
    return { created: false, record: await this.require(uploadKey) };
  }

  /**
   * Claims the upload for a provider session: saves the session if the upload is admitted and
   * has none yet. Returns false when another session was claimed first (an overlapping run of
   * the step); that session stands, and the caller's own is abandoned.
   */
  async claimSession(uploadKey: string, session: SessionFields): Promise<boolean> {
    return saveSession(this.#table, uploadKey, session, this.#now());
  }

  /**
   * Stores the chunk plan of the claimed session `uploadId` and opens the upload for transfer.
   * Only missing chunk records are written (a conditional put each), so a repeated or
   * overlapping run never overwrites a chunk another step has moved on; then the upload turns
   * `transferring`, which no step before this one sees.
   */
  async savePlan(
    uploadKey: string,
    uploadId: string,
    chunks: readonly ChunkRecord[],
  ): Promise<void> {
    await putMissingChunks(this.#table, uploadKey, chunks, this.#ttl());
    await openTransfer(this.#table, uploadKey, uploadId, this.#now());
  }

  /**
   * Records that the asset of a completed upload was sent to be indexed (`indexedAssetId`, or
   * null when the request was refused: then `error` says why and it has ended). False when
   * an overlapping run recorded its request first.
   */
  async startIndexing(
    uploadKey: string,
    indexId: string,
    indexedAssetId: string | null,
    error?: RecordedError,
  ): Promise<boolean> {
    const now = this.#now();
    const indexing: IndexingRecord = {
      indexId,
      indexedAssetId,
      status: error ? "failed" : "pending",
      polls: 0,
      requestedAt: now,
      ...(error ? { endedAt: now, error } : {}),
    };
    return startIndexing(this.#table, uploadKey, indexing);
  }

  /** Counts one more status read of a pending indexing; answers the count. */
  async countIndexPoll(uploadKey: string): Promise<number> {
    return addIndexPoll(this.#table, uploadKey);
  }

  /** Ends a pending indexing; false if it had ended already (a repeated step). */
  async endIndexing(
    uploadKey: string,
    status: "ready" | "failed",
    error?: RecordedError,
  ): Promise<boolean> {
    return endIndexing(this.#table, uploadKey, status, error, this.#now());
  }

  /** Reopens a failed upload for a redrive; false if it was not failed. */
  async reopen(uploadKey: string): Promise<boolean> {
    return reopenUpload(this.#table, uploadKey, this.#now());
  }

  /**
   * Replaces a redriven upload's dead session `oldUploadId` with `session`, after writing the
   * new session's chunk plan over the old one's. False when an overlapping run replaced it
   * first (the plan it wrote is the same file's, and its session stands).
   */
  async replaceSession(
    uploadKey: string,
    oldUploadId: string,
    session: SessionFields,
    chunks: readonly ChunkRecord[],
  ): Promise<boolean> {
    await putChunks(this.#table, uploadKey, chunks, this.#ttl());
    return replaceSession(this.#table, uploadKey, oldUploadId, session, this.#now());
  }

  /** Chunks `first..last` (inclusive), in order. */
  async getChunks(uploadKey: string, first = 1, last = 999_999): Promise<ChunkRecord[]> {
    return queryChunks(this.#table, uploadKey, first, last);
  }

  /** Records a chunk's ETag; its URL is dropped, since the provider's URLs are single-use. */
  async recordTransferred(uploadKey: string, index: number, etag: string): Promise<void> {
    await setChunkTransferred(this.#table, uploadKey, index, etag, this.#now());
  }

  /** Drops the URLs of chunks whose PUT failed, so the next attempt asks for fresh ones. */
  async dropUrls(uploadKey: string, indexes: readonly number[]): Promise<void> {
    await removeChunkUrls(this.#table, uploadKey, indexes);
  }

  /** Marks chunks as accepted by the provider. */
  async recordReported(uploadKey: string, indexes: readonly number[]): Promise<void> {
    await setChunksReported(this.#table, uploadKey, indexes, this.#now());
  }

  /**
   * Forgets the transfer of chunks the provider marked failed or does not hold, so they are
   * sent again, and counts each such resend.
   */
  async resetChunks(uploadKey: string, indexes: readonly number[]): Promise<void> {
    await resetChunkTransfers(this.#table, uploadKey, indexes);
  }

  /** Counts one more status poll and returns the count. */
  async countPoll(uploadKey: string): Promise<number> {
    return addPoll(this.#table, uploadKey, this.#now());
  }

  /**
   * Records the asset id a provider gives at completion only. False when the upload already
   * holds another id (a provider that changed its answer): the first one stands.
   */
  async recordAsset(uploadKey: string, assetId: string): Promise<boolean> {
    return setAsset(this.#table, uploadKey, assetId, this.#now());
  }

  /** Marks the upload completed. Returns false if it already was (a repeated finish). */
  async markCompleted(uploadKey: string): Promise<boolean> {
    return setOutcome(
      this.#table,
      uploadKey,
      "completed",
      undefined,
      ["transferring"],
      this.#now(),
    );
  }

  /**
   * Marks the upload failed with the reason, unless it is completed or already rejected (a
   * rejection keeps its own reason), and whether its session was given up. Returns false if
   * nothing changed.
   */
  async markFailed(
    uploadKey: string,
    error: RecordedError,
    sessionCancelled?: boolean,
  ): Promise<boolean> {
    return setOutcome(
      this.#table,
      uploadKey,
      "failed",
      error,
      ["admitted", "transferring"],
      this.#now(),
      sessionCancelled,
    );
  }
}
