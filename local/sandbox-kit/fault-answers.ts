/**
 * How injected faults look on the wire: the answers that replace a call (500, 429, a proxy's
 * HTML page), a lost answer (the connection destroyed after the call was processed), and a part
 * PUT reset halfway through its body.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultPlan, FaultRefusal, FaultSource } from "./faults.js";
import {
  errorAnswer,
  type Outgoing,
  SandboxHttpError,
  s3ErrorAnswer,
  writeAnswer,
} from "./http-io.js";

/** A proxy's error page, answered with a 200 as some proxies and captive portals do. */
export const PROXY_ERROR_PAGE: Outgoing = {
  status: 200,
  headers: { "content-type": "text/html; charset=utf-8" },
  body:
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>" +
    "<body><h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>\n",
};

/** The answer of a refusal fault at the API, in its JSON error format. */
export function apiRefusalAnswer(refusal: FaultRefusal): Outgoing {
  switch (refusal.kind) {
    case "500":
      return errorAnswer(new SandboxHttpError(500, "internal_error", "injected fault"));
    case "429":
      return errorAnswer(
        new SandboxHttpError(429, "too_many_requests", "injected fault: rate limited", {
          "retry-after": String(refusal.retryAfterSeconds),
        }),
      );
    case "htmlAnswer":
      return PROXY_ERROR_PAGE;
  }
}

/** The answer of a refusal fault at the part gate, in S3's XML error format. */
export function s3RefusalAnswer(refusal: FaultRefusal): Outgoing {
  switch (refusal.kind) {
    case "500":
      return s3ErrorAnswer(500, "InternalError", "injected fault");
    case "429":
      return s3ErrorAnswer(429, "SlowDown", "injected fault: reduce your request rate", {
        "retry-after": String(refusal.retryAfterSeconds),
      });
    case "htmlAnswer":
      return PROXY_ERROR_PAGE;
  }
}

/**
 * Writes the answer of a processed call, unless the plan loses it (the connection is destroyed
 * without a word) or the client already hung up (counted as `clientGone`, so that a soak can
 * tell sessions whose create answer nobody heard).
 */
export function deliverAnswer<E extends string>(
  res: ServerResponse,
  answer: Outgoing,
  plan: FaultPlan,
  faults: FaultSource<E>,
  endpoint: E,
): void {
  if (res.destroyed || res.socket?.destroyed === true) {
    faults.count(endpoint, "clientGone");
    return;
  }
  if (plan.loseAnswer) {
    res.destroy();
    return;
  }
  writeAnswer(res, answer);
}

/** Reads the first piece of a PUT's body, then destroys the connection: nothing is stored. */
export async function resetMidBody(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!req.readableEnded && !req.destroyed) {
    await new Promise<void>((resolve) => {
      const done = (): void => resolve();
      req.once("data", done);
      req.once("end", done);
      req.once("error", done);
      req.once("close", done);
    });
  }
  res.destroy();
}
