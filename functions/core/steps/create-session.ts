/**
 * Create session: opens the provider session, claims the upload for it, stores the chunk plan
 * with the URLs handed out at creation, and answers the batches the Map will transfer.
 *
 * Safe to repeat and to overlap (Step Functions retries a Lambda service error while the first
 * invocation may still run): the first session claimed stands; a later run, or one that finds
 * a claimed session whose plan a crash left unfinished, completes that plan (URLs are fetched
 * later by transfer) and answers the same batches. A losing run gives its own session up
 * (SpatialGen cancels the group; TwelveLabs lets it expire), as does a run whose claim fails,
 * so that a retry's second session leaves no group half uploaded for 5 days.
 */

import { type Batch, planBatches } from "../chunk-plan.js";
import { ProviderHttpError, UploadStateError } from "../errors.js";
import type { ChunkUrl, PlannedChunk, Provider, SessionRef } from "../provider.js";
import { sessionMayBeAlive } from "../redrive.js";
import {
  type ChunkRecord,
  requestOf,
  sessionFieldsOf,
  type UploadRecord,
} from "../upload-store.js";
import type { RelaySettings, StepDeps } from "./step-deps.js";
import { parseInput, UploadRef } from "./step-inputs.js";

/** Output of create-session. */
export interface CreateSessionOutput {
  readonly uploadKey: string;
  readonly batches: Batch[];
}

/** What create-session needs. */
export type CreateSessionDeps = Pick<StepDeps, "store" | "providers" | "now"> & {
  readonly settings: Pick<RelaySettings, "chunksPerBatch">;
};

/** Opens the provider session for an admitted upload. */
export async function createSession(
  input: unknown,
  deps: CreateSessionDeps,
): Promise<CreateSessionOutput> {
  const { uploadKey } = parseInput("create-session", UploadRef, input);
  let record = await deps.store.require(uploadKey);
  if (record.uploadId === undefined) {
    if (record.status !== "admitted") {
      throw new UploadStateError(`upload ${uploadKey} is ${record.status}, not admitted`);
    }
    const provider = deps.providers.get(record.provider);
    const session = await provider.createSession(requestOf(record));
    const claimed = await deps.store
      .claimSession(uploadKey, sessionFieldsOf(session))
      .catch(async (error: unknown) => {
        // The write may have landed before its answer was lost: give up only what no record names.
        const now = await deps.store.get(uploadKey).catch(() => undefined);
        if (now && now.uploadId !== session.uploadId) await giveUp(provider, session);
        throw error;
      });
    if (claimed) {
      await deps.store.savePlan(
        uploadKey,
        session.uploadId,
        chunkRecords(session.plan, session.urls),
      );
      return {
        uploadKey,
        batches: planBatches(session.plan.length, deps.settings.chunksPerBatch),
      };
    }
    record = await deps.store.require(uploadKey);
    // A retried write that had landed reads as lost: that session is ours, and stays.
    if (record.uploadId !== session.uploadId) await giveUp(provider, session);
  } else if (record.status === "admitted" && (record.redrives ?? 0) > 0) {
    record = await renewDeadSession(record, deps);
  }
  return { uploadKey, batches: await finishPlan(record, deps) };
}

/**
 * A redriven upload keeps its session while the provider still holds it: the chunks it took
 * are not sent again. A session given up at the failure, expired, or that the provider reads
 * as failed or expired is replaced by a new one, whose plan is written over the old one's.
 * Its URLs are left to transfer: if an overlapping run's session wins, none of ours is stored.
 */
async function renewDeadSession(
  record: UploadRecord,
  deps: Pick<CreateSessionDeps, "store" | "providers" | "now">,
): Promise<UploadRecord> {
  const { uploadKey, uploadId, files } = record;
  if (uploadId === undefined || files === undefined) return record;
  const provider = deps.providers.get(record.provider);
  const now = (deps.now ?? Date.now)();
  if (sessionMayBeAlive(record, now, SESSION_MARGIN_MS)) {
    // A session the provider refuses to describe (gone, 404) is as dead as an expired one;
    // a passing fault (429, 5xx) is the Task's to retry.
    const state = await provider.getStatus({ uploadId, files }, []).then(
      (status) => status.state,
      (error: unknown) => {
        if (error instanceof ProviderHttpError && !error.retryable) return "expired" as const;
        throw error;
      },
    );
    if (state === "active" || state === "completed") return record;
  }
  const session = await provider.createSession(requestOf(record));
  const replaced = await deps.store
    .replaceSession(uploadKey, uploadId, sessionFieldsOf(session), chunkRecords(session.plan))
    .catch(async (error: unknown) => {
      // As for a first claim: give up only what no record names.
      const now = await deps.store.get(uploadKey).catch(() => undefined);
      if (now && now.uploadId !== session.uploadId) await giveUp(provider, session);
      throw error;
    });
  const after = await deps.store.require(uploadKey);
  if (!replaced && after.uploadId !== session.uploadId) await giveUp(provider, session);
  return after;
}

/** Time a kept session must have left for a redrive's transfer: less, and a new one opens. */
const SESSION_MARGIN_MS = 60 * 60 * 1000;

/**
 * Cancels a session no record will ever name. Best effort: if the provider cannot be told, the
 * session expires on its own, and the upload goes on with the session that was claimed.
 */
async function giveUp(provider: Provider, session: SessionRef): Promise<void> {
  await provider.cancel(session).catch(() => undefined);
}

/** Chunk records for the provider's plan, with whatever URLs are at hand. */
function chunkRecords(
  plan: readonly PlannedChunk[],
  urls: readonly ChunkUrl[] = [],
): ChunkRecord[] {
  const byIndex = new Map(urls.map((u) => [u.index, u]));
  return plan.map(({ index, file, start, size }) => {
    const url = byIndex.get(index);
    return {
      index,
      ...(file > 0 ? { file } : {}),
      start,
      size,
      ...(url ? { url: url.url, urlExpiresAt: url.expiresAt } : {}),
    };
  });
}

/** The batches of a claimed session, after storing whatever part of its plan is missing. */
async function finishPlan(
  record: UploadRecord,
  deps: Pick<CreateSessionDeps, "store" | "settings" | "providers">,
): Promise<Batch[]> {
  const { uploadKey, uploadId, files, totalChunks } = record;
  if (uploadId === undefined || files === undefined || totalChunks === undefined) {
    throw new UploadStateError(`upload ${uploadKey} has an incomplete session`);
  }
  if (record.status === "admitted") {
    const plan = await deps.providers.get(record.provider).planOf({ uploadId, files });
    await deps.store.savePlan(uploadKey, uploadId, chunkRecords(plan));
  }
  return planBatches(totalChunks, deps.settings.chunksPerBatch);
}
