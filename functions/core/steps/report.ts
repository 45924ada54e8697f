/**
 * Report: tells the provider which chunks of a batch arrived, with their ETags as proof. Only
 * chunks sent and not yet reported go out, so repeating the step reports nothing twice.
 */

import { UploadStateError } from "../errors.js";
import type { ChunkRecord } from "../upload-store.js";
import type { StepDeps } from "./step-deps.js";
import { BatchRef, parseInput } from "./step-inputs.js";

/** Output of report: the batch, with how many chunks were reported now. */
export interface ReportOutput {
  readonly uploadKey: string;
  readonly first: number;
  readonly last: number;
  readonly reported: number;
}

/** Reports the sent, unreported chunks in `first..last`. */
export async function report(
  input: unknown,
  deps: Pick<StepDeps, "store" | "provider">,
): Promise<ReportOutput> {
  const { uploadKey, first, last } = parseInput("report", BatchRef, input);
  const reported = await reportPending(uploadKey, deps, first, last);
  return { uploadKey, first, last, reported };
}

/** Reports every sent, unreported chunk in `first..last`; returns how many went out. */
export async function reportPending(
  uploadKey: string,
  deps: Pick<StepDeps, "store" | "provider">,
  first?: number,
  last?: number,
): Promise<number> {
  const record = await deps.store.require(uploadKey);
  if (record.status === "completed") return 0;
  if (!record.uploadId) throw new UploadStateError(`upload ${uploadKey} has no session`);
  const chunks = await deps.store.getChunks(uploadKey, first, last);
  return reportUnreported(uploadKey, record.uploadId, chunks, deps);
}

/** Reports the sent, unreported ones of `chunks` (already read); returns how many went out. */
export async function reportUnreported(
  uploadKey: string,
  uploadId: string,
  chunks: readonly ChunkRecord[],
  deps: Pick<StepDeps, "store" | "provider">,
): Promise<number> {
  const proofs = chunks
    .filter((c) => c.etag && c.reportedAt === undefined)
    .map((c) => ({ index: c.index, etag: c.etag as string, size: c.size }));
  if (proofs.length === 0) return 0;
  await deps.provider.reportChunks(uploadId, proofs);
  await deps.store.recordReported(
    uploadKey,
    proofs.map((p) => p.index),
  );
  return proofs.length;
}
