/**
 * The gate in front of the local S3 server for presigned part PUTs. s3rver checks no
 * signature, so the gate refuses what S3 would: URLs never issued or tampered with, expired
 * URLs, upload headers with other values (or, in strict mode, missing), sessions no longer
 * active, and PUTs without a Content-Length. Accepted PUTs are streamed to S3 as they arrive.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { request } from "undici";
import { normalizeEtag } from "./apply-chunk-report.js";
import type { FaultInjector } from "./faults.js";
import { drainRequest, sendS3Error } from "./http-io.js";
import type { PartUrlSigner } from "./part-url-signer.js";
import {
  canonicalQuery,
  type IssuedUrl,
  type SessionStore,
  type UploadSessionState,
} from "./session-store.js";

/** What the gate needs. */
export interface PartGateDeps {
  readonly store: SessionStore;
  readonly signer: PartUrlSigner;
  readonly faults: FaultInjector;
  readonly strictHeaders: boolean;
  readonly now: () => number;
  /** Dispatcher for the connections to the S3 server, closed with the sandbox. */
  readonly dispatcher: Dispatcher;
}

/** A refusal of the gate, answered in S3's XML error format. */
interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Handles `PUT /<bucket>/<key>?partNumber=..&uploadId=..&X-Amz-...` on the sandbox's port. */
export class PartGate {
  constructor(private readonly deps: PartGateDeps) {}

  /** Checks one part PUT and, if it passes, streams it to S3 and records the stored part. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const checked = await this.check(req);
    if ("status" in checked) {
      await drainRequest(req);
      sendS3Error(res, checked.status, checked.code, checked.message, checked.headers);
      return;
    }
    const { issued, length, session } = checked;

    const target = await this.deps.signer.forwardUrl(session, issued.partNumber);
    const contentType = req.headers["content-type"];
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(target, {
        method: "PUT",
        // The part flows through as it arrives: never buffered, whatever its size.
        body: length === 0 ? "" : req,
        headers: {
          "content-length": String(length),
          ...(contentType ? { "content-type": contentType } : {}),
        },
        dispatcher: this.deps.dispatcher,
      });
    } catch {
      // The client broke off, or S3 could not be reached: nothing was stored.
      if (!res.headersSent && !res.destroyed) {
        await drainRequest(req);
        sendS3Error(res, 400, "IncompleteBody", "the part could not be stored");
      }
      return;
    }
    const text = await answer.body.text();
    const etag = headerValue(answer.headers.etag);
    if (answer.statusCode === 200 && etag) {
      this.deps.store.recordPart(session, issued.partNumber, {
        etag: normalizeEtag(etag),
        size: length,
      });
    }
    const headers: Record<string, string | number> = { "content-length": Buffer.byteLength(text) };
    if (etag) headers.etag = etag;
    const s3Type = headerValue(answer.headers["content-type"]);
    if (s3Type && text.length > 0) headers["content-type"] = s3Type;
    res.writeHead(answer.statusCode, headers);
    res.end(text);
  }

  private async check(
    req: IncomingMessage,
  ): Promise<
    | Refusal
    | { readonly issued: IssuedUrl; readonly length: number; readonly session: UploadSessionState }
  > {
    const fault = await this.deps.faults.inject("partPut");
    if (fault?.status === 500) {
      return { status: 500, code: "InternalError", message: "injected fault" };
    }
    if (fault?.status === 429) {
      return {
        status: 429,
        code: "SlowDown",
        message: "injected fault: reduce your request rate",
        headers: { "retry-after": String(fault.retryAfterSeconds) },
      };
    }

    const lengthHeader = req.headers["content-length"];
    if (lengthHeader === undefined || !/^[0-9]+$/.test(lengthHeader)) {
      return { status: 411, code: "MissingContentLength", message: "Content-Length is required" };
    }
    const length = Number(lengthHeader);

    const url = new URL(req.url ?? "/", "http://gate.invalid");
    const signature = url.searchParams.get("X-Amz-Signature");
    const issued = signature ? this.deps.store.issuedUrl(signature) : undefined;
    if (!issued) {
      return { status: 403, code: "AccessDenied", message: "the URL was not issued by the API" };
    }
    if (
      url.pathname !== issued.pathname ||
      canonicalQuery(url.searchParams) !== issued.canonicalQuery
    ) {
      return {
        status: 403,
        code: "SignatureDoesNotMatch",
        message: "the request signature does not match the URL",
      };
    }
    if (this.deps.now() > issued.expiresAt) {
      return { status: 403, code: "AccessDenied", message: "Request has expired" };
    }
    for (const [name, value] of Object.entries(issued.headers)) {
      const sent = headerValue(req.headers[name.toLowerCase()]);
      if (sent === undefined) {
        if (this.deps.strictHeaders) {
          return {
            status: 403,
            code: "SignatureDoesNotMatch",
            message: `the signed header ${name} is missing`,
          };
        }
      } else if (sent.trim() !== value) {
        return {
          status: 403,
          code: "SignatureDoesNotMatch",
          message: `the signed header ${name} has another value`,
        };
      }
    }
    const session = this.deps.store.get(issued.uploadId);
    const status = session ? this.deps.store.statusOf(session) : "unknown";
    if (!session || status !== "active") {
      return { status: 403, code: "AccessDenied", message: `the upload is ${status}` };
    }
    return { issued, length, session };
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}
