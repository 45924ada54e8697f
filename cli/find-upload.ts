/**
 * Finding an upload from what an operator knows: its upload key (32 hex), or the object key it
 * was dropped at (the latest upload of that key in the drop bucket).
 */

import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { UploadFilter } from "../functions/core/store/upload-listing.js";
import { uploadKeyOf } from "../functions/core/upload-identity.js";
import type { UploadRecord } from "../functions/core/upload-store.js";
import type { CommandContext } from "./context.js";
import { CliError, EXIT } from "./exit-codes.js";

/** An upload found, with a note when the choice was not the only one. */
export interface Found {
  readonly record: UploadRecord;
  /** E.g. that several uploads matched and the most recent is shown. */
  readonly note?: string;
}

/** What names an upload key. */
const UPLOAD_KEY = /^[0-9a-f]{32}$/;

/**
 * The upload key of object version `versionId` of `key`: in a versioned bucket the version
 * alone names the upload (see `uploadKeyOf`), so no search is needed.
 */
export function versionedUploadKey(bucket: string, key: string, versionId: string): string {
  return uploadKeyOf({ bucket, key, versionId, etag: "", sequencer: "" });
}

/** The upload `name` names; throws a not-found {@link CliError} when there is none. */
export async function findUpload(context: CommandContext, name: string): Promise<Found> {
  if (UPLOAD_KEY.test(name)) {
    const record = await context.listing.get(name);
    if (record) return { record };
  }
  const found = await latestUploadOf(context, name);
  if (found) return found;
  throw new CliError(
    UPLOAD_KEY.test(name)
      ? `no upload ${name}, and no upload of s3://${context.target.bucket}/${name}`
      : `no upload of s3://${context.target.bucket}/${name} (see \`relay list\`)`,
    EXIT.notFound,
  );
}

/**
 * The latest upload of object `key`: the current version's, when the bucket keeps versions;
 * else the most recent record of the key (a Scan), saying so when there were several.
 */
async function latestUploadOf(context: CommandContext, key: string): Promise<Found | undefined> {
  const { bucket } = context.target;
  const versionId = await currentVersionOf(context, key);
  if (versionId) {
    const record = await context.listing.get(versionedUploadKey(bucket, key, versionId));
    if (record) return { record };
  }
  return mostRecent(context, { bucket, key }, `s3://${bucket}/${key}`);
}

/** The most recent upload matching `filter`, noting how many matched when several did. */
export async function mostRecent(
  context: CommandContext,
  filter: UploadFilter,
  what: string,
): Promise<Found | undefined> {
  const [record, ...older] = await context.listing.list(filter);
  if (!record) return undefined;
  if (older.length === 0) return { record };
  return {
    record,
    note: `${older.length + 1} uploads of ${what}; showing the most recent (${record.uploadKey}, created ${new Date(record.createdAt).toISOString()})`,
  };
}

/** The object's current version id, if the bucket keeps versions and the object is there. */
async function currentVersionOf(context: CommandContext, key: string): Promise<string | undefined> {
  try {
    const head = await context.target.s3.send(
      new HeadObjectCommand({ Bucket: context.target.bucket, Key: key }),
    );
    return head.VersionId && head.VersionId !== "null" ? head.VersionId : undefined;
  } catch {
    // Gone, or not readable: the records may still know it.
    return undefined;
  }
}
