/**
 * The routes of the TwelveLabs API under `/v1.3` (the multipart uploads, and the indexing of an
 * uploaded asset); the kit's listener serves them (key check, faults, JSON) and sends every
 * other PUT to the presigned-URL gate.
 */

import type { IncomingMessage } from "node:http";
import { type ApiRoute, decodePathSegment } from "../sandbox-kit/api-listener.js";
import { type JsonBodyRules, readJsonBody, SandboxHttpError } from "../sandbox-kit/http-io.js";
import type { ApiEndpoint } from "./faults.js";
import type { IndexingApi } from "./indexing-api.js";
import type { SandboxApi } from "./sandbox-api.js";

/** Path prefix of the API, as in `https://api.twelvelabs.io/v1.3`. */
export const API_PREFIX = "/v1.3";

/** Header of the API key. */
export const API_KEY_HEADER = "x-api-key";

/** Largest JSON body the API reads; the biggest real one (50 report entries) is a few KiB. */
const BODY_RULES: JsonBodyRules = {
  maxBytes: 1024 * 1024,
  emptyIsUndefined: false,
  invalidMessage: "request body is not valid JSON",
};

/** Reads the body of a POST; other calls carry none. */
export function readApiBody(req: IncomingMessage): Promise<unknown> {
  return req.method === "POST" ? readJsonBody(req, BODY_RULES) : Promise.resolve(undefined);
}

/** The route of a request under {@link API_PREFIX}; `undefined` for any other path. */
export function routeOf(
  api: SandboxApi,
  method: string,
  pathname: string,
  indexing: IndexingApi,
): ApiRoute<ApiEndpoint> | undefined {
  if (!pathname.startsWith(`${API_PREFIX}/`)) return undefined;
  return matchRoute(api, indexing, method, pathname.slice(API_PREFIX.length));
}

function matchRoute(
  api: SandboxApi,
  indexing: IndexingApi,
  method: string,
  path: string,
): ApiRoute<ApiEndpoint> {
  const segments = path.split("/").slice(1);
  if (segments[0] === "indexes") return matchIndexingRoute(indexing, method, segments.slice(1));
  if (segments[0] !== "assets" || segments[1] !== "multipart-uploads") {
    throw new SandboxHttpError(404, "not_found", "no such route");
  }
  const rawId = segments[2];
  const uploadId =
    rawId === undefined ? undefined : decodePathSegment(rawId, "malformed upload_id in the path");
  const tail = segments.slice(3);
  let route: ApiRoute<ApiEndpoint> | undefined;
  let known = true;
  if (uploadId === undefined) {
    if (method === "POST") route = { endpoint: "create", call: (body) => api.create(body) };
    if (method === "GET") route = { endpoint: "list", call: (_, query) => api.list(query) };
  } else if (uploadId.length === 0) {
    known = false;
  } else if (tail.length === 0) {
    if (method === "POST") {
      route = { endpoint: "report", call: (body) => api.report(uploadId, body) };
    }
    if (method === "GET") {
      route = { endpoint: "status", call: (_, query) => api.status(uploadId, query) };
    }
  } else if (tail.length === 1 && tail[0] === "presigned-urls") {
    if (method === "POST") {
      route = { endpoint: "presignedUrls", call: (body) => api.presignedUrls(uploadId, body) };
    }
  } else {
    known = false;
  }
  if (route) return route;
  if (!known) throw new SandboxHttpError(404, "not_found", "no such route");
  throw new SandboxHttpError(405, "method_not_allowed", `${method} is not allowed here`);
}

/**
 * `indexes/{index_id}/indexed-assets[/{indexed_asset_id}]`, given the segments after `indexes`.
 * Only create (POST) and retrieve (GET one) are emulated: the API's other methods on these
 * paths (list, update, delete) answer 405.
 */
function matchIndexingRoute(
  indexing: IndexingApi,
  method: string,
  segments: readonly string[],
): ApiRoute<ApiEndpoint> {
  const [rawIndexId, collection, rawAssetId, ...rest] = segments;
  if (!rawIndexId || collection !== "indexed-assets" || rawAssetId === "" || rest.length > 0) {
    throw new SandboxHttpError(404, "not_found", "no such route");
  }
  const indexId = decodePathSegment(rawIndexId, "malformed index_id in the path");
  if (rawAssetId === undefined) {
    if (method === "POST") {
      return { endpoint: "indexAsset", call: (body) => indexing.indexAsset(indexId, body) };
    }
  } else {
    const assetId = decodePathSegment(rawAssetId, "malformed indexed_asset_id in the path");
    if (method === "GET") {
      return { endpoint: "indexedAsset", call: () => indexing.indexedAsset(indexId, assetId) };
    }
  }
  throw new SandboxHttpError(405, "method_not_allowed", `${method} is not allowed here`);
}
