/**
 * The gate in front of the local S3 server for presigned part PUTs. s3rver checks signatures and
 * expiry on the real clock only, so the gate refuses what S3 would on the sandbox's clock: URLs
 * never issued or tampered with, expired URLs, and PUTs without a Content-Length; in strict mode
 * also PUTs without the upload headers as handed out; and, as the sandbox says, uploads that no
 * longer take parts. Accepted PUTs are streamed to S3 as they arrive and the stored part recorded.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { request } from "undici";
import { deliverAnswer, resetMidBody, s3RefusalAnswer } from "./fault-answers.js";
import { type FaultSource, PART_PUT, type PartPutEndpoint } from "./faults.js";
import { drainRequest, type Outgoing, s3ErrorAnswer } from "./http-io.js";
import {
  canonicalQuery,
  type IssuedPartUrl,
  type PartCommand,
  type PartUrlDetails,
  type PartUrlSigner,
} from "./part-url-signer.js";
import { normalizeEtag, type StoredPart } from "./stored-part.js";

/** The sandbox's side of the gate: which upload an issued URL stores into, and how. */
export interface PartUploads<D extends PartUrlDetails, T> {
  /** The upload an issued URL stores into, or why it takes no part now (a 403's message). */
  openUpload(issued: IssuedPartUrl<D>): { readonly upload: T } | { readonly closed: string };
  /** The S3 command a part of the upload is stored with. */
  commandFor(upload: T, partNumber: number): PartCommand;
  /** Records the part S3 stored; a re-PUT replaces it. */
  recordPart(upload: T, partNumber: number, part: StoredPart): void;
}

/** What the gate needs. */
export interface PartGateDeps<D extends PartUrlDetails, T> {
  readonly signer: PartUrlSigner<D>;
  readonly uploads: PartUploads<D, T>;
  readonly faults: FaultSource<PartPutEndpoint>;
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

/** A PUT that passed every check. */
interface Accepted<D extends PartUrlDetails, T> {
  readonly issued: IssuedPartUrl<D>;
  readonly length: number;
  readonly upload: T;
}

/** Handles `PUT /<bucket>/<key>?[partNumber=..&uploadId=..&]X-Amz-...` on the sandbox's port. */
export class PartGate<D extends PartUrlDetails, T> {
  constructor(private readonly deps: PartGateDeps<D, T>) {}

  /** Rolls the part PUT's faults, then checks it and, if it passes, stores it on S3. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const plan = await this.deps.faults.inject(PART_PUT);
    if (plan.resetMidPut) {
      await resetMidBody(req, res);
      return;
    }
    const answer = plan.refusal ? s3RefusalAnswer(plan.refusal) : await this.store(req);
    // Answering before the body is read makes clients see a reset instead of the answer.
    await drainRequest(req);
    deliverAnswer(res, answer, plan, this.deps.faults, PART_PUT);
  }

  /** Checks one part PUT and, if it passes, streams it to S3 and records the stored part. */
  private async store(req: IncomingMessage): Promise<Outgoing> {
    const checked = this.check(req);
    if ("status" in checked) return s3ErrorAnswer(checked.status, checked.code, checked.message);
    const { issued, length, upload } = checked;

    const { uploads } = this.deps;
    const target = await this.deps.signer.forwardUrl(uploads.commandFor(upload, issued.partNumber));
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
      uploads.recordPart(upload, issued.partNumber, { etag: normalizeEtag(etag), size: length });
    }
    const headers: Record<string, string> = {};
    if (etag) headers.etag = etag;
    const s3Type = headerValue(answer.headers["content-type"]);
    if (s3Type && text.length > 0) headers["content-type"] = s3Type;
    return { status: answer.statusCode, headers, body: text };
  }

  private check(req: IncomingMessage): Refusal | Accepted<D, T> {
    const lengthHeader = req.headers["content-length"];
    if (lengthHeader === undefined || !/^[0-9]+$/.test(lengthHeader)) {
      return { status: 411, code: "MissingContentLength", message: "Content-Length is required" };
    }
    const length = Number(lengthHeader);

    const url = new URL(req.url ?? "/", "http://gate.invalid");
    const signature = url.searchParams.get("X-Amz-Signature");
    const issued = signature ? this.deps.signer.issuedUrl(signature) : undefined;
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
    const open = this.deps.uploads.openUpload(issued);
    if ("closed" in open) return { status: 403, code: "AccessDenied", message: open.closed };
    return { issued, length, upload: open.upload };
  }
}

/**
 * Strict mode: every upload header must be sent with the value handed out. Not the default,
 * because the issued URLs sign only `host` (X-Amz-SignedHeaders=host), so S3 itself takes any
 * Content-Type or none, and the official SDK sends `application/octet-stream` for every file.
 */
function checkHeaders(req: IncomingMessage, issued: PartUrlDetails): Refusal | undefined {
  for (const [name, value] of Object.entries(issued.headers ?? {})) {
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
