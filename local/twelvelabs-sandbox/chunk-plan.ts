/**
 * How the sandbox chooses a file's chunk size, as the real API announces it on create. The
 * byte ranges themselves follow the relay's own chunk plan (functions/core/chunk-plan.ts).
 */

import { totalChunks } from "../../functions/core/chunk-plan.js";
import { S3_LIMITS } from "../../functions/core/config/limits.js";

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
  return { chunkSize, totalChunks: totalChunks(totalSize, chunkSize) };
}
