/**
 * The TwelveLabs v1.3 multipart-upload wire format (shared/api-notes.md, seeds/), as zod
 * schemas: every answer is parsed with these before use. Objects keep unknown fields out
 * (zod strips them) but do not reject them, so a new field in the API breaks nothing. Fields the
 * reference documents as "or null" are nullish.
 */

import { z } from "zod";

/** An RFC 3339 date-time, kept as the string the wire carried. */
const DateTime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "not an RFC 3339 date-time");

const Count = z.int().nonnegative();
const ChunkIndex = z.int().positive();

/** `PresignedUrlChunk`: the URL for one chunk. */
export const PresignedUrlChunkSchema = z.object({
  chunk_index: ChunkIndex,
  url: z.string().min(1),
  expires_at: DateTime,
});

/** `page_info` of the paginated answers. */
export const PageInfoSchema = z.object({
  limit_per_page: Count,
  page: Count,
  total_page: Count,
  total_results: Count,
});

/** State of an upload session. */
export const UploadStatusSchema = z.enum(["active", "completed", "failed", "expired"]);

/** `ChunkInfo`: one chunk in a status answer. */
export const ChunkInfoSchema = z.object({
  index: ChunkIndex,
  status: z.enum(["completed", "pending", "failed"]),
  uploaded_at: DateTime.nullish(),
  updated_at: DateTime.nullish(),
  error: z.string().nullish(),
});

/** Answer of `POST /assets/multipart-uploads`. */
export const CreateSessionAnswerSchema = z.object({
  upload_id: z.string().min(1),
  asset_id: z.string().min(1),
  // The initial set may cover only the first chunks, or none.
  upload_urls: z.array(PresignedUrlChunkSchema).nullish(),
  upload_headers: z.record(z.string(), z.string()).nullish(),
  chunk_size: z.int().positive(),
  total_chunks: z.int().positive(),
  expires_at: DateTime,
});

/** Answer of `POST /assets/multipart-uploads/{upload_id}/presigned-urls`. */
export const PresignedUrlsAnswerSchema = z.object({
  upload_id: z.string().nullish(),
  start_index: ChunkIndex.nullish(),
  count: Count.nullish(),
  upload_urls: z.array(PresignedUrlChunkSchema).nullish(),
  generated_at: DateTime.nullish(),
  expires_at: DateTime.nullish(),
});

/** Answer of `POST /assets/multipart-uploads/{upload_id}` (report chunks). */
export const ReportChunksAnswerSchema = z.object({
  // Present only once every chunk has been reported.
  url: z.string().nullish(),
  asset_id: z.string().nullish(),
  processed_chunks: Count,
  duplicate_chunks: Count,
  total_completed: Count,
});

/** Answer of `GET /assets/multipart-uploads/{upload_id}` (status, one page of chunks). */
export const StatusAnswerSchema = z.object({
  upload_id: z.string().min(1),
  status: UploadStatusSchema,
  uploaded_chunks: z.array(ChunkInfoSchema).nullish(),
  chunks_completed: Count,
  chunks_failed: Count,
  chunks_pending: Count,
  page_info: PageInfoSchema,
  total_size: Count,
  uploaded_size: Count,
  created_at: DateTime.nullish(),
  updated_at: DateTime.nullish(),
});

/** One entry of the list of incomplete uploads. */
export const IncompleteUploadSchema = z.object({
  upload_id: z.string().min(1),
  status: UploadStatusSchema,
  total_size: Count,
  chunk_size: z.int().positive(),
  total_chunks: z.int().positive(),
  created_at: DateTime,
  expires_at: DateTime,
});

/** Answer of `GET /assets/multipart-uploads` (incomplete uploads, one page). */
export const ListIncompleteAnswerSchema = z.object({
  data: z.array(IncompleteUploadSchema).nullish(),
  page_info: PageInfoSchema,
});

/** Body of the create call. */
export interface CreateSessionBody {
  readonly filename: string;
  /** Asset type, `video` by default (configuration: newer revisions take `audio`, `image`). */
  readonly type: string;
  readonly total_size: number;
  readonly enable_hls?: boolean;
  readonly enable_thumbnail?: boolean;
  readonly user_metadata?: Readonly<Record<string, unknown>>;
}

/** One reported chunk, as the report call carries it. */
export interface CompletedChunk {
  readonly chunk_index: number;
  /** The chunk PUT's ETag, quotes stripped. */
  readonly proof: string;
  readonly proof_type: "etag";
  readonly chunk_size: number;
}

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
