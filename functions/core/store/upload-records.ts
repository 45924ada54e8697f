/**
 * The shapes the relay stores in DynamoDB and where they live: one item per upload and one per
 * chunk, in one table keyed by `pk`/`sk`.
 */

import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { CreateSessionInput, IndexState, SessionFile, UploadSession } from "../provider.js";

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
  /** The dropped object: the video itself, or the manifest of a group. */
  readonly source: SourceObject;
  /**
   * The objects whose bytes are sent, one per file of `request`, in chunk order; absent when
   * that is `source` alone.
   */
  readonly sources?: readonly SourceObject[];
  /** What admit decided to ask the provider for; absent for a record admitted without one. */
  readonly request?: CreateSessionInput;
  readonly status: UploadStatus;
  readonly provider: string;
  readonly uploadId?: string;
  /** The asset id: reserved at creation (TwelveLabs) or recorded at completion (SpatialGen). */
  readonly assetId?: string;
  /** The session's files and where their chunks sit. */
  readonly files?: readonly SessionFile[];
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
  /** TwelveLabs index the asset goes into once the upload completes (its route's). */
  readonly indexId?: string;
  /** The indexing of the asset, once asked for. */
  readonly indexing?: IndexingRecord;
  /** Times an operator redrove the upload after it failed. */
  readonly redrives?: number;
  /** Whether the provider session was given up when the upload last failed. */
  readonly sessionCancelled?: boolean;
}

/** The indexing of a completed upload's asset, as stored. */
export interface IndexingRecord {
  readonly indexId: string;
  /** The provider's indexed asset; null when the index request was refused. */
  readonly indexedAssetId: string | null;
  readonly status: IndexState;
  /** Status reads so far. */
  readonly polls: number;
  /** Epoch ms of the index request. */
  readonly requestedAt: number;
  /** Epoch ms the indexing ended (ready or failed). */
  readonly endedAt?: number;
  /** Why it failed. */
  readonly error?: RecordedError;
}

/** One chunk, as stored. */
export interface ChunkRecord {
  readonly index: number;
  /** Which file of the upload (an index into its `files` and `sources`); absent means 0. */
  readonly file?: number;
  /** First byte in its file, inclusive. */
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
  readonly assetId?: string;
  readonly files: readonly SessionFile[];
  readonly totalChunks: number;
  readonly uploadHeaders: Readonly<Record<string, string>>;
  readonly sessionExpiresAt: number;
}

/** The fields of a provider session the store keeps (its URLs go to the chunk records). */
export function sessionFieldsOf(session: UploadSession): SessionFields {
  return {
    uploadId: session.uploadId,
    ...(session.assetId !== undefined ? { assetId: session.assetId } : {}),
    files: session.files,
    totalChunks: session.plan.length,
    uploadHeaders: session.uploadHeaders,
    sessionExpiresAt: session.expiresAt,
  };
}

/** The objects an upload sends, in file order. */
export function sourcesOf(
  record: Pick<UploadRecord, "source" | "sources">,
): readonly SourceObject[] {
  return record.sources ?? [record.source];
}

/** What to ask the provider for: the admitted request, else the dropped object as one file. */
export function requestOf(record: Pick<UploadRecord, "source" | "request">): CreateSessionInput {
  return (
    record.request ?? {
      files: [
        {
          name: record.source.key.split("/").pop() || record.source.key,
          size: record.source.size,
        },
      ],
    }
  );
}

/** The table the records live in, and the document client that reaches it. */
export interface StoreTable {
  readonly doc: DynamoDBDocumentClient;
  readonly name: string;
}

/** Sort key of an upload's own item. */
export const UPLOAD_SK = "upload";

/** Partition key of an upload and its chunks. */
export const pkOf = (uploadKey: string): string => `upload#${uploadKey}`;

/** Sort key of chunk `index` (zero-padded, so chunks sort in order). */
export const chunkSk = (index: number): string => `chunk#${String(index).padStart(6, "0")}`;

/** The key of an upload's own item. */
export const uploadKeyOf = (uploadKey: string): { pk: string; sk: string } => ({
  pk: pkOf(uploadKey),
  sk: UPLOAD_SK,
});

/** The key of chunk `index` of an upload. */
export const chunkKeyOf = (uploadKey: string, index: number): { pk: string; sk: string } => ({
  pk: pkOf(uploadKey),
  sk: chunkSk(index),
});

/** DynamoDB refused a conditional write: another run got there first, or the state moved on. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string }).name === "ConditionalCheckFailedException";
}

/**
 * Awaits a conditional write: true if it was made, false if its condition refused it. Every
 * conditional write of the relay reads a refusal as "already so" (a repeat, or a state that
 * moved on), never as a failure; any other error is thrown.
 */
export async function conditionally(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** An upload item as a record, without its key and TTL attributes. */
export function toUpload(item: Record<string, unknown>): UploadRecord {
  const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = item;
  return rest as unknown as UploadRecord;
}

/** A chunk item as a record, without its key and TTL attributes. */
export function toChunk(item: Record<string, unknown>): ChunkRecord {
  const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = item;
  return rest as unknown as ChunkRecord;
}
