/**
 * The gate in front of the local S3 server for presigned part PUTs. s3rver checks no
 * signature, so the gate refuses what S3 would: URLs never issued or tampered with, expired
 * URLs, sessions no longer active, and PUTs without a Content-Length. In strict mode it also
 * demands the upload headers as handed out. Accepted PUTs are streamed to S3 as they arrive.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { request } from "undici";
import { normalizeEtag } from "./apply-chunk-report.js";
import { deliverAnswer, resetMidBody, s3RefusalAnswer } from "./fault-answers.js";
import type { FaultInjector } from "./faults.js";
import { drainRequest, type Outgoing, s3ErrorAnswer } from "./http-io.js";
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
  /** Demand every upload header as handed out; by default none is checked. */
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
}

/** Handles `PUT /<bucket>/<key>?partNumber=..&uploadId=..&X-Amz-...` on the sandbox's port. */
export class PartGate {
  constructor(private readonly deps: PartGateDeps) {}

  /** Rolls the part PUT's faults, then checks it and, if it passes, stores it on S3. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const plan = await this.deps.faults.inject("partPut");
    if (plan.resetMidPut) {
      await resetMidBody(req, res);
      return;
    }
    const answer = plan.refusal ? s3RefusalAnswer(plan.refusal) : await this.store(req);
    // Answering before the body is read makes clients see a reset instead of the answer.
    await drainRequest(req);
    deliverAnswer(res, answer, plan, this.deps.faults, "partPut");
  }

  /** Checks one part PUT and, if it passes, streams it to S3 and records the stored part. */
  private async store(req: IncomingMessage): Promise<Outgoing> {
    const checked = this.check(req);
    if ("status" in checked) return s3ErrorAnswer(checked.status, checked.code, checked.message);
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
      return s3ErrorAnswer(400, "IncompleteBody", "the part could not be stored");
    }
    const text = await answer.body.text();
    const etag = headerValue(answer.headers.etag);
    if (answer.statusCode === 200 && etag) {
      this.deps.store.recordPart(session, issued.partNumber, {
        etag: normalizeEtag(etag),
        size: length,
      });
    }
    const headers: Record<string, string> = {};
    if (etag) headers.etag = etag;
    const s3Type = headerValue(answer.headers["content-type"]);
    if (s3Type && text.length > 0) headers["content-type"] = s3Type;
    return { status: answer.statusCode, headers, body: text };
  }

  private check(req: IncomingMessage):
    | Refusal
    | {
        readonly issued: IssuedUrl;
        readonly length: number;
        readonly session: UploadSessionState;
      } {
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
    const headerRefusal = this.deps.strictHeaders ? checkHeaders(req, issued) : undefined;
    if (headerRefusal) return headerRefusal;
    const session = this.deps.store.get(issued.uploadId);
    const status = session ? this.deps.store.statusOf(session) : "unknown";
    if (!session || status !== "active") {
      return { status: 403, code: "AccessDenied", message: `the upload is ${status}` };
    }
    return { issued, length, session };
  }
}

/**
 * Strict mode: every upload header must be sent with the value handed out. Not the default,
 * because the issued URLs sign only `host` (X-Amz-SignedHeaders=host), so S3 itself takes any
 * Content-Type or none, and the official SDK sends `application/octet-stream` for every file.
 */
function checkHeaders(req: IncomingMessage, issued: IssuedUrl): Refusal | undefined {
  for (const [name, value] of Object.entries(issued.headers)) {
    const sent = headerValue(req.headers[name.toLowerCase()]);
    if (sent === undefined) {
      return {
        status: 403,
        code: "SignatureDoesNotMatch",
        message: `the signed header ${name} is missing`,
      };
    }
    if (sent.trim() !== value) {
      return {
        status: 403,
        code: "SignatureDoesNotMatch",
        message: `the signed header ${name} has another value`,
      };
    }
  }
  return undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}
