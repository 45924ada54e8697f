/**
 * The TwelveLabs v1.3 multipart-upload wire format (shared/api-notes.md, seeds/), and the
 * answers of the "index an asset" calls, as zod schemas: every answer is parsed with these
 * before use.
 *
 * Lenient on purpose, like the official SDK (twelvelabs-js 1.3.4 parses every field as optional
 * and allows unknown enum values), so that no answer the service really sends fails an upload:
 * - only the fields the relay uses are parsed; every object is loose, so any other field,
 *   present or not, of whatever type, passes through untouched;
 * - a field the relay cannot work without (`upload_id`, `asset_id`, `chunk_size`, a URL entry's
 *   `url` and `chunk_index`, a chunk's `index`, the session `status`) is required, so its
 *   absence fails with a `ProviderResponseError` that names it;
 * - a field the relay only reads for information or has a default for (dates, counts) is
 *   optional, nullable, and read as absent when it is unreadable;
 * - enums are plain strings here; the provider maps unknown values (session → `active`, chunk
 *   → `pending`).
 *
 * The exact documented shapes, which the sandbox and the contract tests are held to, are in
 * `twelvelabs-documented-answers.ts`; every answer of that shape reads with these. Requests
 * are in `twelvelabs-requests.ts`.
 */

import { z } from "zod";

/** An optional field: absent, `null` and unreadable all read as `undefined`. */
function lenient<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

/** An RFC 3339 date-time, kept as the string the wire carried. */
const DateTime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "not an RFC 3339 date-time");

const Count = z.int().nonnegative();
const ChunkIndex = z.int().positive();

/** `PresignedUrlChunk`: the URL for one chunk; without `expires_at`, the default lifetime. */
export const PresignedUrlChunkSchema = z.looseObject({
  chunk_index: ChunkIndex,
  url: z.string().min(1),
  expires_at: lenient(DateTime),
});

/** `page_info` of the paginated answers: only the page count is read. */
export const PageInfoSchema = z.looseObject({
  total_page: lenient(Count),
});

/** `ChunkInfo`: one chunk in a status answer. */
export const ChunkInfoSchema = z.looseObject({
  index: ChunkIndex,
  // "completed", "pending", "failed" today; anything else is read as pending.
  status: lenient(z.string()),
});

/** Answer of `POST /assets/multipart-uploads`. */
export const CreateSessionAnswerSchema = z.looseObject({
  upload_id: z.string().min(1),
  asset_id: z.string().min(1),
  // The initial set may cover only the first chunks, or none.
  upload_urls: z.array(PresignedUrlChunkSchema).nullish(),
  upload_headers: z.record(z.string(), z.string()).nullish(),
  chunk_size: z.int().positive(),
  // Checked against ceil(size / chunk_size) when present, so a bad value is not ignored.
  total_chunks: z.int().positive().nullish(),
  expires_at: lenient(DateTime),
});

/** Answer of `POST /assets/multipart-uploads/{upload_id}/presigned-urls`. */
export const PresignedUrlsAnswerSchema = z.looseObject({
  upload_urls: z.array(PresignedUrlChunkSchema).nullish(),
});

/** Answer of `POST /assets/multipart-uploads/{upload_id}` (report chunks). */
export const ReportChunksAnswerSchema = z.looseObject({
  processed_chunks: lenient(Count),
  duplicate_chunks: lenient(Count),
  total_completed: lenient(Count),
});

/** Answer of `GET /assets/multipart-uploads/{upload_id}` (status, one page of chunks). */
export const StatusAnswerSchema = z.looseObject({
  // "active", "completed", "failed", "expired" today; anything else is read as active.
  status: z.string(),
  uploaded_chunks: z.array(ChunkInfoSchema).nullish(),
  chunks_completed: lenient(Count),
  uploaded_size: lenient(Count),
  page_info: lenient(PageInfoSchema),
});

/** One entry of the list of incomplete uploads. */
export const IncompleteUploadSchema = z.looseObject({
  upload_id: z.string().min(1),
});

/** Answer of `GET /assets/multipart-uploads` (incomplete uploads, one page). */
export const ListIncompleteAnswerSchema = z.looseObject({
  data: z.array(IncompleteUploadSchema).nullish(),
  page_info: lenient(PageInfoSchema),
});

/**
 * Answer of `POST /indexes/{index_id}/indexed-assets` (the SDK's `IndexedAssetsCreateResponse`):
 * `_id` is the indexed asset's id, which the status call needs, so it is required.
 */
export const IndexAssetAnswerSchema = z.looseObject({
  _id: z.string().min(1),
  asset_id: lenient(z.string()),
});

/**
 * Answer of `GET /indexes/{index_id}/indexed-assets/{indexed_asset_id}` (the SDK's
 * `IndexedAssetDetailed`): only `status` is needed to follow the indexing, so only it is
 * required; the ids and the time it was indexed are read for information.
 */
export const IndexedAssetAnswerSchema = z.looseObject({
  _id: lenient(z.string()),
  asset_id: lenient(z.string()),
  // "pending", "queued", "indexing", "ready", "failed" today; anything else is read as not
  // final yet (still indexing).
  status: z.string(),
  indexed_at: lenient(DateTime),
});

/** A validated `PresignedUrlChunk`. */
export type PresignedUrlChunk = z.output<typeof PresignedUrlChunkSchema>;
/** A validated create answer. */
export type CreateSessionAnswer = z.output<typeof CreateSessionAnswerSchema>;
/** A validated presigned-urls answer. */
export type PresignedUrlsAnswer = z.output<typeof PresignedUrlsAnswerSchema>;
/** A validated report answer. */
export type ReportChunksAnswer = z.output<typeof ReportChunksAnswerSchema>;
/** A validated status answer (one page). */
export type StatusAnswer = z.output<typeof StatusAnswerSchema>;
/** A validated list-incomplete answer (one page). */
export type ListIncompleteAnswer = z.output<typeof ListIncompleteAnswerSchema>;
/** A validated index-an-asset answer. */
export type IndexAssetAnswer = z.output<typeof IndexAssetAnswerSchema>;
/** A validated indexed asset (`IndexedAssetDetailed`). */
export type IndexedAssetAnswer = z.output<typeof IndexedAssetAnswerSchema>;
