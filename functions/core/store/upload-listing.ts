/**
 * Read-only views of the store for operators (the `relay` CLI): upload records found by their
 * fields, and each chunk's progress without its presigned URL. Nothing here writes; the relay's
 * own steps never call it.
 */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { getUpload } from "./upload-operations.js";
import {
  type ChunkRecord,
  pkOf,
  type StoreTable,
  toUpload,
  UPLOAD_SK,
  type UploadRecord,
  type UploadStatus,
} from "./upload-records.js";

/** What a chunk's progress needs: never its URL. */
export type ChunkProgress = Pick<ChunkRecord, "index" | "file" | "size" | "etag" | "transferredAt">;

/** Which uploads to list; every field given must match. */
export interface UploadFilter {
  /** Any of these statuses. */
  readonly statuses?: readonly UploadStatus[];
  /** Created at or after this time (epoch ms). */
  readonly since?: number;
  /** The dropped object's bucket. */
  readonly bucket?: string;
  /** The dropped object's key. */
  readonly key?: string;
  /** The dropped object's ETag, without quotes. */
  readonly etag?: string;
}

/** Reads upload records by their fields, and chunk progress, for operators. */
export class UploadListing {
  readonly #table: StoreTable;

  /** A listing over a plain DynamoDB client (wrapped in a document client). */
  static fromClient(client: DynamoDBClient, tableName: string): UploadListing {
    return new UploadListing({ doc: DynamoDBDocumentClient.from(client), name: tableName });
  }

  /** A listing over the table's document client. */
  constructor(table: StoreTable) {
    this.#table = table;
  }

  /** Reads an upload record (strongly consistent), or `undefined`. */
  async get(uploadKey: string): Promise<UploadRecord | undefined> {
    return getUpload(this.#table, uploadKey);
  }

  /**
   * Every upload record matching `filter`, newest first. A Scan of the whole table, paged: the
   * table has no index by status or object key, so this reads every item (chunks too) once.
   */
  async list(filter: UploadFilter = {}): Promise<UploadRecord[]> {
    const conditions = ["sk = :upload"];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":upload": UPLOAD_SK };
    if (filter.statuses && filter.statuses.length > 0) {
      names["#status"] = "status";
      const placeholders = filter.statuses.map((status, i) => {
        values[`:status${i}`] = status;
        return `:status${i}`;
      });
      conditions.push(`#status IN (${placeholders.join(", ")})`);
    }
    if (filter.since !== undefined) {
      values[":since"] = filter.since;
      conditions.push("createdAt >= :since");
    }
    const sourceFields = { bucket: filter.bucket, key: filter.key, etag: filter.etag };
    for (const [field, value] of Object.entries(sourceFields)) {
      if (value === undefined) continue;
      // `source` and `key` are reserved words in DynamoDB expressions.
      names["#source"] = "source";
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      conditions.push(`#source.#${field} = :${field}`);
    }
    const records: UploadRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#table.doc.send(
        new ScanCommand({
          TableName: this.#table.name,
          FilterExpression: conditions.join(" AND "),
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) records.push(toUpload(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return records.sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Every chunk of an upload, in order, with what progress needs: URLs are not even read. */
  async getChunks(uploadKey: string): Promise<ChunkProgress[]> {
    const chunks: ChunkProgress[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#table.doc.send(
        new QueryCommand({
          TableName: this.#table.name,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :chunk)",
          ProjectionExpression: "#index, #file, #size, etag, transferredAt",
          // `index`, `file` and `size` are reserved words in DynamoDB expressions.
          ExpressionAttributeNames: { "#index": "index", "#file": "file", "#size": "size" },
          ExpressionAttributeValues: { ":pk": pkOf(uploadKey), ":chunk": "chunk#" },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of out.Items ?? []) chunks.push(item as ChunkProgress);
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return chunks;
  }
}
