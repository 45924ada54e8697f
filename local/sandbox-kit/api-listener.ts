/**
 * The request listener of a sandbox's one HTTP port: the API's routes (key check, faults, JSON)
 * and every other PUT to the presigned-URL gate. Each sandbox gives its routes, its key header
 * and its body reading; the order of the steps, and so of the answers, is the same for both.
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { apiRefusalAnswer, deliverAnswer } from "./fault-answers.js";
import type { FaultSource } from "./faults.js";
import {
  errorAnswer,
  jsonAnswer,
  type Outgoing,
  SandboxHttpError,
  writeAnswer,
} from "./http-io.js";

/**
 * Status and JSON body of one API answer. Each endpoint builds its body as the documented
 * answer's type (`satisfies`), so a field the docs do not have, or lack, fails to compile.
 */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Rewrites the JSON body of a successful API answer just before it is sent, so that tests can
 * produce any answer shape (missing fields, nulls, unknown statuses). What it returns is sent as
 * JSON; `undefined` sends an empty body.
 */
export type AnswerRewriter<A extends string> = (endpoint: A, answer: unknown) => unknown;

/** One API call: the endpoint its faults and counts go to, and what it does. */
export interface ApiRoute<A extends string> {
  readonly endpoint: A;
  readonly call: (body: unknown, query: URLSearchParams) => Promise<ApiAnswer> | ApiAnswer;
}

/** What the listener needs. */
export interface ApiListenerDeps<A extends string> {
  /**
   * The route of a request, `undefined` for a path outside the API (a PUT there goes to the
   * gate); throws a 404 or 405 for an API path that no route serves.
   */
  readonly route: (method: string, pathname: string) => ApiRoute<A> | undefined;
  /** The gate of presigned part PUTs. */
  readonly gate: { handle(req: IncomingMessage, res: ServerResponse): Promise<void> };
  readonly faults: FaultSource<A>;
  readonly apiKey: string;
  /** Header that carries the key, as the API names it (compared without case). */
  readonly apiKeyHeader: string;
  /** Reads the body of an API call (after the key check). */
  readonly readBody: (req: IncomingMessage) => Promise<unknown>;
  /** The rewriter in force, read on every answer since tests may change it at any time. */
  readonly rewriter: () => AnswerRewriter<A> | undefined;
}

/** The request listener of a sandbox's HTTP server. */
export function createApiListener<A extends string>(deps: ApiListenerDeps<A>): RequestListener {
  const keyDigest = digest(deps.apiKey);
  const keyHeader = deps.apiKeyHeader.toLowerCase();
  return (req, res) => {
    handle(deps, keyHeader, keyDigest, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      writeAnswer(res, errorAnswer(asHttpError(error)));
    });
  };
}

/** A path segment, decoded; a malformed one is a 400 with `message`. */
export function decodePathSegment(segment: string, message: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SandboxHttpError(400, "parameter_invalid", message);
  }
}

async function handle<A extends string>(
  deps: ApiListenerDeps<A>,
  keyHeader: string,
  keyDigest: Buffer,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://sandbox.invalid");
  const route = deps.route(req.method ?? "", url.pathname);
  if (!route) {
    if (req.method === "PUT") return deps.gate.handle(req, res);
    throw new SandboxHttpError(404, "not_found", "no such route");
  }

  const key = req.headers[keyHeader];
  if (typeof key !== "string" || !timingSafeEqual(digest(key), keyDigest)) {
    throw new SandboxHttpError(
      403,
      "api_key_invalid",
      `the ${deps.apiKeyHeader} header is missing or wrong`,
    );
  }
  const body = await deps.readBody(req);

  const plan = await deps.faults.inject(route.endpoint);
  const answer = plan.refusal
    ? apiRefusalAnswer(plan.refusal)
    : await processCall(deps, route, body, url.searchParams);
  deliverAnswer(res, answer, plan, deps.faults, route.endpoint);
}

/** Runs the call; its errors become answers too, so that a lost-answer fault loses them alike. */
async function processCall<A extends string>(
  deps: ApiListenerDeps<A>,
  route: ApiRoute<A>,
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

/** Keys are compared as digests, so the comparison takes the same time whatever the key. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
