/**
 * The answers of the TwelveLabs v1.3 multipart-upload API exactly as documented
 * (shared/api-notes.md), and of the "index an asset" calls as the official SDK 1.3.4 types them
 * (`IndexedAssetsCreateResponse`, `IndexedAssetDetailed`): every field, its type, nothing else. Each object is strict, so an
 * unknown field fails as surely as a missing or mistyped one.
 *
 * The relay never reads answers with these: it reads them leniently, as the official SDK does
 * (`twelvelabs-schemas.ts`), so that a service that drifts from its docs does not fail an
 * upload. These hold the other side to the docs instead: the local sandbox builds its answers
 * as their input types, and the contract tests parse what it sent with them. Every documented
 * answer also reads with the lenient schemas (tested beside the client).
 */

import { z } from "zod";

/** RFC 3339 UTC time to the second (`YYYY-MM-DDTHH:mm:ssZ`), the form the API writes. */
export const DocumentedTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, "not an RFC 3339 UTC time to the second");

/** Upload session `status` values. */
export const DocumentedSessionStatusSchema = z.enum(["active", "completed", "failed", "expired"]);

/** `ChunkInfo.status` values. */
export const DocumentedChunkStatusSchema = z.enum(["completed", "pending", "failed"]);

/** `PresignedUrlChunk`. */
export const DocumentedPresignedUrlChunkSchema = z.strictObject({
  chunk_index: z.number().int(),
  url: z.string().url(),
  expires_at: DocumentedTimeSchema,
});

/** Answer of `POST /assets/multipart-uploads`. */
export const DocumentedCreateSessionAnswerSchema = z.strictObject({
  upload_id: z.string().min(1),
  asset_id: z.string().min(1),
  upload_urls: z.array(DocumentedPresignedUrlChunkSchema),
  upload_headers: z.record(z.string(), z.string()),
  chunk_size: z.number().int(),
  total_chunks: z.number().int(),
  expires_at: DocumentedTimeSchema,
});

/** Answer of `POST /assets/multipart-uploads/{upload_id}/presigned-urls`. */
export const DocumentedPresignedUrlsAnswerSchema = z.strictObject({
  upload_id: z.string(),
  start_index: z.number().int(),
  count: z.number().int(),
  upload_urls: z.array(DocumentedPresignedUrlChunkSchema),
  generated_at: DocumentedTimeSchema,
  expires_at: DocumentedTimeSchema,
});

/** Answer of `POST /assets/multipart-uploads/{upload_id}` (report); `url` once all are in. */
export const DocumentedReportChunksAnswerSchema = z.strictObject({
  url: z.string().optional(),
  asset_id: z.string(),
  processed_chunks: z.number().int(),
  duplicate_chunks: z.number().int(),
  total_completed: z.number().int(),
});

/** `page_info` of the paginated answers. */
export const DocumentedPageInfoSchema = z.strictObject({
  limit_per_page: z.number().int(),
  page: z.number().int(),
  total_page: z.number().int(),
  total_results: z.number().int(),
});

/** `ChunkInfo`: one chunk of a status answer; `error` only on a failed chunk. */
export const DocumentedChunkInfoSchema = z.strictObject({
  index: z.number().int(),
  status: DocumentedChunkStatusSchema,
  uploaded_at: DocumentedTimeSchema.nullable(),
  updated_at: DocumentedTimeSchema,
  error: z.string().optional(),
});

/** Answer of `GET /assets/multipart-uploads/{upload_id}` (status, one page of chunks). */
export const DocumentedStatusAnswerSchema = z.strictObject({
  upload_id: z.string(),
  status: DocumentedSessionStatusSchema,
  uploaded_chunks: z.array(DocumentedChunkInfoSchema),
  chunks_completed: z.number().int(),
  chunks_failed: z.number().int(),
  chunks_pending: z.number().int(),
  page_info: DocumentedPageInfoSchema,
  total_size: z.number().int(),
  uploaded_size: z.number().int(),
  created_at: DocumentedTimeSchema,
  updated_at: DocumentedTimeSchema,
});

/** One entry of the list of incomplete uploads. */
export const DocumentedIncompleteUploadSchema = z.strictObject({
  upload_id: z.string(),
  status: DocumentedSessionStatusSchema,
  total_size: z.number().int(),
  chunk_size: z.number().int(),
  total_chunks: z.number().int(),
  created_at: DocumentedTimeSchema,
  expires_at: DocumentedTimeSchema,
});

