/**
 * Reads and writes of an upload's own item. Each is one request: a conditional write where a
 * repeated or overlapping step must find the work done, an idempotent update otherwise.
 */

import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { CreateSessionInput } from "../provider.js";
import {
  conditionally,
  type IndexingRecord,
  pkOf,
  type RecordedError,
  type SessionFields,
  type SourceObject,
  type StoreTable,
  toUpload,
  UPLOAD_SK,
  type UploadRecord,
  type UploadStatus,
  uploadKeyOf,
} from "./upload-records.js";

/** What a new upload item holds besides its key and clock fields. */
export interface NewUpload {
  readonly uploadKey: string;
  readonly source: SourceObject;
  readonly provider: string;
  /** The objects sent, when not `source` alone (a group's files). */
  readonly sources?: readonly SourceObject[];
  /** What to ask the provider for. */
  readonly request?: CreateSessionInput;
  /** Set when the upload is refused at admission. */
  readonly rejection?: RecordedError;
  /** Index the asset goes into once the upload completes. */
  readonly indexId?: string;
}

/** Reads an upload record (strongly consistent), or `undefined`. */
export async function getUpload(
  table: StoreTable,
  uploadKey: string,
): Promise<UploadRecord | undefined> {
  const out = await table.doc.send(
    new GetCommand({
      TableName: table.name,
      Key: uploadKeyOf(uploadKey),
      ConsistentRead: true,
    }),
  );
  return out.Item ? toUpload(out.Item) : undefined;
}

/** Writes a new upload record unless one exists; returns it, or `undefined` if one existed. */
export async function createUpload(
  table: StoreTable,
  upload: NewUpload,
  now: number,
  ttl: number,
): Promise<UploadRecord | undefined> {
  const { uploadKey, source, provider, rejection, sources, request, indexId } = upload;
  const item = {
    pk: pkOf(uploadKey),
    sk: UPLOAD_SK,
    uploadKey,
    source,
    ...(sources ? { sources } : {}),
    ...(request ? { request } : {}),
    ...(indexId ? { indexId } : {}),
    provider,
    status: rejection ? "rejected" : "admitted",
    polls: 0,
    createdAt: now,
    updatedAt: now,
    ttl,
    ...(rejection ? { error: rejection } : {}),
  };
  const written = await conditionally(
    table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: item,
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    ),
  );
  return written ? toUpload(item) : undefined;
}

/** The SET clauses and values that store a session's fields (`assetId` only when it has one). */
function sessionSet(session: SessionFields): {
  readonly set: string;
  readonly values: Record<string, unknown>;
} {
  const asset = session.assetId !== undefined;
  return {
    set:
      `uploadId = :uploadId, ${asset ? "assetId = :assetId, " : ""}` +
      "files = :files, totalChunks = :totalChunks, uploadHeaders = :uploadHeaders, " +
      "sessionExpiresAt = :sessionExpiresAt",
    values: {
      ":uploadId": session.uploadId,
      ...(asset ? { ":assetId": session.assetId } : {}),
      ":files": session.files,
      ":totalChunks": session.totalChunks,
      ":uploadHeaders": session.uploadHeaders,
      ":sessionExpiresAt": session.sessionExpiresAt,
    },
  };
}

/** Saves a provider session on an admitted upload that has none; false if it had one or moved on. */
export async function saveSession(
  table: StoreTable,
  uploadKey: string,
  session: SessionFields,
  now: number,
): Promise<boolean> {
  return conditionally(
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: uploadKeyOf(uploadKey),
        UpdateExpression: `SET ${sessionSet(session).set}, updatedAt = :now`,
        ConditionExpression: "#status = :admitted AND attribute_not_exists(uploadId)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ...sessionSet(session).values,
          ":admitted": "admitted",
          ":now": now,
        },
      }),
    ),
  );
}

/** Turns an admitted upload of session `uploadId` `transferring`; does nothing if it was not. */
export async function openTransfer(
  table: StoreTable,
  uploadKey: string,
  uploadId: string,
  now: number,
): Promise<void> {
  // Already opened by an overlapping run, or ended meanwhile: the caller re-reads it.
  await conditionally(
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: uploadKeyOf(uploadKey),
        UpdateExpression: "SET #status = :transferring, updatedAt = :now",
        ConditionExpression: "uploadId = :uploadId AND #status = :admitted",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":uploadId": uploadId,
          ":transferring": "transferring",
          ":admitted": "admitted",
          ":now": now,
        },
      }),
    ),
  );
}

/** Adds one to an existing upload's poll count and returns the new count. */
export async function addPoll(table: StoreTable, uploadKey: string, now: number): Promise<number> {
  const out = await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: uploadKeyOf(uploadKey),
      UpdateExpression: "ADD polls :one SET updatedAt = :now",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":one": 1, ":now": now },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  return Number(out.Attributes?.polls ?? 0);
}

/**
 * Ends an upload in `status` (with `error`, if given) if it is in one of `from`; false if not.
 * `sessionCancelled`, when given, records whether its provider session was given up.
 */
