/**
 * Poll: asks the provider where the session stands and tells the state machine what to do next:
 * finish, send again what the provider lacks, or wait. Chunks sent but never reported (a report
 * step that gave up) are reported here first; chunks reported but not held by the provider (a
 * lost answer) are reported again, and sent again if the provider refuses them.
 */

import { type Batch, batchesFor } from "../chunk-plan.js";
import { ProviderResponseError, SessionFailedError } from "../errors.js";
import type { ChunkRecord } from "../upload-store.js";
import { MAX_CHUNK_RESENDS, proofsOf, reportWithReconcile } from "./reconcile.js";
import { reportUnreported, sessionOf } from "./report.js";
import type { RelaySettings, StepDeps } from "./step-deps.js";
import { parseInput, UploadRef } from "./step-inputs.js";

/** Output of poll, read by the `CheckStatus` Choice. */
export interface PollOutput {
  readonly uploadKey: string;
  readonly state: "completed" | "resend" | "active";
  /** Batches to transfer again (`resend` only; empty otherwise). */
  readonly batches: Batch[];
}

/** What poll needs. */
export type PollDeps = Pick<StepDeps, "store" | "providers"> & {
  readonly settings: Pick<RelaySettings, "chunksPerBatch" | "maxPolls">;
};

/** Polls the provider once for the upload's session. */
export async function poll(input: unknown, deps: PollDeps): Promise<PollOutput> {
  const { uploadKey } = parseInput("poll", UploadRef, input);
  const record = await deps.store.require(uploadKey);
  if (record.status === "completed") return { uploadKey, state: "completed", batches: [] };
  const session = sessionOf(record);
  const { uploadId } = session;

  const polls = await deps.store.countPoll(uploadKey);
  if (polls > deps.settings.maxPolls) {
    throw new SessionFailedError(
      uploadId,
      "active",
      `upload session ${uploadId} did not complete after ${deps.settings.maxPolls} polls`,
    );
  }
  // One read serves both: reporting changes no chunk's ETag, and resets are returned.
  const chunks = await deps.store.getChunks(uploadKey);
  const provider = deps.providers.get(record.provider);
  const withProvider = { store: deps.store, provider };
  const first = await reportUnreported(uploadKey, session, chunks, withProvider);

  const resent = new Set(first.resend);
  const status = await provider.getStatus(
    session,
    proofsOf(chunks.filter((c) => !resent.has(c.index))),
  );
  if (status.state === "completed") {
    if (
      status.assetId !== undefined &&
      !(await deps.store.recordAsset(uploadKey, status.assetId))
    ) {
      throw new ProviderResponseError(
        `${provider.name}.getStatus`,
        `asset ${status.assetId} differs from the one recorded for upload ${uploadKey}`,
      );
    }
    return { uploadKey, state: "completed", batches: [] };
  }
  if (status.state !== "active") throw new SessionFailedError(uploadId, status.state);

  const failed = new Set(status.failedChunks);
  const lost = lostReports(chunks, status.completedIndexes, failed, new Set(first.resend));
  const again = await reportWithReconcile(uploadKey, session, lost, withProvider);

  const byIndex = new Map(chunks.map((c) => [c.index, c]));
  const refused = [...failed].find(
    (index) => (byIndex.get(index)?.resends ?? 0) >= MAX_CHUNK_RESENDS,
  );
  if (refused !== undefined) {
    throw new SessionFailedError(
      uploadId,
      "active",
      `upload session ${uploadId} marked chunk ${refused} failed after ${MAX_CHUNK_RESENDS} resends`,
    );
  }
  // A failed chunk already forgotten (by a reconciled report) waits for its resend as it is.
  await deps.store.resetChunks(
    uploadKey,
    [...failed].filter(
      (index) => byIndex.get(index)?.etag !== undefined && !first.resend.includes(index),
    ),
  );
  const unsent = chunks.filter((c) => !c.etag).map((c) => c.index);
  const resend = [...new Set([...failed, ...unsent, ...first.resend, ...again.resend])].sort(
    (a, b) => a - b,
  );
  if (resend.length === 0) return { uploadKey, state: "active", batches: [] };
  return { uploadKey, state: "resend", batches: batchesFor(resend, deps.settings.chunksPerBatch) };
}

/**
 * Chunks reported as far as the store knows that the provider neither holds nor marks failed:
 * a report whose answer was lost before it was applied. Empty when the provider lists no
 * chunks, since then nothing can be told apart.
 */
function lostReports(
  chunks: readonly ChunkRecord[],
  held: readonly number[] | undefined,
  failed: ReadonlySet<number>,
  resent: ReadonlySet<number>,
): ChunkRecord[] {
  if (held === undefined) return [];
  const holds = new Set(held);
  return chunks.filter(
    (c) => c.etag && !holds.has(c.index) && !failed.has(c.index) && !resent.has(c.index),
  );
}
