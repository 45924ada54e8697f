/**
 * The sandbox's reading of every request: the core's request schemas
 * (`functions/core/providers/twelvelabs/twelvelabs-requests.ts`), with only what the sandbox
 * adds on top (its limits, and the defaults a forgiving server fills in).
 */

import {
  CompletedChunkSchema,
  createSessionBodySchema,
  IndexAssetBodySchema,
  PageQuerySchema,
  PresignedUrlsBodySchema,
  reportChunksBodySchema,
} from "../../functions/core/providers/twelvelabs/twelvelabs-requests.js";

/** Asset types a create accepts. */
export const ACCEPTED_ASSET_TYPES = ["video", "audio"] as const;

/** Body of `POST /assets/multipart-uploads`, for a sandbox that accepts up to `maxTotalSize` bytes. */
export function createUploadRequestSchema(maxTotalSize: number) {
  return createSessionBodySchema({ maxTotalSize, assetTypes: ACCEPTED_ASSET_TYPES });
}

/** Body of `POST /assets/multipart-uploads/{upload_id}/presigned-urls`. */
export const presignedUrlsRequestSchema = PresignedUrlsBodySchema;

/**
 * One entry of a report. A forgiving server: `proof_type` may be left out, as some clients do,
 * since `etag` is the only value it can have.
 */
const reportedChunkSchema = CompletedChunkSchema.extend({
  proof_type: CompletedChunkSchema.shape.proof_type.default("etag"),
});

/** Body of `POST /assets/multipart-uploads/{upload_id}` (report). */
export const reportRequestSchema = reportChunksBodySchema(reportedChunkSchema);

/** Query of the paginated status and list calls; a missing `page` or `page_limit` is 1 or 10. */
export const pageQuerySchema = PageQuerySchema.extend({
  page: PageQuerySchema.shape.page.default(1),
  page_limit: PageQuerySchema.shape.page_limit.default(10),
});

/** Body of `POST /indexes/{index_id}/indexed-assets`. */
export const indexAssetRequestSchema = IndexAssetBodySchema;
