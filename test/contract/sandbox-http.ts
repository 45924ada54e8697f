/**
 * Hand-made HTTP calls to the TwelveLabs sandbox for the contract tests, with strict schemas of
 * every documented answer: an extra or missing field fails the test.
 */

import { request } from "undici";
import { z } from "zod";
import type { TwelveLabsSandbox } from "../../local/twelvelabs-sandbox/index.js";

const rfc3339 = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

/** `PresignedUrlChunk`. */
export const presignedUrlChunkSchema = z.strictObject({
  chunk_index: z.number().int(),
  url: z.string().url(),
  expires_at: rfc3339,
});

/** Answer of create. */
export const createAnswerSchema = z.strictObject({
  upload_id: z.string().min(1),
  asset_id: z.string().min(1),
  upload_urls: z.array(presignedUrlChunkSchema),
  upload_headers: z.record(z.string(), z.string()),
  chunk_size: z.number().int(),
  total_chunks: z.number().int(),
  expires_at: rfc3339,
});

/** Answer of presigned-urls. */
export const presignedUrlsAnswerSchema = z.strictObject({
  upload_id: z.string(),
  start_index: z.number().int(),
  count: z.number().int(),
  upload_urls: z.array(presignedUrlChunkSchema),
  generated_at: rfc3339,
  expires_at: rfc3339,
});

/** Answer of report. */
export const reportAnswerSchema = z.strictObject({
  url: z.string().optional(),
  asset_id: z.string(),
  processed_chunks: z.number().int(),
  duplicate_chunks: z.number().int(),
  total_completed: z.number().int(),
});

const pageInfoSchema = z.strictObject({
  limit_per_page: z.number().int(),
  page: z.number().int(),
  total_page: z.number().int(),
  total_results: z.number().int(),
});

/** Answer of status. */
export const statusAnswerSchema = z.strictObject({
  upload_id: z.string(),
  status: z.enum(["active", "completed", "failed", "expired"]),
  uploaded_chunks: z.array(
    z.strictObject({
      index: z.number().int(),
      status: z.enum(["completed", "pending", "failed"]),
      uploaded_at: rfc3339.nullable(),
      updated_at: rfc3339,
      error: z.string().optional(),
    }),
  ),
  chunks_completed: z.number().int(),
  chunks_failed: z.number().int(),
  chunks_pending: z.number().int(),
  page_info: pageInfoSchema,
  total_size: z.number().int(),
  uploaded_size: z.number().int(),
  created_at: rfc3339,
  updated_at: rfc3339,
});

/** Answer of list incomplete. */
export const listAnswerSchema = z.strictObject({
  data: z.array(
    z.strictObject({
      upload_id: z.string(),
      status: z.enum(["active", "completed", "failed", "expired"]),
      total_size: z.number().int(),
      chunk_size: z.number().int(),
      total_chunks: z.number().int(),
      created_at: rfc3339,
      expires_at: rfc3339,
    }),
  ),
  page_info: pageInfoSchema,
});

/** The API's error body. */
export const errorBodySchema = z.strictObject({ code: z.string().min(1), message: z.string() });

/** Status, headers and parsed JSON body of one API call. */
export interface ApiResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/** Calls the sandbox API; `key: null` sends no key, a string sends that key. */
export async function callApi(
  sandbox: TwelveLabsSandbox,
  method: "GET" | "POST",
  path: string,
  options: { body?: unknown; rawBody?: string; key?: string | null } = {},
): Promise<ApiResult> {
  const key = options.key === undefined ? sandbox.apiKey : options.key;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers["x-api-key"] = key;
  const answer = await request(`${sandbox.baseUrl}${path}`, {
    method,
    headers,
    body:
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await answer.body.text();
  return {
    status: answer.statusCode,
    headers: answer.headers,
    body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined,
  };
}

/** Calls the API, expects `status`, and parses the body with `schema`. */
export async function expectApi<T extends z.ZodType>(
  sandbox: TwelveLabsSandbox,
  method: "GET" | "POST",
  path: string,
  status: number,
  schema: T,
  body?: unknown,
): Promise<z.output<T>> {
  const result = await callApi(sandbox, method, path, { body });
  if (result.status !== status) {
    // Only an error body is shown: a success body may hold presigned URLs, which are secrets.
    const error = errorBodySchema.safeParse(result.body);
    const detail = error.success ? `${error.data.code}: ${error.data.message}` : "(body not shown)";
    throw new Error(`${method} ${path}: HTTP ${result.status}, expected ${status}: ${detail}`);
  }
  return schema.parse(result.body);
}

/** Status, ETag and body of one part PUT. */
export interface PutResult {
  readonly status: number;
  readonly etag: string | undefined;
  readonly body: string;
}

/** PUTs bytes to a presigned URL with the given headers (never the API key). */
export async function putPart(
  url: string,
  bytes: Buffer,
  headers: Record<string, string> = {},
): Promise<PutResult> {
  const answer = await request(url, { method: "PUT", body: bytes, headers });
  const body = await answer.body.text();
  const etag = answer.headers.etag;
  return { status: answer.statusCode, etag: typeof etag === "string" ? etag : undefined, body };
}

/** Hex MD5 of some bytes. */
export { md5 } from "../helpers/md5.js";
