/**
 * Reads and writes of an upload's chunk items. Writes to many chunks run a bounded number at a
 * time; each names the attributes it touches that need a placeholder (`url` is reserved).
 */

import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { runBounded } from "../run-bounded.js";
import {
  type ChunkRecord,
  chunkKeyOf,
  chunkSk,
  conditionally,
  pkOf,
  type StoreTable,
  toChunk,
} from "./upload-records.js";

/** Chunk writes in flight at once. */
const PARALLEL_UPDATES = 16;

/** Placeholder for the reserved attribute name `url`. */
const URL_NAME = { "#url": "url" } as const;

/** Writes the chunk records that do not exist yet; existing ones are left as they are. */
export async function putMissingChunks(
  table: StoreTable,
  uploadKey: string,
  chunks: readonly ChunkRecord[],
  ttl: number,
): Promise<void> {
  await putChunkItems(table, uploadKey, chunks, ttl, true);
}

/**
 * Writes the chunk records of a new plan over whatever was there (a redrive's new session):
 * the old session's ETags and URLs are gone with it.
 */
export async function putChunks(
  table: StoreTable,
  uploadKey: string,
  chunks: readonly ChunkRecord[],
  ttl: number,
): Promise<void> {
  await putChunkItems(table, uploadKey, chunks, ttl, false);
}

/** Puts chunk items, a bounded number at once; `onlyMissing` leaves existing ones as they are. */
async function putChunkItems(
  table: StoreTable,
  uploadKey: string,
  chunks: readonly ChunkRecord[],
  ttl: number,
  onlyMissing: boolean,
): Promise<void> {
  await runBounded(chunks, PARALLEL_UPDATES, async (chunk) => {
    await conditionally(
      table.doc.send(
        new PutCommand({
          TableName: table.name,
          Item: { pk: pkOf(uploadKey), sk: chunkSk(chunk.index), ttl, ...chunk },
          ...(onlyMissing ? { ConditionExpression: "attribute_not_exists(pk)" } : {}),
        }),
      ),
    );
  });
}

/** Chunks `first..last` (inclusive), in order, read strongly consistent across pages. */
export async function queryChunks(
  table: StoreTable,
  uploadKey: string,
  first: number,
  last: number,
): Promise<ChunkRecord[]> {
  const chunks: ChunkRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await table.doc.send(
      new QueryCommand({
        TableName: table.name,
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

/** Records a chunk's ETag and transfer time, and drops its URL and any report of it. */
export async function setChunkTransferred(
  table: StoreTable,
  uploadKey: string,
  index: number,
  etag: string,
  now: number,
): Promise<void> {
  await updateChunk(table, uploadKey, index, {
    expression: "SET etag = :etag, transferredAt = :now REMOVE #url, urlExpiresAt, reportedAt",
    names: URL_NAME,
    values: { ":etag": etag, ":now": now },
  });
}

/** Removes the URL and its expiry from each chunk. */
export async function removeChunkUrls(
  table: StoreTable,
  uploadKey: string,
  indexes: readonly number[],
): Promise<void> {
  await updateEach(table, uploadKey, indexes, {
    expression: "REMOVE #url, urlExpiresAt",
    names: URL_NAME,
  });
}

/** Stamps each chunk as reported at `now`. */
export async function setChunksReported(
  table: StoreTable,
  uploadKey: string,
  indexes: readonly number[],
  now: number,
): Promise<void> {
  await updateEach(table, uploadKey, indexes, {
    expression: "SET reportedAt = :now",
    values: { ":now": now },
  });
}

/** Removes each chunk's transfer and report, and adds one to its resend count. */
export async function resetChunkTransfers(
  table: StoreTable,
  uploadKey: string,
  indexes: readonly number[],
): Promise<void> {
  await updateEach(table, uploadKey, indexes, {
    expression: "REMOVE etag, transferredAt, reportedAt ADD resends :one",
    values: { ":one": 1 },
  });
}

/** One update of an existing chunk item: the expression and the names and values it uses. */
interface ChunkUpdate {
  readonly expression: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, unknown>>;
}

/** The same update of each chunk in `indexes`, a bounded number at a time. */
function updateEach(
  table: StoreTable,
  uploadKey: string,
  indexes: readonly number[],
  update: ChunkUpdate,
): Promise<void> {
  return runBounded(indexes, PARALLEL_UPDATES, (index) =>
    updateChunk(table, uploadKey, index, update),
  );
}

async function updateChunk(
  table: StoreTable,
  uploadKey: string,
  index: number,
  { expression, names, values }: ChunkUpdate,
): Promise<void> {
  await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: chunkKeyOf(uploadKey, index),
      UpdateExpression: expression,
      ConditionExpression: "attribute_exists(pk)",
      ...(names ? { ExpressionAttributeNames: { ...names } } : {}),
      ...(values ? { ExpressionAttributeValues: { ...values } } : {}),
    }),
  );
}
