/**
 * Forwards one HTTP request to an upstream server and its answer back, streaming both bodies
 * with backpressure (`pipeline`), so a multi-MiB S3 body is never held in memory. Status,
 * headers and body of the upstream answer pass through as they are, but for hop-by-hop headers,
 * which belong to each connection.
 */

import {
  type Agent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import { pipeline } from "node:stream";

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus `expect`. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  // The gate answered `100 Continue` itself (or refused); the upstream gets the body at once.
  "expect",
]);

/** What to send upstream instead of the caller's request line and headers. */
export interface ForwardOptions {
  /** Upstream base URL, e.g. `http://127.0.0.1:4569`. */
  readonly upstream: URL;
  readonly agent: Agent;
  /** Path and query to request upstream. */
  readonly path: string;
  /** Header replacements (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body, already read; otherwise the caller's body is streamed. */
  readonly body?: Buffer;
}

function forwardedHeaders(
  incoming: IncomingMessage,
  replacements: Readonly<Record<string, string>>,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return { ...headers, ...replacements };
}

function answerHeaders(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (!HOP_BY_HOP.has(name.toLowerCase())) kept.push(name, rawHeaders[i + 1] as string);
  }
  return kept;
}

/**
 * Sends the request upstream and pipes the answer to `response`. Resolves when the exchange
 * ends; a failure before the answer started becomes a 502, a failure after it cuts the answer
 * (the caller then sees a truncated body, as from a failing server).
 */
export function forward(
  incoming: IncomingMessage,
  response: ServerResponse,
  options: ForwardOptions,
): Promise<void> {
  return new Promise((resolve) => {
    const headers = forwardedHeaders(incoming, options.headers ?? {});
    if (options.body) headers["content-length"] = String(options.body.length);
    const outgoing = httpRequest({
      protocol: options.upstream.protocol,
      hostname: options.upstream.hostname,
      port: options.upstream.port,
      method: incoming.method,
      path: options.path,
      headers,
      agent: options.agent,
    });

    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      if (!response.headersSent) {
        const body = `local IAM gate: upstream ${options.upstream.origin} failed: ${error.message}`;
        response.writeHead(502, {
          "content-type": "text/plain; charset=utf-8",
          "content-length": String(Buffer.byteLength(body)),
        });
        response.end(body);
      } else {
        response.destroy(error);
      }
      resolve();
    };

    outgoing.once("response", (answer) => {
      response.writeHead(
        answer.statusCode ?? 502,
        answer.statusMessage,
        answerHeaders(answer.rawHeaders),
      );
      pipeline(answer, response, () => resolve());
    });

    // Also after the request body is sent: an upstream error must never go unhandled.
    outgoing.on("error", fail);
    if (options.body) {
      outgoing.end(options.body);
    } else {
      // A caller that goes away mid-body aborts the upstream request.
      pipeline(incoming, outgoing, (error) => {
        if (error) fail(error);
      });
    }
    // The caller going away mid-answer ends the upstream exchange too.
    response.once("close", () => {
      if (!response.writableFinished) outgoing.destroy();
    });
  });
}
