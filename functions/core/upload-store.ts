/**
 * The relay's state in DynamoDB: one item per upload and one per chunk, in one table keyed by
 * `pk`/`sk`. Every write is a single-item conditional write or an idempotent update, so a step
 * repeated by Lambda or Step Functions finds its work done (DynamoDB Local servers without
 * transactions work too). Presigned URLs live here, never in the state machine.
 */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { UploadStateError } from "./errors.js";
import type { ChunkUrl, UploadSession } from "./provider.js";
import { runBounded } from "./run-bounded.js";

/** The S3 object an upload relays. */
export interface SourceObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  /** ETag without quotes. */
  readonly etag: string;
  readonly size: number;
}

/** Where an upload stands. */
export type UploadStatus = "admitted" | "transferring" | "completed" | "failed" | "rejected";

/** What went wrong, as recorded for operators. */
export interface RecordedError {
  readonly code: string;
  readonly message: string;
}

/** One upload, as stored. */
export interface UploadRecord {
  readonly uploadKey: string;
  readonly source: SourceObject;
  readonly status: UploadStatus;
  readonly provider: string;
  readonly uploadId?: string;
  readonly assetId?: string;
  readonly chunkSize?: number;
  readonly totalChunks?: number;
  readonly uploadHeaders?: Readonly<Record<string, string>>;
  /** Epoch ms. */
  readonly sessionExpiresAt?: number;
  readonly polls: number;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms. */
  readonly updatedAt: number;
  /** Epoch ms. */
  readonly completedAt?: number;
  readonly error?: RecordedError;
}

/** One chunk, as stored. */
export interface ChunkRecord {
  readonly index: number;
  /** First byte, inclusive. */
  readonly start: number;
  readonly size: number;
  readonly url?: string;
  /** Epoch ms. */
  readonly urlExpiresAt?: number;
  readonly etag?: string;
  readonly transferredAt?: number;
  readonly reportedAt?: number;
  /** Times the chunk was forgotten to be sent again (provider marked it failed, or lacked it). */
  readonly resends?: number;
}

/** Session details saved when the provider session opens. */
export interface SessionFields {
  readonly uploadId: string;
  readonly assetId: string;
  readonly chunkSize: number;
  readonly totalChunks: number;
  readonly uploadHeaders: Readonly<Record<string, string>>;
  readonly sessionExpiresAt: number;
}

/** The fields of a provider session the store keeps (its URLs go to the chunk records). */
export function sessionFieldsOf(session: UploadSession): SessionFields {
  return {
    uploadId: session.uploadId,
    assetId: session.assetId,
    chunkSize: session.chunkSize,
    totalChunks: session.totalChunks,
    uploadHeaders: session.uploadHeaders,
    sessionExpiresAt: session.expiresAt,
  };
}

/** Options of {@link UploadStore}. */
export interface UploadStoreOptions {
  readonly tableName: string;
  /** Days an upload's items are kept (DynamoDB TTL). @default 90 */
  readonly retentionDays?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

const UPLOAD_SK = "upload";
const PARALLEL_UPDATES = 16;

const pkOf = (uploadKey: string): string => `upload#${uploadKey}`;
const chunkSk = (index: number): string => `chunk#${String(index).padStart(6, "0")}`;

/** Reads and writes upload and chunk records. */
export class UploadStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #retentionMs: number;
  readonly #now: () => number;

  /** A store over a plain DynamoDB client (wrapped in a document client). */
  static fromClient(client: DynamoDBClient, options: UploadStoreOptions): UploadStore {
    const doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    return new UploadStore(doc, options);
  }

  constructor(doc: DynamoDBDocumentClient, options: UploadStoreOptions) {
    this.#doc = doc;
    this.#table = options.tableName;
    this.#retentionMs = (options.retentionDays ?? 90) * 86_400_000;
    this.#now = options.now ?? Date.now;
  }

