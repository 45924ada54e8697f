/**
 * Create session: opens the provider session, stores it with the chunk plan and the URLs handed
 * out at creation, and answers the batches the Map will transfer. A repeated call finds the
 * session stored and answers the same batches without a second provider call.
 */

import { planBatches } from "../chunk-plan.js";
import { UploadStateError } from "../errors.js";
import type { ChunkRecord } from "../upload-store.js";
import type { StepDeps } from "./step-deps.js";
import { type Batch, parseInput, UploadRef } from "./step-inputs.js";

/** Output of create-session. */
export interface CreateSessionOutput {
  readonly uploadKey: string;
  readonly batches: Batch[];
}

/** Opens the provider session for an admitted upload. */
export async function createSession(
  input: unknown,
  deps: Pick<StepDeps, "store" | "provider" | "settings">,
): Promise<CreateSessionOutput> {
  const { uploadKey } = parseInput("create-session", UploadRef, input);
  const record = await deps.store.require(uploadKey);
  if (record.uploadId !== undefined && record.totalChunks !== undefined) {
    return { uploadKey, batches: planBatches(record.totalChunks, deps.settings.chunksPerBatch) };
  }
  if (record.status !== "admitted") {
    throw new UploadStateError(`upload ${uploadKey} is ${record.status}, not admitted`);
  }

  const { source } = record;
  const session = await deps.provider.createSession({
    filename: source.key.split("/").pop() || source.key,
    size: source.size,
  });
  const urls = new Map(session.urls.map((u) => [u.index, u]));
  const chunks: ChunkRecord[] = [];
  for (let index = 1; index <= session.totalChunks; index++) {
    const start = (index - 1) * session.chunkSize;
    const url = urls.get(index);
    chunks.push({
      index,
      start,
      size: Math.min(session.chunkSize, source.size - start),
      ...(url ? { url: url.url, urlExpiresAt: url.expiresAt } : {}),
    });
  }
  await deps.store.saveSession(
    uploadKey,
    {
      uploadId: session.uploadId,
      assetId: session.assetId,
      chunkSize: session.chunkSize,
      totalChunks: session.totalChunks,
      uploadHeaders: session.uploadHeaders,
      sessionExpiresAt: session.expiresAt,
    },
    chunks,
  );
  return { uploadKey, batches: planBatches(session.totalChunks, deps.settings.chunksPerBatch) };
}
