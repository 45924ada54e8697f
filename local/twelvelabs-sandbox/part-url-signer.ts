/**
 * Makes the presigned UploadPart URLs: real SigV4 URLs for the local S3 server, with the origin
 * swapped for the sandbox's gate, which enforces what the S3 server does not. They sign only
 * `host`, as the real service's do, so S3 would take a PUT with any Content-Type.
 */

import { type S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { DocumentedPresignedUrlChunk } from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";
import { canonicalQuery, type SessionStore, type UploadSessionState } from "./session-store.js";
import { rfc3339 } from "./wire-format.js";

/** Lifetime of the URL the gate forwards a PUT to; it is used at once. */
const FORWARD_URL_SECONDS = 300;

/** Signs part URLs for clients (recorded in the store) and for the gate's own forwarding. */
export class PartUrlSigner {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** `http://127.0.0.1:<port>` of the gate. */
    private readonly gateOrigin: string,
    private readonly s3Endpoint: string,
    private readonly store: SessionStore,
    private readonly now: () => number,
    private readonly lifetimeSeconds: number,
  ) {}

  /** A fresh client URL for chunk `index`, expiring `lifetimeSeconds` from now. */
  async issue(session: UploadSessionState, index: number): Promise<DocumentedPresignedUrlChunk> {
    // X-Amz-Date has second precision: start the lifetime at that second so that the URL's own
    // expiry and the gate's agree exactly.
    const signedAt = Math.floor(this.now() / 1000) * 1000;
    const signed = new URL(
      await getSignedUrl(this.s3, this.command(session, index), {
        expiresIn: this.lifetimeSeconds,
        signingDate: new Date(signedAt),
      }),
    );
    const signature = signed.searchParams.get("X-Amz-Signature");
    if (!signature) throw new Error("the presigner returned a URL without X-Amz-Signature");
    const gate = new URL(this.gateOrigin);
    signed.protocol = gate.protocol;
    signed.host = gate.host;
    const expiresAt = signedAt + this.lifetimeSeconds * 1000;
    this.store.recordIssuedUrl({
      signature,
      uploadId: session.uploadId,
      partNumber: index,
      pathname: signed.pathname,
      canonicalQuery: canonicalQuery(signed.searchParams),
      expiresAt,
      // Demanded by the gate in strict mode only: the signature itself does not cover them.
      headers: session.uploadHeaders,
    });
    return { chunk_index: index, url: signed.toString(), expires_at: rfc3339(expiresAt) };
  }

  /** A URL on the S3 server itself for the gate to forward a PUT to, signed on the real clock. */
  async forwardUrl(session: UploadSessionState, index: number): Promise<string> {
    const signed = new URL(
      await getSignedUrl(this.s3, this.command(session, index), { expiresIn: FORWARD_URL_SECONDS }),
    );
    const target = new URL(this.s3Endpoint);
    signed.protocol = target.protocol;
    signed.host = target.host;
    return signed.toString();
  }

  private command(session: UploadSessionState, index: number): UploadPartCommand {
    return new UploadPartCommand({
      Bucket: this.bucket,
      Key: session.key,
      UploadId: session.s3UploadId,
      PartNumber: index,
    });
  }
}
