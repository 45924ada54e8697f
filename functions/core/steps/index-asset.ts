/**
 * Index asset: once an upload is complete, asks its provider to index the asset into the
 * route's index, then reads how the indexing goes, one read per invocation (the state machine
 * waits between two), until it is ready or failed, and publishes `Asset Indexed` or `Asset
 * Indexing Failed`. Indexing never fails the upload: every provider error ends here as a
 * recorded, published indexing failure, and the upload stays `completed`.
 *
 * Safe to repeat: the request is made only while the record holds none; an ended indexing
 * publishes its event again (events are at-least-once, as finish's are).
 */

import { ProviderHttpError, RelayError, UploadStateError } from "../errors.js";
import {
  type AssetIndexedDetail,
  type AssetIndexingFailedDetail,
  EVENT_SCHEMA_VERSION,
  type IndexingDetail,
} from "../event-publisher.js";
import { recordMetric } from "../metrics.js";
import type { IndexState } from "../provider.js";
import type { IndexingRecord, RecordedError, UploadRecord } from "../upload-store.js";
import type { StepDeps } from "./step-deps.js";
import { parseInput, UploadRef } from "./step-inputs.js";

/** Codes of an indexing failure, in its record and its event. */
export const INDEXING_ERROR_CODES = {
  /** The provider refused the index request (an unknown index, an asset it cannot index). */
  refused: "RELAY_INDEX_REFUSED",
  /** The provider says the indexing failed. */
  failed: "RELAY_INDEX_FAILED",
  /** Still pending after the last allowed read, or its reads kept failing. */
  timedOut: "RELAY_INDEX_TIMEOUT",
  /** The provider of the upload has no indexes. */
  unsupported: "RELAY_INDEX_UNSUPPORTED",
} as const;

/** Output of index-asset: `pending` makes the state machine wait and ask again. */
export interface IndexAssetOutput {
  readonly uploadKey: string;
  /** The upload's asset: the execution's output keeps naming it. */
  readonly assetId: string;
  readonly indexState: IndexState | "none";
}

/** What index-asset needs. */
export type IndexAssetDeps = Pick<StepDeps, "store" | "providers" | "events" | "now"> & {
  /** Status reads before a pending indexing is given up. */
  readonly maxIndexPolls: number;
};

/** Starts or follows the indexing of a completed upload's asset. */
export async function indexAsset(input: unknown, deps: IndexAssetDeps): Promise<IndexAssetOutput> {
  const { uploadKey } = parseInput("index-asset", UploadRef, input);
  let record = await deps.store.require(uploadKey);
  if (record.status !== "completed" || !record.assetId) {
    throw new UploadStateError(`upload ${uploadKey} is ${record.status}, cannot index its asset`);
  }
  const { indexId, assetId } = record;
  if (!indexId) return { uploadKey, assetId, indexState: "none" };
  const indexing = deps.providers.get(record.provider).indexing;

  if (!record.indexing) {
    const [indexedAssetId, refusal] = await request(record, indexId, assetId, deps);
    // An overlapping run's request stands; this one's indexed asset (rare) stays unfollowed.
    if (!(await deps.store.startIndexing(uploadKey, indexId, indexedAssetId, refusal))) {
      record = await deps.store.require(uploadKey);
    } else if (refusal) {
      recordMetric("AssetsIndexed", 1, { outcome: "failed" });
      record = await deps.store.require(uploadKey);
    } else {
      record = await deps.store.require(uploadKey);
      // Asked just now: the first read comes after the state machine's wait.
      if (record.indexing?.status === "pending")
        return { uploadKey, assetId, indexState: "pending" };
    }
  }
  const state = record.indexing as IndexingRecord;
  if (state.status !== "pending" || !state.indexedAssetId || !indexing) {
    return ended(record, deps);
  }

  let now: IndexState;
  let readError: string | undefined;
  try {
    now = await indexing.status(indexId, state.indexedAssetId);
  } catch (error) {
    // A read that failed after the client's retries counts as a read: the bound ends it.
    now = "pending";
    readError = describe(error);
  }
  if (now === "ready") await end(deps, uploadKey, "ready");
  else if (now === "failed") {
    await end(deps, uploadKey, "failed", {
      code: INDEXING_ERROR_CODES.failed,
      message: `the provider failed indexing asset ${assetId} into index ${indexId}`,
    });
  } else {
    const polls = await deps.store.countIndexPoll(uploadKey);
    if (polls < deps.maxIndexPolls) return { uploadKey, assetId, indexState: "pending" };
    await end(deps, uploadKey, "failed", {
      code: INDEXING_ERROR_CODES.timedOut,
      message:
        `indexing of asset ${assetId} into index ${indexId} did not end after ${polls} status reads` +
        (readError ? ` (last read: ${readError})` : ""),
    });
  }
  return ended(await deps.store.require(uploadKey), deps);
}

/** The index request: the indexed asset's id, or why there is none. */
async function request(
  record: UploadRecord,
  indexId: string,
  assetId: string,
  deps: IndexAssetDeps,
): Promise<[string, undefined] | [null, RecordedError]> {
  const indexing = deps.providers.get(record.provider).indexing;
  if (!indexing) {
    return [
      null,
      {
        code: INDEXING_ERROR_CODES.unsupported,
        message: `provider ${record.provider} has no indexes`,
      },
    ];
  }
  try {
    return [await indexing.index(indexId, assetId), undefined];
  } catch (error) {
    // Passing faults (429, 5xx, transport) after the client's own retries are Step Functions'
    // to retry; a refusal is final, and recorded.
    if (error instanceof ProviderHttpError && !error.retryable) {
      return [null, { code: INDEXING_ERROR_CODES.refused, message: describe(error) }];
    }
    throw error;
  }
}

/** Ends a pending indexing, counting it once (a repeat finds it ended). */
async function end(
  deps: IndexAssetDeps,
  uploadKey: string,
  status: "ready" | "failed",
  error?: RecordedError,
): Promise<void> {
  if (await deps.store.endIndexing(uploadKey, status, error)) {
    recordMetric("AssetsIndexed", 1, { outcome: status });
  }
}

/** Publishes the event of an ended indexing and answers its state. */
async function ended(record: UploadRecord, deps: IndexAssetDeps): Promise<IndexAssetOutput> {
  const state = record.indexing as IndexingRecord;
  const base: IndexingDetail = {
    schemaVersion: EVENT_SCHEMA_VERSION,
    uploadKey: record.uploadKey,
    bucket: record.source.bucket,
    key: record.source.key,
    provider: record.provider,
    assetId: record.assetId ?? "",
    indexId: state.indexId,
  };
  if (state.status === "ready") {
    const detail: AssetIndexedDetail = {
      ...base,
      indexedAssetId: state.indexedAssetId ?? "",
      durationMs: (state.endedAt ?? (deps.now ?? Date.now)()) - state.requestedAt,
    };
    await deps.events.publish("Asset Indexed", detail);
    return { uploadKey: record.uploadKey, assetId: base.assetId, indexState: "ready" };
  }
  const detail: AssetIndexingFailedDetail = {
    ...base,
    indexedAssetId: state.indexedAssetId,
    code: state.error?.code ?? INDEXING_ERROR_CODES.failed,
    reason: state.error?.message ?? "indexing failed",
  };
  await deps.events.publish("Asset Indexing Failed", detail);
  return { uploadKey: record.uploadKey, assetId: base.assetId, indexState: "failed" };
}

/** A short reason for an error, without secrets (relay errors carry none). */
function describe(error: unknown): string {
  if (error instanceof RelayError) return error.message.slice(0, 500);
  return (error as { name?: string }).name ?? "error";
}
