/**
 * Hand-made HTTP calls to the SpatialGen sandbox for the contract tests. Every successful answer
 * is parsed twice: with the core's documented shapes (strict objects all the way down: an extra
 * or missing field, or a wrong type, fails the test) and with the relay's lenient reading
 * schemas (what a client will use), so the sandbox is held to the docs and the relay can read it.
 */

import { request } from "undici";
import { expect } from "vitest";
import type { z } from "zod";
import { SPATIALGEN_ENDPOINTS } from "../../functions/core/config/limits.js";
import {
  DocumentedCancelAnswerSchema,
  DocumentedCompleteAnswerSchema,
  DocumentedErrorBodySchema,
  DocumentedPartUrlsAnswerSchema,
  DocumentedStartAnswerSchema,
} from "../../functions/core/providers/spatialgen/spatialgen-documented-answers.js";
import type { StartGroupBody } from "../../functions/core/providers/spatialgen/spatialgen-requests.js";
import {
  CancelAnswerSchema,
  CompleteAnswerSchema,
  PartUrlsAnswerSchema,
  StartAnswerSchema,
} from "../../functions/core/providers/spatialgen/spatialgen-schemas.js";
import type { SpatialGenSandbox } from "../../local/spatialgen-sandbox/index.js";

import { type ApiCallOptions, type ApiResult, callJsonApi } from "./call-json-api.js";

export type { ApiResult };
/** Each answer's strict documented schema and the relay's lenient one. */
export const ANSWERS = {
  start: { strict: DocumentedStartAnswerSchema, lenient: StartAnswerSchema },
  partUrls: { strict: DocumentedPartUrlsAnswerSchema, lenient: PartUrlsAnswerSchema },
  complete: { strict: DocumentedCompleteAnswerSchema, lenient: CompleteAnswerSchema },
  cancel: { strict: DocumentedCancelAnswerSchema, lenient: CancelAnswerSchema },
} as const;

/** HTTP methods of the API. */
export type ApiMethod = "POST" | "DELETE" | "GET" | "PUT";

/** Calls the API at `path` under `/api/videos/uploads`; `key: null` sends no key. */
export async function callApi(
  sandbox: SpatialGenSandbox,
  method: ApiMethod,
  path: string,
  options: ApiCallOptions = {},
): Promise<ApiResult> {
  const key = options.key === undefined ? sandbox.apiKey : options.key;
  return callJsonApi(
    method,
    `${sandbox.baseUrl}${SPATIALGEN_ENDPOINTS.uploadsPath}${path}`,
    SPATIALGEN_ENDPOINTS.apiKeyHeader,
    key,
    options,
  );
}

/** Calls the API, expects `status`, and parses the body strictly and leniently; returns the strict reading. */
export async function expectApi<K extends keyof typeof ANSWERS>(
  sandbox: SpatialGenSandbox,
  answer: K,
  method: ApiMethod,
  path: string,
  status: number,
  body?: unknown,
): Promise<z.output<(typeof ANSWERS)[K]["strict"]>> {
  const result = await callApi(sandbox, method, path, { body });
  if (result.status !== status) {
    // Only an error body is shown: a success body may hold presigned URLs, which are secrets.
    const error = DocumentedErrorBodySchema.safeParse(result.body);
    const detail = error.success ? `${error.data.code}: ${error.data.message}` : "(body not shown)";
    throw new Error(`${method} ${path}: HTTP ${result.status}, expected ${status}: ${detail}`);
  }
  ANSWERS[answer].lenient.parse(result.body);
  return ANSWERS[answer].strict.parse(result.body) as z.output<(typeof ANSWERS)[K]["strict"]>;
}

/**
 * Expects an error answer: its status, its code, and a message that names `field` (a zod path
 * such as `files.0.fileName`, or a word such as an id). Answers the message.
 */
export function expectRefusal(
  result: ApiResult,
  status: number,
  code: string,
  field: string,
): string {
  const error = DocumentedErrorBodySchema.parse(result.body);
  expect({ status: result.status, code: error.code }).toEqual({ status, code });
  expect(error.message).toContain(field);
  return error.message;
}

/** Starts a group; answers the strict reading. */
export function startGroup(sandbox: SpatialGenSandbox, body: StartGroupBody) {
  return expectApi(sandbox, "start", "POST", "", 201, body);
}

/** Path of a file's call: `/{group}/files/{file}/{action}`. */
export function filePath(group: string, file: string, action: "part-urls" | "complete"): string {
  return `/${group}/files/${file}/${action}`;
}

/** Status, ETag and body of one part PUT. */
export interface PutResult {
  readonly status: number;
  readonly etag: string | undefined;
  readonly body: string;
}

/** PUTs bytes to a presigned URL (never with the API key). */
export async function putPart(url: string, bytes: Buffer): Promise<PutResult> {
  const answer = await request(url, { method: "PUT", body: bytes });
  const body = await answer.body.text();
  const etag = answer.headers.etag;
  return { status: answer.statusCode, etag: typeof etag === "string" ? etag : undefined, body };
}

/** Hex MD5 of some bytes. */
export { md5 } from "../helpers/md5.js";
