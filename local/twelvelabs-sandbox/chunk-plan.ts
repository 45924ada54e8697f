/** How the sandbox splits a file into chunks, as the real API announces it on create. */

import { S3_LIMITS } from "../../functions/core/config.js";

/** Chunk layout of one upload session. */
export interface ChunkPlan {
  /** Bytes per chunk; every chunk but the last is exactly this size. */
  readonly chunkSize: number;
  /** `ceil(totalSize / chunkSize)`. */
  readonly totalChunks: number;
}

/**
 * Chooses the chunk size: the preferred size, raised to the part minimum, and raised again if
 * the file would otherwise need more parts than S3 allows.
 */
export function planChunks(totalSize: number, preferred: number, minimum: number): ChunkPlan {
  const chunkSize = Math.max(preferred, minimum, Math.ceil(totalSize / S3_LIMITS.maxParts));
  return { chunkSize, totalChunks: Math.ceil(totalSize / chunkSize) };
}

/** Exact size of chunk `index` (from 1): `chunkSize`, or the remainder for the last chunk. */
export function chunkSizeOf(
  plan: ChunkPlan & { readonly totalSize: number },
  index: number,
): number {
  return index < plan.totalChunks ? plan.chunkSize : plan.totalSize - plan.chunkSize * (index - 1);
}
