/**
 * The requests of the TwelveLabs v1.3 multipart-upload API (shared/api-notes.md), and of the
 * "index an asset" call that follows an upload, as zod schemas: the one definition of what a
 * request may carry.
 *
 * Two sides read them. The client checks every request against them before it is sent (strict
 * in what we send): a request that fails is the relay's own error, so it throws
 * `InvalidInputError` and nothing goes out. The local sandbox parses what it receives with
 * them, adding only its own defaults (see `local/twelvelabs-sandbox/sandbox-schemas.ts`).
 *
 * Limits that are configuration (the largest file, the accepted asset types: newer API
 * revisions raise or widen them) are parameters of {@link createSessionBodySchema}.
 */

import { z } from "zod";
import { TWELVELABS_LIMITS } from "../../config/limits.js";

/** What a create body may carry: the service's configured limits. */
export interface CreateSessionLimits {
  /** Largest `total_size` accepted, in bytes. */
  readonly maxTotalSize: number;
  /** Accepted `type` values; without it any non-empty type passes (the service decides). */
  readonly assetTypes?: readonly [string, ...string[]];
}

/** Body of `POST /assets/multipart-uploads`, for a service with these limits. */
export function createSessionBodySchema(limits: CreateSessionLimits) {
  const { maxTotalSize, assetTypes } = limits;
  return z.object({
    filename: z.string().min(1, "filename must not be empty"),
    // The relay sends its configured type: only a service that knows its list narrows it.
    type: assetTypes ? z.enum(assetTypes) : z.string().min(1, "type must not be empty"),
    total_size: z
      .number()
      .int()
      .min(1, "total_size must be at least 1 byte")
      .max(maxTotalSize, `total_size must be at most ${maxTotalSize} bytes`),
    enable_hls: z.boolean().optional(),
    enable_thumbnail: z.boolean().optional(),
    user_metadata: z.record(z.string(), z.unknown()).optional(),
  });
}

/** Body of `POST /assets/multipart-uploads/{upload_id}/presigned-urls`. */
export const PresignedUrlsBodySchema = z.object({
  start: z.number().int().min(1),
  count: z.number().int().min(1).max(TWELVELABS_LIMITS.maxUrlsPerCall),
});

/** One entry of a report: chunk `chunk_index` (from 1) was stored, its ETag is the proof. */
export const CompletedChunkSchema = z.object({
  chunk_index: z.number().int().min(1),
  /** The chunk PUT's ETag; the relay sends it unquoted, as the official SDK does. */
  proof: z.string().min(1),
  proof_type: z.literal("etag"),
  chunk_size: z.number().int().min(1),
});

/**
 * Body of `POST /assets/multipart-uploads/{upload_id}` (report) whose entries are read with
 * `chunk`: {@link CompletedChunkSchema}, or a server's more forgiving variant of it.
 */
export function reportChunksBodySchema<C extends z.ZodType>(chunk: C) {
  return z.object({
    completed_chunks: z.array(chunk).min(1).max(TWELVELABS_LIMITS.maxReportBatch),
  });
}

/** Body of `POST /assets/multipart-uploads/{upload_id}` (report). */
export const ReportChunksBodySchema = reportChunksBodySchema(CompletedChunkSchema);

/**
 * A `user_metadata` value of an indexed asset: the docs allow strings, integers, floats and
 * booleans, nothing else.
 */
const IndexedAssetMetadataValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/**
 * Body of `POST /indexes/{index_id}/indexed-assets`: index the uploaded asset `asset_id` (its
 * upload must be complete, the docs' asset status `ready`). `enable_video_stream` and
 * `user_metadata` are the documented options the official SDK may send; the relay sends
 * `asset_id` only.
 */
export const IndexAssetBodySchema = z.object({
  asset_id: z.string().min(1, "asset_id must not be empty"),
  enable_video_stream: z.boolean().optional(),
  user_metadata: z.record(z.string(), IndexedAssetMetadataValueSchema).optional(),
});

/** A query integer: decimal digits only, read as a number within `min..max`. */
function queryInteger(min: number, max: number) {
  return z
    .string()
    .regex(/^[0-9]+$/, "must be an integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** Query of the paginated status and list calls, as the strings the URL carries. */
export const PageQuerySchema = z.object({
  page: queryInteger(1, Number.MAX_SAFE_INTEGER),
  page_limit: queryInteger(1, TWELVELABS_LIMITS.maxPageLimit),
});

/** Body of the create call, as the client is given it. */
export type CreateSessionBody = z.input<ReturnType<typeof createSessionBodySchema>>;
/** Body of the presigned-urls call. */
export type PresignedUrlsBody = z.input<typeof PresignedUrlsBodySchema>;
/** One reported chunk, as the report call carries it. */
export type CompletedChunk = z.output<typeof CompletedChunkSchema>;
/** Body of the report call. */
export type ReportChunksBody = z.input<typeof ReportChunksBodySchema>;
/** Body of the index-an-asset call. */
export type IndexAssetBody = z.input<typeof IndexAssetBodySchema>;
/** Query of the status and list calls, as sent (strings). */
export type PageQuery = z.input<typeof PageQuerySchema>;
