/** Zod schemas of every request the API reads: the wire boundary of the sandbox. */

import { z } from "zod";
import { TWELVELABS_LIMITS } from "../../functions/core/config/limits.js";
import { SandboxHttpError } from "./http-io.js";

/** Asset types a create accepts. */
export const ACCEPTED_ASSET_TYPES = ["video", "audio"] as const;

/** Body of `POST /assets/multipart-uploads`, for a sandbox that accepts up to `maxTotalSize` bytes. */
export function createUploadRequestSchema(maxTotalSize: number) {
  return z.object({
    filename: z.string().min(1, "filename must not be empty"),
    type: z.enum(ACCEPTED_ASSET_TYPES),
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
export const presignedUrlsRequestSchema = z.object({
  start: z.number().int().min(1),
  count: z.number().int().min(1).max(TWELVELABS_LIMITS.maxUrlsPerCall),
});

/** One entry of a report. */
export const completedChunkSchema = z.object({
  chunk_index: z.number().int(),
  proof: z.string().min(1),
  proof_type: z.literal("etag").default("etag"),
  chunk_size: z.number().int().min(1),
});

/** Body of `POST /assets/multipart-uploads/{upload_id}` (report). */
export const reportRequestSchema = z.object({
  completed_chunks: z.array(completedChunkSchema).min(1).max(TWELVELABS_LIMITS.maxReportBatch),
});

/** One entry of a report, as parsed. */
export type CompletedChunk = z.infer<typeof completedChunkSchema>;

const queryInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, "must be an integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Query of the paginated status and list calls. */
export const pageQuerySchema = z.object({
  page: queryInteger(1, Number.MAX_SAFE_INTEGER).default(1),
  page_limit: queryInteger(1, TWELVELABS_LIMITS.maxPageLimit).default(10),
});

/** Parses `input` with `schema`, or throws a 400 that names every offending field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
  throw new SandboxHttpError(400, "parameter_invalid", issues);
}
