/**
 * The report call's core: check every proof of a batch against the part actually stored, and
 * count the batch only if all of them hold.
 */

import type { CompletedChunk } from "../../functions/core/providers/twelvelabs/twelvelabs-requests.js";
import { SandboxHttpError } from "../sandbox-kit/http-io.js";
import { normalizeEtag } from "../sandbox-kit/stored-part.js";
import type { UploadSessionState } from "./session-store.js";

/** What one report batch changed. */
export interface ChunkReportOutcome {
  /** Chunks newly completed by this batch. */
  readonly processed: number;
  /** Chunks of this batch that were already completed (or repeated within it). */
  readonly duplicates: number;
}

/**
 * Validates the whole batch first (index in range, exact chunk size, proof equal to the stored
 * part's ETag, stored size equal to the chunk size), then marks its chunks completed. Throws a
 * 400 naming every wrong chunk, and then nothing of the batch is counted.
 */
export function applyChunkReport(
  session: UploadSessionState,
  entries: readonly CompletedChunk[],
  now: number,
): ChunkReportOutcome {
  const problems: string[] = [];
  for (const entry of entries) {
    const problem = checkEntry(session, entry);
    if (problem) problems.push(`chunk ${entry.chunk_index}: ${problem}`);
  }
  if (problems.length > 0) {
    throw new SandboxHttpError(400, "parameter_invalid", problems.join("; "));
  }

  let processed = 0;
  let duplicates = 0;
  for (const entry of entries) {
    const chunk = session.chunks[entry.chunk_index - 1];
    if (!chunk) continue;
    if (chunk.status === "completed") {
      duplicates += 1;
      continue;
    }
    chunk.status = "completed";
    chunk.acceptedEtag = normalizeEtag(entry.proof);
    chunk.uploadedAt = now;
    chunk.updatedAt = now;
    chunk.error = undefined;
    processed += 1;
  }
  if (processed > 0) session.updatedAt = now;
  return { processed, duplicates };
}

function checkEntry(session: UploadSessionState, entry: CompletedChunk): string | undefined {
  const chunk = session.chunks[entry.chunk_index - 1];
  if (!chunk) return `chunk_index is out of range 1..${session.totalChunks}`;
  if (entry.chunk_size !== chunk.size) {
    return `chunk_size is ${entry.chunk_size}, expected ${chunk.size}`;
  }
  const proof = normalizeEtag(entry.proof);
  if (chunk.status === "completed") {
    return proof === chunk.acceptedEtag ? undefined : "proof differs from the one already accepted";
  }
  if (!chunk.part) return "no part has been uploaded for this chunk";
  if (proof !== normalizeEtag(chunk.part.etag)) {
    return "proof does not match the ETag of the stored part";
  }
  if (chunk.part.size !== entry.chunk_size) {
    return `the stored part has ${chunk.part.size} bytes, not ${entry.chunk_size}`;
  }
  return undefined;
}