  /** TTL value (epoch seconds) for items written now. */
  #ttl(): number {
    return Math.floor((this.#now() + this.#retentionMs) / 1000);
  }

  /** Reads an upload record, or `undefined`. */
  async get(uploadKey: string): Promise<UploadRecord | undefined> {
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: pkOf(uploadKey), sk: UPLOAD_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toUpload(out.Item) : undefined;
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
  ): Promise<{ created: boolean; record: UploadRecord }> {
    const now = this.#now();
    const item = {
      pk: pkOf(uploadKey),
      sk: UPLOAD_SK,
      uploadKey,
      source,
      provider,
      status: rejection ? "rejected" : "admitted",
      polls: 0,
      createdAt: now,
      updatedAt: now,
      ttl: this.#ttl(),
      ...(rejection ? { error: rejection } : {}),
    };
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { created: true, record: toUpload(item) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { created: false, record: await this.require(uploadKey) };
    }
  }

  /**
   * Claims the upload for a provider session: saves the session if the upload is admitted and
   * has none yet. Returns false when another session was claimed first (an overlapping run of
   * the step); that session stands, and the caller's own is abandoned.
   */
  async claimSession(uploadKey: string, session: SessionFields): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: pkOf(uploadKey), sk: UPLOAD_SK },
          UpdateExpression:
            "SET uploadId = :uploadId, assetId = :assetId, chunkSize = :chunkSize, " +
            "totalChunks = :totalChunks, uploadHeaders = :uploadHeaders, " +
            "sessionExpiresAt = :sessionExpiresAt, updatedAt = :now",
          ConditionExpression: "#status = :admitted AND attribute_not_exists(uploadId)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":uploadId": session.uploadId,
            ":assetId": session.assetId,
            ":chunkSize": session.chunkSize,
            ":totalChunks": session.totalChunks,
            ":uploadHeaders": session.uploadHeaders,
            ":sessionExpiresAt": session.sessionExpiresAt,
            ":admitted": "admitted",
            ":now": this.#now(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
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
    const ttl = this.#ttl();
    await runBounded(chunks, PARALLEL_UPDATES, async (chunk) => {
      try {
        await this.#doc.send(
          new PutCommand({
            TableName: this.#table,
            Item: { pk: pkOf(uploadKey), sk: chunkSk(chunk.index), ttl, ...chunk },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    });
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: pkOf(uploadKey), sk: UPLOAD_SK },
          UpdateExpression: "SET #status = :transferring, updatedAt = :now",
          ConditionExpression: "uploadId = :uploadId AND #status = :admitted",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":uploadId": uploadId,
            ":transferring": "transferring",
            ":admitted": "admitted",
            ":now": this.#now(),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Already opened by an overlapping run, or ended meanwhile: the caller re-reads it.
    }
  }

  /** Chunks `first..last` (inclusive), in order. */
  async getChunks(uploadKey: string, first = 1, last = 999_999): Promise<ChunkRecord[]> {
    const chunks: ChunkRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: {
            ":pk": pkOf(uploadKey),
            ":from": chunkSk(first),
            ":to": chunkSk(last),
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) chunks.push(toChunk(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return chunks;
  }

  /** Stores fresh presigned URLs for their chunks. */
  async saveUrls(uploadKey: string, urls: readonly ChunkUrl[]): Promise<void> {
    await runBounded(urls, PARALLEL_UPDATES, (url) =>
      this.#updateChunk(uploadKey, url.index, "SET #url = :url, urlExpiresAt = :exp", {
        ":url": url.url,
        ":exp": url.expiresAt,
      }),
    );
  }

  /** Records a chunk's ETag; its URL is dropped, since the provider's URLs are single-use. */
  async recordTransferred(uploadKey: string, index: number, etag: string): Promise<void> {
    await this.#updateChunk(
      uploadKey,
      index,
      "SET etag = :etag, transferredAt = :now REMOVE #url, urlExpiresAt, reportedAt",
      { ":etag": etag, ":now": this.#now() },
    );
  }

