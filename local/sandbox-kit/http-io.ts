/** Reading requests and writing answers for a sandbox's HTTP server, JSON and S3-style XML. */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { DocumentedErrorBody as SpatialGenErrorBody } from "../../functions/core/providers/spatialgen/spatialgen-documented-answers.js";
import type { DocumentedErrorBody as TwelveLabsErrorBody } from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";

/** An answer other than 2xx, with the API's JSON error body `{code, message}`. */
export class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "SandboxHttpError";
  }
}

/** How one API reads its JSON request bodies. */
export interface JsonBodyRules {
  /** Largest body read, in bytes; a larger one is a 413. */
  readonly maxBytes: number;
  /** Whether an empty (or blank) body reads as `undefined`; otherwise it is not JSON (400). */
  readonly emptyIsUndefined: boolean;
  /** Message of the 400 for a body that is not JSON. */
  readonly invalidMessage: string;
}

/** Reads a JSON request body; 400 if it is not JSON, 413 if it is too large. */
export async function readJsonBody(req: IncomingMessage, rules: JsonBodyRules): Promise<unknown> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    length += part.length;
    if (length > rules.maxBytes) {
      throw new SandboxHttpError(413, "payload_too_large", "request body is too large");
    }
    parts.push(part);
  }
  const text = Buffer.concat(parts).toString("utf8");
  if (rules.emptyIsUndefined && text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SandboxHttpError(400, "parameter_invalid", rules.invalidMessage);
  }
}

/** A complete answer, built before anything is written so that a fault can still replace it. */
export interface Outgoing {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body; `Content-Length` is set from it when written. */
  readonly body: string;
}

/** A JSON answer; an `undefined` body (a test's rewrite may answer one) is sent empty. */
export function jsonAnswer(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Outgoing {
  // JSON.stringify answers undefined for undefined, though its type says string.
  const text: string | undefined = JSON.stringify(body);
  return {
    status,
    headers: { ...headers, "content-type": "application/json; charset=utf-8" },
    body: text ?? "",
  };
}

/** The JSON error body `{code, message}` both APIs answer, for an error. */
export function errorAnswer(error: SandboxHttpError): Outgoing {
  const body = { code: error.code, message: error.message } satisfies TwelveLabsErrorBody &
    SpatialGenErrorBody;
  return jsonAnswer(error.status, body, error.headers);
}

/** Writes an answer at once, with its `Content-Length`. */
export function writeAnswer(res: ServerResponse, answer: Outgoing): void {
  res.writeHead(answer.status, {
    ...answer.headers,
    "content-length": Buffer.byteLength(answer.body),
  });
  res.end(answer.body);
}

/**
 * Reads and discards the rest of a request body. Answering a part PUT before its body is read
 * makes clients see a reset socket instead of the refusal, so refusals drain first.
 */
export async function drainRequest(req: IncomingMessage): Promise<void> {
  // A request whose connection is gone emits nothing more: waiting for it would hang.
  if (req.readableEnded || req.destroyed) return;
  await new Promise<void>((resolve) => {
    req.on("end", resolve);
    req.on("error", () => resolve());
    req.on("close", resolve);
    req.resume();
  });
}

/** An S3-style XML error, as a presigned-URL PUT would get from S3. */
export function s3ErrorAnswer(
  status: number,
  code: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): Outgoing {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
  return { status, headers: { ...headers, "content-type": "application/xml" }, body: xml };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
