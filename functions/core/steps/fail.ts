/**
 * Fail: records why an execution ended without an asset, frees the upload's slot (admission
 * control) if it held one, and publishes `Upload Failed`. It runs from any state's Catch, so it
 * accepts whatever that state held.
 *
 * One exception: an upload the store already holds as completed (RecordSuccess wrote the record,
 * then could not publish) has its asset. Failing it would make the event contradict the store,
 * so fail publishes the `Upload Completed` that was lost instead.
 */

import { codeOfErrorName, ERROR_CODES } from "../errors.js";
import { EVENT_SCHEMA_VERSION } from "../event-publisher.js";
import { recordMetric } from "../metrics.js";
import { uploadKeyOf } from "../upload-identity.js";
import type { UploadSlots } from "../upload-slots.js";
import type { UploadRecord } from "../upload-store.js";
import { completedDetail } from "./finish.js";
import { sessionOf } from "./report.js";
import type { StepDeps } from "./step-deps.js";
import { FailureInput, parseInput } from "./step-inputs.js";

/** Output of fail. */
export interface FailOutput {
  readonly uploadKey: string | null;
  /** `completed` only for an upload the store already holds as completed. */
  readonly status: "failed" | "rejected" | "completed";
  readonly reason: string;
}

/** What fail needs: the providers, to give up a failed upload's session. */
export type FailDeps = Pick<StepDeps, "store" | "events" | "now" | "providers"> & {
  /** The slots the upload is released from. */
  readonly slots: Pick<UploadSlots, "release">;
};

/** Records and announces the failure of one execution. */
export async function fail(input: unknown, deps: FailDeps): Promise<FailOutput> {
  const failure = parseInput("fail", FailureInput, input);
  const { code, reason } = describe(failure.error);
  const uploadKey =
    failure.uploadKey ??
    failure.redriveOf ??
    (failure.bucket && failure.key && failure.etag !== undefined
      ? uploadKeyOf({
          bucket: failure.bucket,
          key: failure.key,
          versionId: failure.versionId ?? null,
          etag: failure.etag,
          sequencer: failure.sequencer ?? "",
        })
      : null);

  let record = uploadKey ? await deps.store.get(uploadKey) : undefined;
  if (uploadKey && record?.status === "completed") {
    await deps.slots.release(uploadKey);
    await deps.events.publish("Upload Completed", completedDetail(record, deps.now ?? Date.now));
    return { uploadKey, status: "completed", reason };
  }
  const cancelled = record ? await cancelSession(record, deps) : null;
  // Counted by the run that records the outcome; a repeat finds it recorded.
  let counted = !record || record.status === "rejected";
  if (uploadKey && record) {
    const marked = await deps.store.markFailed(
      uploadKey,
      { code, message: reason },
      cancelled ?? undefined,
    );
    counted ||= marked;
    record = await deps.store.get(uploadKey);
  }
  // Whatever failed, the upload is no longer in flight. Idempotent; a no-op without a slot.
  if (uploadKey) await deps.slots.release(uploadKey);
  const status = record?.status === "rejected" ? "rejected" : "failed";
  const finalReason = status === "rejected" ? (record?.error?.message ?? reason) : reason;
  const finalCode =
    status === "rejected" ? (record?.error?.code ?? ERROR_CODES.ObjectRejectedError) : code;
  if (counted) recordMetric("Uploads", 1, { outcome: status, code: finalCode });
  await deps.events.publish("Upload Failed", {
    schemaVersion: EVENT_SCHEMA_VERSION,
    uploadKey,
    bucket: record?.source.bucket ?? failure.bucket ?? null,
    key: record?.source.key ?? failure.key ?? null,
    versionId: record?.source.versionId ?? failure.versionId ?? null,
    size: record?.source.size ?? failure.size ?? null,
    provider: record?.provider ?? null,
    status,
    code: finalCode,
    reason: finalReason,
    sessionCancelled: cancelled,
  });
  return { uploadKey, status, reason: finalReason };
}

/**
 * Gives up the provider session of a failed upload (SpatialGen cancels its group), so nothing
 * stays half uploaded until it expires. True when cancelled, null when there was no session to
 * give up, false when the provider has no cancel (TwelveLabs) or could not be told: the failure
 * is recorded all the same, and the session then expires on its own (24 h for TwelveLabs, 5
 * days for SpatialGen) unless a redrive goes on with it.
 */
async function cancelSession(record: UploadRecord, deps: FailDeps): Promise<boolean | null> {
  if (!record.uploadId || !record.files || record.status === "completed") return null;
  try {
    return await deps.providers.get(record.provider).cancel(sessionOf(record));
  } catch {
    return false;
  }
}

/**
 * Turns a Step Functions error into a code and a readable reason. Lambda puts a JSON
 * `{errorType, errorMessage, trace}` in `Cause`; other failures put plain text.
 */
function describe(error: { Error: string; Cause?: string } | undefined): {
  code: string;
  reason: string;
} {
  if (!error)
    return { code: "RELAY_UNKNOWN", reason: "the execution ended in an unexpected state" };
  let message = error.Cause ?? "";
  try {
    const cause = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === "string") message = cause.errorMessage;
  } catch {
    // Plain-text cause: keep it as it is.
  }
  return {
    code: codeOfErrorName(error.Error),
    reason: (message ? `${error.Error}: ${message}` : error.Error).slice(0, 1000),
  };
}
