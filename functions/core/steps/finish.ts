/**
 * Finish: records the completed upload, frees its upload slot (admission control) and
 * publishes `Upload Completed`.
 */

import { UploadStateError } from "../errors.js";
import { EVENT_SCHEMA_VERSION, type UploadCompletedDetail } from "../event-publisher.js";
import { recordMetric } from "../metrics.js";
import type { UploadSlots } from "../upload-slots.js";
import type { UploadRecord } from "../upload-store.js";
import type { StepDeps } from "./step-deps.js";
import { parseInput, UploadRef } from "./step-inputs.js";

/** Output of finish. */
export interface FinishOutput {
  readonly uploadKey: string;
  readonly assetId: string;
  /** Whether the asset is to be indexed next (its route names an index). */
  readonly index: boolean;
}

/** What finish needs: the store, the events, and the slots the upload is released from. */
export type FinishDeps = Pick<StepDeps, "store" | "events" | "now"> & {
  readonly slots: Pick<UploadSlots, "release">;
};

/** Marks the upload completed, frees its slot and announces it. */
export async function finish(input: unknown, deps: FinishDeps): Promise<FinishOutput> {
  const { uploadKey } = parseInput("finish", UploadRef, input);
  const first = await deps.store.markCompleted(uploadKey);
  const record = await deps.store.require(uploadKey);
  if (record.status !== "completed" || !record.assetId || !record.uploadId) {
    throw new UploadStateError(`upload ${uploadKey} is ${record.status}, cannot finish`);
  }
  // Counted once: by the run that completed it, not by a repeat.
  if (first) {
    recordMetric(
      "UploadDuration",
      (record.completedAt ?? (deps.now ?? Date.now)()) - record.createdAt,
    );
    recordMetric("Uploads", 1, { outcome: "completed", code: "OK" });
  }
  // No longer in flight: the next waiting upload may go. Idempotent, like the rest.
  await deps.slots.release(uploadKey);
  // Published on every run of this step: events are at-least-once, like S3's own.
  await deps.events.publish("Upload Completed", completedDetail(record, deps.now ?? Date.now));
  return { uploadKey, assetId: record.assetId, index: record.indexId !== undefined };
}

/** The `Upload Completed` detail of a completed upload's record. */
export function completedDetail(record: UploadRecord, now: () => number): UploadCompletedDetail {
  return {
    schemaVersion: EVENT_SCHEMA_VERSION,
    uploadKey: record.uploadKey,
    bucket: record.source.bucket,
    key: record.source.key,
    versionId: record.source.versionId,
    size: record.source.size,
    provider: record.provider,
    uploadId: record.uploadId ?? "",
    assetId: record.assetId ?? "",
    durationMs: (record.completedAt ?? now()) - record.createdAt,
  };
}
