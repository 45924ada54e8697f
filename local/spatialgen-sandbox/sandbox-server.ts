/**
 * The routes of the SpatialGen API under `/api/videos/uploads`; the kit's listener serves them
 * (key check, faults, JSON) and sends every other PUT to the presigned-URL gate.
 */

import type { IncomingMessage } from "node:http";
import { SPATIALGEN_ENDPOINTS } from "../../functions/core/config/limits.js";
import { type ApiRoute, decodePathSegment } from "../sandbox-kit/api-listener.js";
import { type JsonBodyRules, readJsonBody, SandboxHttpError } from "../sandbox-kit/http-io.js";
import type { SpatialGenApiEndpoint } from "./sandbox-faults.js";
import type { SpatialGenApi } from "./spatialgen-api.js";

/**
 * Largest JSON body read: a complete listing 10,000 quoted ETags is about 600 KB. An empty body
 * is `undefined`, since a `single_put` complete and a DELETE carry none.
 */
const BODY_RULES: JsonBodyRules = {
  maxBytes: 2 * 1024 * 1024,
  emptyIsUndefined: true,
  invalidMessage: "body: request body is not valid JSON",
};

/** Reads the body of any call; most carry one, a DELETE and some completes none. */
export function readApiBody(req: IncomingMessage): Promise<unknown> {
  return readJsonBody(req, BODY_RULES);
}

/** The route of a request under the uploads path; `undefined` for any other path. */
export function routeOf(
  api: SpatialGenApi,
  method: string,
  pathname: string,
): ApiRoute<SpatialGenApiEndpoint> | undefined {
  const base = SPATIALGEN_ENDPOINTS.uploadsPath;
  if (pathname !== base && !pathname.startsWith(`${base}/`)) return undefined;
  return matchRoute(api, method, pathname.slice(base.length));
}

/** Routes `''`, `/{id}`, `/{id}/files/{fileId}/part-urls` and `/{id}/files/{fileId}/complete`. */
function matchRoute(
  api: SpatialGenApi,
  method: string,
  path: string,
): ApiRoute<SpatialGenApiEndpoint> {
  const segments = path
    .split("/")
    .slice(1)
    .map((segment) => decodePathSegment(segment, "path: malformed id in the path"));
  const [groupId, files, fileId, action, ...rest] = segments;
  let route: ApiRoute<SpatialGenApiEndpoint> | undefined;
  let known = true;
  if (groupId === undefined || (groupId === "" && segments.length === 1)) {
    if (method === "POST") route = { endpoint: "start", call: (body) => api.start(body) };
  } else if (groupId === "" || rest.length > 0) {
    known = false;
  } else if (files === undefined) {
    if (method === "DELETE") route = { endpoint: "cancel", call: () => api.cancel(groupId) };
  } else if (files === "files" && fileId && action === "part-urls") {
    if (method === "POST") {
      route = { endpoint: "partUrls", call: (body) => api.partUrls(groupId, fileId, body) };
    }
  } else if (files === "files" && fileId && action === "complete") {
    if (method === "POST") {
      route = { endpoint: "complete", call: (body) => api.complete(groupId, fileId, body) };
    }
  } else {
    known = false;
  }
  if (route) return route;
  if (!known) throw new SandboxHttpError(404, "not_found", "no such route");
  throw new SandboxHttpError(405, "method_not_allowed", `${method} is not allowed here`);
}