  /** Drops the URLs of chunks whose PUT failed, so the next attempt asks for fresh ones. */
  async dropUrls(uploadKey: string, indexes: readonly number[]): Promise<void> {
    await runBounded(indexes, PARALLEL_UPDATES, (index) =>
      this.#updateChunk(uploadKey, index, "REMOVE #url, urlExpiresAt", {}),
    );
  }

  /** Marks chunks as accepted by the provider. */
  async recordReported(uploadKey: string, indexes: readonly number[]): Promise<void> {
    const now = this.#now();
    await runBounded(indexes, PARALLEL_UPDATES, (index) =>
      this.#updateChunk(uploadKey, index, "SET reportedAt = :now", { ":now": now }),
    );
  }

  /**
   * Forgets the transfer of chunks the provider marked failed or does not hold, so they are
   * sent again, and counts each such resend.
   */
  async resetChunks(uploadKey: string, indexes: readonly number[]): Promise<void> {
    await runBounded(indexes, PARALLEL_UPDATES, (index) =>
      this.#updateChunk(
        uploadKey,
        index,
        "REMOVE etag, transferredAt, reportedAt ADD resends :one",
        {
          ":one": 1,
        },
      ),
    );
  }

  /** Counts one more status poll and returns the count. */
  async countPoll(uploadKey: string): Promise<number> {
    const out = await this.#doc.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: pkOf(uploadKey), sk: UPLOAD_SK },
        UpdateExpression: "ADD polls :one SET updatedAt = :now",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":one": 1, ":now": this.#now() },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(out.Attributes?.polls ?? 0);
  }

  /** Marks the upload completed. Returns false if it already was (a repeated finish). */
  async markCompleted(uploadKey: string): Promise<boolean> {
    return this.#setOutcome(uploadKey, "completed", undefined, ["transferring"]);
  }

  /**
   * Marks the upload failed with the reason, unless it is completed or already rejected (a
   * rejection keeps its own reason). Returns false if nothing changed.
   */
  async markFailed(uploadKey: string, error: RecordedError): Promise<boolean> {
    return this.#setOutcome(uploadKey, "failed", error, ["admitted", "transferring"]);
  }

  async #setOutcome(
    uploadKey: string,
    status: UploadStatus,
    error: RecordedError | undefined,
    from: readonly UploadStatus[],
  ): Promise<boolean> {
    const now = this.#now();
    const fromNames = from.map((_, i) => `:from${i}`);
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: pkOf(uploadKey), sk: UPLOAD_SK },
          UpdateExpression: `SET #status = :status, completedAt = :now, updatedAt = :now${
            error ? ", #error = :error" : ""
          }`,
          ConditionExpression: `#status IN (${fromNames.join(", ")})`,
          ExpressionAttributeNames: {
            "#status": "status",
            ...(error ? { "#error": "error" } : {}),
          },
          ExpressionAttributeValues: {
            ":status": status,
            ":now": now,
            ...(error ? { ":error": error } : {}),
            ...Object.fromEntries(from.map((s, i) => [`:from${i}`, s])),
          },
        }),
      );
      return true;
    } catch (caught) {
      if (isConditionFailure(caught)) return false;
      throw caught;
    }
  }

  async #updateChunk(
    uploadKey: string,
    index: number,
    expression: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    const usesUrl = expression.includes("#url");
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: pkOf(uploadKey), sk: chunkSk(index) },
        UpdateExpression: expression,
        ConditionExpression: "attribute_exists(pk)",
        ...(usesUrl ? { ExpressionAttributeNames: { "#url": "url" } } : {}),
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }
}

/** DynamoDB refused a conditional write: another run got there first, or the state moved on. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string }).name === "ConditionalCheckFailedException";
}

function toUpload(item: Record<string, unknown>): UploadRecord {
  const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = item;
  return rest as unknown as UploadRecord;
}

function toChunk(item: Record<string, unknown>): ChunkRecord {
  const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = item;
  return rest as unknown as ChunkRecord;
}
