/**
 * Well-formed TwelveLabs answers, as the v1.3 reference documents them, for scripted servers.
 * Each is built as the core's documented type, so a fixture cannot drift from the wire format;
 * `overrides` then bend it on purpose.
 */

import type {
  DocumentedChunkStatus,
  DocumentedCreateSessionAnswer,
  DocumentedListIncompleteAnswer,
  DocumentedPresignedUrlChunk,
  DocumentedPresignedUrlsAnswer,
  DocumentedReportChunksAnswer,
  DocumentedStatusAnswer,
} from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";

/** A presigned URL as S3 signs it; the signature is what must never leak. */
export function presignedUrl(index: number, host = "bucket.s3.us-east-1.amazonaws.com"): string {
  return `https://${host}/assets/a1/part?partNumber=${index}&X-Amz-Signature=sig-${index}-secret`;
}

/** `PresignedUrlChunk` entries for chunks `start .. start + count - 1`. */
export function urlChunks(
  start: number,
  count: number,
  host?: string,
): DocumentedPresignedUrlChunk[] {
  return Array.from({ length: count }, (_, i) => ({
    chunk_index: start + i,
    url: presignedUrl(start + i, host),
    expires_at: "2025-12-01T12:00:00Z",
  }));
}

/** Answer of the create call. */
export function createAnswer(overrides: Record<string, unknown> = {}) {
  const answer: DocumentedCreateSessionAnswer = {
    upload_id: "up-1",
    asset_id: "asset-1",
    upload_urls: urlChunks(1, 2),
    upload_headers: { "x-amz-server-side-encryption": "AES256" },
    chunk_size: 10,
    total_chunks: 3,
    expires_at: "2025-12-02T11:00:00Z",
  };
  return { ...answer, ...overrides };
}

/** Answer of the presigned-urls call for `start`/`count`. */
export function presignedUrlsAnswer(
  start: number,
  count: number,
  host?: string,
): DocumentedPresignedUrlsAnswer {
  return {
    upload_id: "up-1",
    start_index: start,
    count,
    upload_urls: urlChunks(start, count, host),
    generated_at: "2025-12-01T11:00:00Z",
    expires_at: "2025-12-02T11:00:00Z",
  };
}

/** Answer of the report call. */
export function reportAnswer(
  processed: number,
  duplicates: number,
  totalCompleted: number,
): DocumentedReportChunksAnswer {
  return {
    asset_id: "asset-1",
    processed_chunks: processed,
    duplicate_chunks: duplicates,
    total_completed: totalCompleted,
  };
}

/** One page of the status call. */
export function statusAnswer(
  page: number,
  totalPages: number,
  chunks: ReadonlyArray<{ index: number; status: DocumentedChunkStatus }>,
  overrides: Record<string, unknown> = {},
) {
  const answer: DocumentedStatusAnswer = {
    upload_id: "up-1",
    status: "active",
    uploaded_chunks: chunks.map((c) => ({
      index: c.index,
      status: c.status,
      uploaded_at: c.status === "completed" ? "2025-12-01T11:10:00Z" : null,
      updated_at: "2025-12-01T11:10:00Z",
      ...(c.status === "failed" ? { error: "checksum mismatch" } : {}),
    })),
    chunks_completed: 2,
    chunks_failed: 1,
    chunks_pending: 0,
    page_info: { limit_per_page: 50, page, total_page: totalPages, total_results: 3 },
    total_size: 30,
    uploaded_size: 20,
    created_at: "2025-12-01T11:00:00Z",
    updated_at: "2025-12-01T11:10:00Z",
  };
  return { ...answer, ...overrides };
}

/** One page of the list-incomplete call. */
export function listIncompleteAnswer(): DocumentedListIncompleteAnswer {
  return {
    data: [
      {
        upload_id: "up-1",
        status: "active",
        total_size: 30,
        chunk_size: 10,
        total_chunks: 3,
        created_at: "2025-12-01T11:00:00Z",
        expires_at: "2025-12-02T11:00:00Z",
      },
    ],
    page_info: { limit_per_page: 10, page: 1, total_page: 1, total_results: 1 },
  };
}

/** `answer` without the fields `keys` (a copy; nested paths as `a.b`). */
export function without<T extends object>(answer: T, ...keys: string[]): Record<string, unknown> {
  const copy = structuredClone(answer) as Record<string, unknown>;
  for (const key of keys) {
    const path = key.split(".");
    const last = path.pop() as string;
    let at: Record<string, unknown> | undefined = copy;
    for (const part of path) at = at?.[part] as Record<string, unknown> | undefined;
    if (at) delete at[last];
  }
  return copy;
}
