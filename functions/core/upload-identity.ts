/**
 * Names an upload after the object version it relays. The same version always maps to the same
 * upload key and execution name (so a duplicate S3 event starts nothing); a new version of the
 * same key maps to a new one.
 */

import { createHash } from "node:crypto";

/** What identifies one version of one object. */
export interface ObjectVersion {
  readonly bucket: string;
  readonly key: string;
  /** S3 version id, when the bucket is versioned. */
  readonly versionId: string | null;
  /** ETag without quotes. */
  readonly etag: string;
  /** S3 event sequencer: tells apart two unversioned writes of identical bytes. */
  readonly sequencer: string;
}

/** Stable id of an upload: 32 hex chars of a SHA-256 over the object version. */
export function uploadKeyOf(version: ObjectVersion): string {
  const revision = version.versionId ?? `${version.etag}:${version.sequencer}`;
  return createHash("sha256")
    .update(`${version.bucket}\n${version.key}\n${revision}`)
    .digest("hex")
    .slice(0, 32);
}

/** Step Functions execution name (<= 80 chars of `[A-Za-z0-9_-]`): file name tail + upload key. */
export function executionNameOf(version: ObjectVersion): string {
  const base = version.key.split("/").pop() ?? "";
  const readable = base
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  const key = uploadKeyOf(version);
  return readable ? `${readable}-${key}` : key;
}
