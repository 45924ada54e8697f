/**
 * The part URLs of SpatialGen files: the kit's signer over UploadPart commands for a multipart
 * file and a PutObject for a `single_put` one, answered as the API's part URL with its byte
 * range, and the gate's view of a group (which file a URL stores into, whether it still takes
 * parts: files of groups no longer open, or completed, take none).
 */

import { PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { chunkRange } from "../../functions/core/chunk-plan.js";
import type { DocumentedPartUrl } from "../../functions/core/providers/spatialgen/spatialgen-documented-answers.js";
import type { PartUploads } from "../sandbox-kit/part-gate.js";
import type { IssuedPartUrl, PartCommand, PartUrlSigner } from "../sandbox-kit/part-url-signer.js";
import type { StoredPart } from "../sandbox-kit/stored-part.js";
import type { FileState, GroupState, GroupStore } from "./group-store.js";

/** What is kept of a part URL besides what was signed. */
export interface FilePartDetails {
  readonly uploadSessionId: string;
  readonly uploadId: string;
  readonly partNumber: number;
}

/** Issues part URLs for the API and tells the gate where a part URL's bytes go. */
export class FileUrls implements PartUploads<FilePartDetails, FileState> {
  constructor(
    private readonly signer: PartUrlSigner<FilePartDetails>,
    private readonly bucket: string,
    private readonly store: GroupStore,
  ) {}

  /** A fresh client URL for part `partNumber` of `file`, with its inclusive byte range. */
  async issue(group: GroupState, file: FileState, partNumber: number): Promise<DocumentedPartUrl> {
    const { url, issued } = await this.signer.issue(this.commandFor(file, partNumber), {
      uploadSessionId: group.uploadSessionId,
      uploadId: file.uploadId,
      partNumber,
    });
    const range = chunkRange(partNumber, file.partSizeBytes, file.totalBytes);
    return {
      partNumber,
      sizeBytes: range.size,
      byteStart: range.start,
      byteEnd: range.end,
      url,
      expiresAt: new Date(issued.expiresAt).toISOString(),
    };
  }

  /** The URL's file, if it is still uploading. */
  openUpload(
    issued: IssuedPartUrl<FilePartDetails>,
  ): { readonly upload: FileState } | { readonly closed: string } {
    const group = this.store.get(issued.uploadSessionId);
    const file = group?.files.find((f) => f.uploadId === issued.uploadId);
    if (!group || !file) return { closed: "the upload is unknown" };
    const status = this.store.fileStatusOf(group, file);
    if (status !== "uploading") return { closed: `the upload is ${status}` };
    return { upload: file };
  }

  /** A PutObject for a `single_put` file, an UploadPart of its multipart upload otherwise. */
  commandFor(file: FileState, partNumber: number): PartCommand {
    const target = { Bucket: this.bucket, Key: file.key };
    if (file.s3UploadId === undefined) return new PutObjectCommand(target);
    return new UploadPartCommand({ ...target, UploadId: file.s3UploadId, PartNumber: partNumber });
  }

  /** Records the part in the file; a re-PUT replaces it. */
  recordPart(file: FileState, partNumber: number, part: StoredPart): void {
    file.parts.set(partNumber, part);
  }
}
