/**
 * Poll: asks the provider where the session stands and tells the state machine what to do next:
 * finish, send again the chunks the provider marks failed, or wait. Chunks sent but never
 * reported (a report step that gave up) are reported here first.
 */

import { batchesFor } from "../chunk-plan.js";
import { SessionFailedError, UploadStateError } from "../errors.js";
import { reportUnreported } from "./report.js";
import type { RelaySettings, StepDeps } from "./step-deps.js";
import { type Batch, parseInput, UploadRef } from "./step-inputs.js";

/** Output of poll, read by the `CheckStatus` Choice. */
export interface PollOutput {
  readonly uploadKey: string;
  readonly state: "completed" | "resend" | "active";
  /** Batches to transfer again (`resend` only; empty otherwise). */
  readonly batches: Batch[];
}

/** What poll needs. */
export type PollDeps = Pick<StepDeps, "store" | "provider"> & {
  readonly settings: Pick<RelaySettings, "chunksPerBatch" | "maxPolls">;
};

/** Polls the provider once for the upload's session. */
export async function poll(input: unknown, deps: PollDeps): Promise<PollOutput> {
  const { uploadKey } = parseInput("poll", UploadRef, input);
  const record = await deps.store.require(uploadKey);
  if (record.status === "completed") return { uploadKey, state: "completed", batches: [] };
  if (!record.uploadId) throw new UploadStateError(`upload ${uploadKey} has no session`);

  const polls = await deps.store.countPoll(uploadKey);
  if (polls > deps.settings.maxPolls) {
    throw new SessionFailedError(
      record.uploadId,
      "active",
      `upload session ${record.uploadId} did not complete after ${deps.settings.maxPolls} polls`,
    );
  }
  // One read serves both: reporting changes no chunk's ETag, which is what `unsent` reads.
  const chunks = await deps.store.getChunks(uploadKey);
  await reportUnreported(uploadKey, record.uploadId, chunks, deps);

  const status = await deps.provider.getStatus(record.uploadId);
  if (status.state === "completed") return { uploadKey, state: "completed", batches: [] };
  if (status.state !== "active") throw new SessionFailedError(record.uploadId, status.state);

  const unsent = chunks.filter((c) => !c.etag).map((c) => c.index);
  const resend = [...new Set([...status.failedChunks, ...unsent])].sort((a, b) => a - b);
  if (resend.length === 0) return { uploadKey, state: "active", batches: [] };
  await deps.store.resetChunks(uploadKey, status.failedChunks);
  return { uploadKey, state: "resend", batches: batchesFor(resend, deps.settings.chunksPerBatch) };
}