/** Answer of `GET /assets/multipart-uploads` (incomplete uploads, one page). */
export const DocumentedListIncompleteAnswerSchema = z.strictObject({
  data: z.array(DocumentedIncompleteUploadSchema),
  page_info: DocumentedPageInfoSchema,
});

/** Indexed asset `status` values (the SDK's `IndexedAssetStatus`). */
export const DocumentedIndexedAssetStatusSchema = z.enum([
  "pending",
  "queued",
  "indexing",
  "ready",
  "failed",
]);

/** Answer of `POST /indexes/{index_id}/indexed-assets` (202): the new indexed asset's id. */
export const DocumentedIndexAssetAnswerSchema = z.strictObject({
  _id: z.string().min(1),
  asset_id: z.string().min(1),
});

/** `IndexedAssetSystemMetadata`: what the platform found in the file; every field optional. */
export const DocumentedIndexedAssetSystemMetadataSchema = z.strictObject({
  filename: z.string().optional(),
  duration: z.number().optional(),
  fps: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  size: z.number().optional(),
});

/**
 * Answer of `GET /indexes/{index_id}/indexed-assets/{indexed_asset_id}` (`IndexedAssetDetailed`);
 * `indexed_at` only once indexing is done. Not modelled: `hls` (only with
 * `enable_video_stream`), `embedding` and `transcription` (only when the query asks for them).
 */
export const DocumentedIndexedAssetSchema = z.strictObject({
  _id: z.string().min(1),
  asset_id: z.string().min(1),
  created_at: DocumentedTimeSchema,
  updated_at: DocumentedTimeSchema,
  indexed_at: DocumentedTimeSchema.optional(),
  status: DocumentedIndexedAssetStatusSchema,
  system_metadata: DocumentedIndexedAssetSystemMetadataSchema.optional(),
  user_metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

/** The error body of every non-2xx answer. */
export const DocumentedErrorBodySchema = z.strictObject({
  code: z.string().min(1),
  message: z.string(),
});

/** An upload session status. */
export type DocumentedSessionStatus = z.input<typeof DocumentedSessionStatusSchema>;
/** A chunk status. */
export type DocumentedChunkStatus = z.input<typeof DocumentedChunkStatusSchema>;
/** A `PresignedUrlChunk` as sent. */
export type DocumentedPresignedUrlChunk = z.input<typeof DocumentedPresignedUrlChunkSchema>;
/** A create answer as sent. */
export type DocumentedCreateSessionAnswer = z.input<typeof DocumentedCreateSessionAnswerSchema>;
/** A presigned-urls answer as sent. */
export type DocumentedPresignedUrlsAnswer = z.input<typeof DocumentedPresignedUrlsAnswerSchema>;
/** A report answer as sent. */
export type DocumentedReportChunksAnswer = z.input<typeof DocumentedReportChunksAnswerSchema>;
/** A `page_info` as sent. */
export type DocumentedPageInfo = z.input<typeof DocumentedPageInfoSchema>;
/** A `ChunkInfo` as sent. */
export type DocumentedChunkInfo = z.input<typeof DocumentedChunkInfoSchema>;
/** A status answer (one page) as sent. */
export type DocumentedStatusAnswer = z.input<typeof DocumentedStatusAnswerSchema>;
/** One incomplete upload as listed. */
export type DocumentedIncompleteUpload = z.input<typeof DocumentedIncompleteUploadSchema>;
/** A list-incomplete answer (one page) as sent. */
export type DocumentedListIncompleteAnswer = z.input<typeof DocumentedListIncompleteAnswerSchema>;
/** An indexed asset status. */
export type DocumentedIndexedAssetStatus = z.input<typeof DocumentedIndexedAssetStatusSchema>;
/** An index-an-asset answer as sent. */
export type DocumentedIndexAssetAnswer = z.input<typeof DocumentedIndexAssetAnswerSchema>;
/** An indexed asset (`IndexedAssetDetailed`) as sent. */
export type DocumentedIndexedAsset = z.input<typeof DocumentedIndexedAssetSchema>;
/** An error body as sent. */
export type DocumentedErrorBody = z.input<typeof DocumentedErrorBodySchema>;
