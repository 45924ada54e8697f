/**
 * Hand-made HTTP calls to the TwelveLabs sandbox for the contract tests, with strict schemas of
 * every documented answer: an extra or missing field, or a wrong type, fails the test. The
 * schemas are the core's documented shapes (strict objects all the way down), not a copy.
 */

import { request } from "undici";
import type { z } from "zod";
import {
  DocumentedCreateSessionAnswerSchema,
  DocumentedErrorBodySchema,
  DocumentedListIncompleteAnswerSchema,
  DocumentedPresignedUrlChunkSchema,
  DocumentedPresignedUrlsAnswerSchema,
  DocumentedReportChunksAnswerSchema,
  DocumentedStatusAnswerSchema,
} from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";
import type { TwelveLabsSandbox } from "../../local/twelvelabs-sandbox/index.js";

import { type ApiCallOptions, type ApiResult, callJsonApi } from "./call-json-api.js";

export type { ApiResult };
/** `PresignedUrlChunk`. */
export const presignedUrlChunkSchema = DocumentedPresignedUrlChunkSchema;
/** Answer of create. */
export const createAnswerSchema = DocumentedCreateSessionAnswerSchema;
/** Answer of presigned-urls. */
export const presignedUrlsAnswerSchema = DocumentedPresignedUrlsAnswerSchema;
/** Answer of report. */
export const reportAnswerSchema = DocumentedReportChunksAnswerSchema;
/** Answer of status. */
export const statusAnswerSchema = DocumentedStatusAnswerSchema;
/** Answer of list incomplete. */
export const listAnswerSchema = DocumentedListIncompleteAnswerSchema;
/** The API's error body. */
export const errorBodySchema = DocumentedErrorBodySchema;

/** Calls the sandbox API; `key: null` sends no key, a string sends that key. */
export async function callApi(
  sandbox: TwelveLabsSandbox,
  method: "GET" | "POST",
  path: string,
  options: ApiCallOptions = {},
): Promise<ApiResult> {
  const key = options.key === undefined ? sandbox.apiKey : options.key;
  return callJsonApi(method, `${sandbox.baseUrl}${path}`, "x-api-key", key, options);
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