export async function setOutcome(
  table: StoreTable,
  uploadKey: string,
  status: UploadStatus,
  error: RecordedError | undefined,
  from: readonly UploadStatus[],
  now: number,
  sessionCancelled?: boolean,
): Promise<boolean> {
  const fromNames = from.map((_, i) => `:from${i}`);
  const cancelled = sessionCancelled === undefined ? "" : ", sessionCancelled = :cancelled";
  return conditionally(
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: uploadKeyOf(uploadKey),
        UpdateExpression: `SET #status = :status, completedAt = :now, updatedAt = :now${
          error ? ", #error = :error" : ""
        }${cancelled}`,
        ConditionExpression: `#status IN (${fromNames.join(", ")})`,
        ExpressionAttributeNames: {
          "#status": "status",
          ...(error ? { "#error": "error" } : {}),
        },
        ExpressionAttributeValues: {
          ":status": status,
          ":now": now,
          ...(error ? { ":error": error } : {}),
          ...(sessionCancelled === undefined ? {} : { ":cancelled": sessionCancelled }),
          ...Object.fromEntries(from.map((s, i) => [`:from${i}`, s])),
        },
      }),
    ),
  );
}

/**
 * Records the asset id a provider gives only at completion. The first one stands: a repeated
 * poll finds it already so; another id for the same upload is a provider fault the caller sees.
 */
export async function setAsset(
  table: StoreTable,
  uploadKey: string,
  assetId: string,
  now: number,
): Promise<boolean> {
  return conditionally(
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: uploadKeyOf(uploadKey),
        UpdateExpression: "SET assetId = :assetId, updatedAt = :now",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(assetId) OR assetId = :assetId)",
        ExpressionAttributeValues: { ":assetId": assetId, ":now": now },
      }),
    ),
  );
}

/**
 * Reopens a failed upload for a redrive: `admitted` again, its error and end time cleared, one
 * more redrive counted. False when it was not failed (a repeated admit finds it reopened).
 */
export async function reopenUpload(
  table: StoreTable,
  uploadKey: string,
  now: number,
): Promise<boolean> {
  return conditionally(
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: uploadKeyOf(uploadKey),
        UpdateExpression:
          "SET #status = :admitted, updatedAt = :now ADD redrives :one " +
          "REMOVE #error, completedAt, sessionCancelled",
        ConditionExpression: "#status = :failed",
        ExpressionAttributeNames: { "#status": "status", "#error": "error" },
        ExpressionAttributeValues: {
          ":admitted": "admitted",
          ":failed": "failed",
          ":one": 1,
          ":now": now,
        },
      }),
    ),
  );
}

/**
 * Puts session `session` in place of the dead session `oldUploadId` on an admitted upload (a
 * redrive whose session expired or was given up). False when the record no longer names
 * `oldUploadId`: an overlapping run replaced it first, and its session stands.
 */
export async function replaceSession(
  table: StoreTable,
  uploadKey: string,
  oldUploadId: string,
  session: SessionFields,
  now: number,
): Promise<boolean> {
  const { set, values } = sessionSet(session);
  return conditionally(
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: uploadKeyOf(uploadKey),
        // The old session's asset id goes with it when the new one reserves none.
        UpdateExpression: `SET ${set}, polls = :zero, updatedAt = :now${
          session.assetId !== undefined ? "" : " REMOVE assetId"
        }`,
        ConditionExpression: "#status = :admitted AND uploadId = :oldUploadId",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ...values,
          ":oldUploadId": oldUploadId,
          ":admitted": "admitted",
          ":zero": 0,
          ":now": now,
        },
      }),
    ),
  );
}

/**
 * Records the index request of a completed upload, unless one was recorded: false then (an
 * overlapping run asked first, and its request stands).
 */
export async function startIndexing(
  table: StoreTable,
  uploadKey: string,
  indexing: IndexingRecord,
): Promise<boolean> {
  return conditionally(
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: uploadKeyOf(uploadKey),
        UpdateExpression: "SET indexing = :indexing",
        ConditionExpression: "#status = :completed AND attribute_not_exists(indexing)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":indexing": indexing, ":completed": "completed" },
      }),
    ),
  );
}

/** Counts one more status read of a pending indexing and returns the count. */
export async function addIndexPoll(table: StoreTable, uploadKey: string): Promise<number> {
  const out = await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: uploadKeyOf(uploadKey),
      UpdateExpression: "SET indexing.polls = indexing.polls + :one",
      ConditionExpression: "indexing.#status = :pending",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":one": 1, ":pending": "pending" },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  const indexing = out.Attributes?.indexing as { polls?: unknown } | undefined;
  return Number(indexing?.polls ?? 0);
}

/** Ends a pending indexing as ready or failed (with why); false if it had ended already. */
export async function endIndexing(
  table: StoreTable,
  uploadKey: string,
  status: "ready" | "failed",
  error: RecordedError | undefined,
  now: number,
): Promise<boolean> {
  return conditionally(
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: uploadKeyOf(uploadKey),
        UpdateExpression: `SET indexing.#status = :status, indexing.endedAt = :now${
          error ? ", indexing.#error = :error" : ""
        }`,
        ConditionExpression: "indexing.#status = :pending",
        ExpressionAttributeNames: { "#status": "status", ...(error ? { "#error": "error" } : {}) },
        ExpressionAttributeValues: {
          ":status": status,
          ":pending": "pending",
          ":now": now,
          ...(error ? { ":error": error } : {}),
        },
      }),
    ),
  );
}
