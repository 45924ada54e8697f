/**
 * The part URLs of TwelveLabs chunks: the kit's signer over UploadPart commands, answered as the
 * API's `PresignedUrlChunk`, and the gate's view of a session (which chunk a URL stores into,
 * whether the session still takes parts).
 */

import { UploadPartCommand } from "@aws-sdk/client-s3";
import type { DocumentedPresignedUrlChunk } from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";
import type { PartUploads } from "../sandbox-kit/part-gate.js";
import type { IssuedPartUrl, PartUrlSigner } from "../sandbox-kit/part-url-signer.js";
import type { StoredPart } from "../sandbox-kit/stored-part.js";
import type { SessionStore, UploadSessionState } from "./session-store.js";
import { rfc3339 } from "./wire-format.js";

/** What is kept of a chunk URL besides what was signed. */
export interface ChunkUrlDetails {
  readonly uploadId: string;
  readonly partNumber: number;
  /** The session's upload headers, demanded by the gate in strict mode only. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Issues chunk URLs for the API and tells the gate where a chunk URL's part goes. */
export class ChunkUrls implements PartUploads<ChunkUrlDetails, UploadSessionState> {
  constructor(
    private readonly signer: PartUrlSigner<ChunkUrlDetails>,
    private readonly bucket: string,
    private readonly store: SessionStore,
  ) {}

  /** A fresh client URL for chunk `index`, expiring the signer's lifetime from now. */
  async issue(session: UploadSessionState, index: number): Promise<DocumentedPresignedUrlChunk> {
    const { url, issued } = await this.signer.issue(this.commandFor(session, index), {
      uploadId: session.uploadId,
      partNumber: index,
      headers: session.uploadHeaders,
    });
    return { chunk_index: index, url, expires_at: rfc3339(issued.expiresAt) };
  }

  /** The URL's session, if it is still active. */
  openUpload(
    issued: IssuedPartUrl<ChunkUrlDetails>,
  ): { readonly upload: UploadSessionState } | { readonly closed: string } {
    const session = this.store.get(issued.uploadId);
    const status = session ? this.store.statusOf(session) : "unknown";
    if (!session || status !== "active") return { closed: `the upload is ${status}` };
    return { upload: session };
  }

  /** The UploadPart of chunk `index` of the session's S3 multipart upload. */
  commandFor(session: UploadSessionState, index: number): UploadPartCommand {
    return new UploadPartCommand({
      Bucket: this.bucket,
      Key: session.key,
      UploadId: session.s3UploadId,
      PartNumber: index,
    });
  }

  /** Records the chunk's stored part in the session. */
  recordPart(session: UploadSessionState, index: number, part: StoredPart): void {
    this.store.recordPart(session, index, part);
  }
}
