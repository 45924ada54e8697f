/** A part the gate stored on S3, and the one reading of an ETag that both sandboxes compare. */

import { unquoteEtag } from "../../functions/core/etag.js";

/** A part the gate stored on S3. */
export interface StoredPart {
  /** ETag S3 answered, without quotes, lower case. */
  readonly etag: string;
  /** Bytes that went through the gate. */
  readonly size: number;
}

/** Clients send the ETag with or without its surrounding quotes; both name the same part. */
export function normalizeEtag(etag: string): string {
  return unquoteEtag(etag).toLowerCase();
}
