/** How the sandbox cuts a file into parts, as the real API announces it on start. */

import { totalChunks } from "../../functions/core/chunk-plan.js";
import { S3_LIMITS } from "../../functions/core/config/limits.js";
import type { DocumentedUploadStrategy } from "../../functions/core/providers/spatialgen/spatialgen-documented-answers.js";

/** Part layout of one file. */
export interface PartPlan {
  /** Bytes per part; every part but the last is exactly this size. */
  readonly partSizeBytes: number;
  readonly totalParts: number;
  readonly uploadStrategy: DocumentedUploadStrategy;
}

/**
 * A file no larger than one part is one `single_put` (its part size is the file's size); a
 * larger one is `multipart` with the preferred size, raised to the minimum, and raised again if
 * the file would otherwise need more parts than S3 allows.
 */
export function planParts(totalBytes: number, preferred: number, minimum: number): PartPlan {
  const partSize = Math.max(preferred, minimum, Math.ceil(totalBytes / S3_LIMITS.maxParts));
  if (totalBytes <= partSize) {
    return { partSizeBytes: totalBytes, totalParts: 1, uploadStrategy: "single_put" };
  }
  return {
    partSizeBytes: partSize,
    totalParts: totalChunks(totalBytes, partSize),
    uploadStrategy: "multipart",
  };
}
