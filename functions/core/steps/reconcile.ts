/**
 * Settling a disagreement with the provider. A report answered with a 4xx (a chunk the provider
 * marked failed after an answer was lost, a proof it no longer has, a duplicate with another
 * proof) does not end the upload: the provider's status says which of the chunks it holds, and
 * the rest are sent again. A chunk is sent again at most {@link MAX_CHUNK_RESENDS} times, so a
 * provider that refuses a chunk for good still fails the upload, with its own answer as reason.
 */

import { ProviderHttpError, SessionFailedError } from "../errors.js";
import type { ChunkProof, Provider, SessionRef } from "../provider.js";
import type { ChunkRecord, UploadStore } from "../upload-store.js";

/** Times one chunk may be sent again after the provider lost or refused it. */
export const MAX_CHUNK_RESENDS = 5;

/** What reconciling needs. */
export interface ReconcileDeps {
  readonly store: UploadStore;
  readonly provider: Provider;
}

/** Outcome of a report with reconciling. */
export interface ReportOutcome {
  /** Chunks the provider now holds that were reported (or found held) by this call. */
  readonly reported: readonly number[];
  /** Chunks forgotten so they are sent again: the provider does not hold them. */
  readonly resend: readonly number[];
}

/**
 * A 4xx other than auth and throttling: the provider read the report and disagrees with it.
 * Retrying the same report cannot help; reading the status can.
 */
export function isDisagreement(error: unknown): error is ProviderHttpError {
  return (
    error instanceof ProviderHttpError &&
    error.status >= 400 &&
    error.status < 500 &&
    ![401, 403, 429].includes(error.status)
  );
}

/** Reports the proofs of `chunks`; on a disagreement, settles it from the provider's status. */
export async function reportWithReconcile(
  uploadKey: string,
  session: SessionRef,
  chunks: readonly ChunkRecord[],
  deps: ReconcileDeps,
): Promise<ReportOutcome> {
  const proofs = proofsOf(chunks);
  if (proofs.length === 0) return { reported: [], resend: [] };
  let accepted: readonly number[] | undefined;
  try {
    ({ accepted } = await deps.provider.reportChunks(session, proofs));
  } catch (error) {
    if (!isDisagreement(error)) throw error;
    return reconcile(uploadKey, session, chunks, error, deps);
  }
  const reported = accepted ? [...accepted] : proofs.map((p) => p.index);
  if (reported.length > 0) await deps.store.recordReported(uploadKey, reported);
  return { reported, resend: [] };
}

/** The proofs of the chunks that were sent. */
export function proofsOf(chunks: readonly ChunkRecord[]): ChunkProof[] {
  return chunks.flatMap((c) => (c.etag ? [{ index: c.index, etag: c.etag, size: c.size }] : []));
}

async function reconcile(
  uploadKey: string,
  session: SessionRef,
  chunks: readonly ChunkRecord[],
  refusal: ProviderHttpError,
  deps: ReconcileDeps,
): Promise<ReportOutcome> {
  const { uploadId } = session;
  const status = await deps.provider.getStatus(session, proofsOf(chunks));
  const indexes = chunks.map((c) => c.index);
  if (status.state === "completed") {
    await deps.store.recordReported(uploadKey, indexes);
    return { reported: indexes, resend: [] };
  }
  if (status.state !== "active") throw new SessionFailedError(uploadId, status.state);
  // Without a per-chunk listing the status cannot say who is right: the refusal stands.
  if (status.completedIndexes === undefined) throw refusal;
  const held = new Set(status.completedIndexes);
  const reported = indexes.filter((index) => held.has(index));
  const lacking = chunks.filter((c) => !held.has(c.index));
  const exhausted = lacking.find((c) => (c.resends ?? 0) >= MAX_CHUNK_RESENDS);
  if (exhausted) {
    throw new ProviderHttpError(
      refusal.operation,
      refusal.status,
      `chunk ${exhausted.index} refused after ${MAX_CHUNK_RESENDS} resends: ${refusal.detail}`,
      { retryable: false, cause: refusal },
    );
  }
  await deps.store.recordReported(uploadKey, reported);
  const resend = lacking.map((c) => c.index);
  await deps.store.resetChunks(uploadKey, resend);
  return { reported, resend };
}
