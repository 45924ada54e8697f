/**
 * Routing of the sandbox's one HTTP port: the API under `/v1.3` (key check, faults, JSON), and
 * every other PUT to the presigned-URL gate.
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { apiRefusalAnswer, deliverAnswer } from "./fault-answers.js";
import type { AnswerRewriter, ApiEndpoint, FaultInjector } from "./faults.js";
import {
  errorAnswer,
  jsonAnswer,
  type Outgoing,
  readJsonBody,
  SandboxHttpError,
  writeAnswer,
} from "./http-io.js";
import type { PartGate } from "./part-gate.js";
import type { ApiAnswer, SandboxApi } from "./sandbox-api.js";

/** Path prefix of the API, as in `https://api.twelvelabs.io/v1.3`. */
export const API_PREFIX = "/v1.3";

/** What the router needs. */
export interface SandboxRouterDeps {
  readonly api: SandboxApi;
  readonly gate: PartGate;
  readonly faults: FaultInjector;
  readonly apiKey: string;
  /** The rewriter in force, read on every answer since tests may change it at any time. */
  readonly rewriter: () => AnswerRewriter | undefined;
}

interface Route {
  readonly endpoint: ApiEndpoint;
  readonly call: (body: unknown, query: URLSearchParams) => Promise<ApiAnswer> | ApiAnswer;
}

/** The request listener of the sandbox's HTTP server. */
export function createSandboxRequestListener(deps: SandboxRouterDeps): RequestListener {
  const keyDigest = digest(deps.apiKey);
  return (req, res) => {
    handle(deps, keyDigest, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      writeAnswer(res, errorAnswer(asHttpError(error)));
    });
  };
}

async function handle(
  deps: SandboxRouterDeps,
  keyDigest: Buffer,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://sandbox.invalid");
  if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
    if (req.method === "PUT") return deps.gate.handle(req, res);
    throw new SandboxHttpError(404, "not_found", "no such route");
  }
  const route = matchRoute(deps.api, req.method ?? "", url.pathname.slice(API_PREFIX.length));

  const key = req.headers["x-api-key"];
  if (typeof key !== "string" || !timingSafeEqual(digest(key), keyDigest)) {
    throw new SandboxHttpError(403, "api_key_invalid", "the x-api-key header is missing or wrong");
  }
  const body = req.method === "POST" ? await readJsonBody(req) : undefined;

  const plan = await deps.faults.inject(route.endpoint);
  const answer = plan.refusal
    ? apiRefusalAnswer(plan.refusal)
    : await processCall(deps, route, body, url.searchParams);
  deliverAnswer(res, answer, plan, deps.faults, route.endpoint);
}

/** Runs the call; its errors become answers too, so that a lost-answer fault loses them alike. */
async function processCall(
  deps: SandboxRouterDeps,
  route: Route,
  body: unknown,
  query: URLSearchParams,
): Promise<Outgoing> {
  try {
    const answer = await route.call(body, query);
    const rewrite = deps.rewriter();
    const ok = answer.status >= 200 && answer.status < 300;
    return jsonAnswer(
      answer.status,
      ok && rewrite ? rewrite(route.endpoint, answer.body) : answer.body,
    );
  } catch (error) {
    return errorAnswer(asHttpError(error));
  }
}

/** Unexpected errors are answered without their message: it may carry S3 details. */
function asHttpError(error: unknown): SandboxHttpError {
  return error instanceof SandboxHttpError
    ? error
    : new SandboxHttpError(500, "internal_error", "internal error");
}

function matchRoute(api: SandboxApi, method: string, path: string): Route {
  const segments = path.split("/").slice(1);
  if (segments[0] !== "assets" || segments[1] !== "multipart-uploads") {
    throw new SandboxHttpError(404, "not_found", "no such route");
  }
  const rawId = segments[2];
  const uploadId = rawId === undefined ? undefined : safeDecode(rawId);
  const tail = segments.slice(3);
  let route: Route | undefined;
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

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SandboxHttpError(400, "parameter_invalid", "malformed upload_id in the path");
  }
}

/** Keys are compared as digests, so the comparison takes the same time whatever the key. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
