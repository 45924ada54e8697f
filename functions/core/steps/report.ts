/**
 * Report: tells the provider which chunks of a batch arrived, with their ETags as proof. Only
 * chunks sent and not yet reported go out, so repeating the step reports nothing twice. A
 * report the provider disagrees with is settled from its status (see `reconcile.ts`): the
 * chunks it lacks are forgotten, and the next poll sends them again.
 */

import { UploadStateError } from "../errors.js";
import type { SessionRef } from "../provider.js";
import type { ChunkRecord, UploadRecord } from "../upload-store.js";
import { type ReconcileDeps, type ReportOutcome, reportWithReconcile } from "./reconcile.js";
import type { StepDeps } from "./step-deps.js";
import { BatchRef, parseInput } from "./step-inputs.js";

/** Output of report: the batch, with how many chunks were reported now. */
export interface ReportOutput {
  readonly uploadKey: string;
  readonly first: number;
  readonly last: number;
  readonly reported: number;
  /** Chunks the provider lacked; the next poll sends them again. */
  readonly resend: number;
}

/** Reports the sent, unreported chunks in `first..last`. */
export async function report(
  input: unknown,
  deps: Pick<StepDeps, "store" | "providers">,
): Promise<ReportOutput> {
  const { uploadKey, first, last } = parseInput("report", BatchRef, input);
  const record = await deps.store.require(uploadKey);
  if (record.status === "completed") return { uploadKey, first, last, reported: 0, resend: 0 };
  const session = sessionOf(record);
  const chunks = await deps.store.getChunks(uploadKey, first, last);
  const outcome = await reportUnreported(uploadKey, session, chunks, {
    store: deps.store,
    provider: deps.providers.get(record.provider),
  });
  return {
    uploadKey,
    first,
    last,
    reported: outcome.reported.length,
    resend: outcome.resend.length,
  };
}

/** Reports the sent, unreported ones of `chunks` (already read). */
export function reportUnreported(
  uploadKey: string,
  session: SessionRef,
  chunks: readonly ChunkRecord[],
  deps: ReconcileDeps,
): Promise<ReportOutcome> {
  const unreported = chunks.filter((c) => c.etag && c.reportedAt === undefined);
  return reportWithReconcile(uploadKey, session, unreported, deps);
}

/** The provider's view of an upload's open session. */
export function sessionOf(record: UploadRecord): SessionRef {
  if (!record.uploadId || !record.files) {
    throw new UploadStateError(`upload ${record.uploadKey} has no session`);
  }
  return { uploadId: record.uploadId, files: record.files };
}
