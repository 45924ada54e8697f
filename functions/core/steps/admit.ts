/**
 * Admit: checks the dropped object against the provider's limits and claims it in the store.
 * A rejection is recorded with its reason before it is raised, so the fail step and operators
 * see why; a repeated admit finds the first decision and repeats it.
 */

import { HeadObjectCommand, type HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { ERROR_CODES, ObjectRejectedError, ObjectSupersededError } from "../errors.js";
import { unquoteEtag } from "../etag.js";
import type { Provider } from "../provider.js";
import { httpStatusOf, isObjectGone } from "../s3-errors.js";
import { type ObjectVersion, uploadKeyOf } from "../upload-identity.js";
import type { RecordedError, SourceObject } from "../upload-store.js";
import type { StepDeps } from "./step-deps.js";
import { ExecutionInput, parseInput } from "./step-inputs.js";

/** Output of admit. */
export interface AdmitOutput {
  readonly uploadKey: string;
}

/** What admit needs: the provider's name and size limit only, no API access. */
export type AdmitDeps = Pick<StepDeps, "store" | "s3"> & {
  readonly provider: Pick<Provider, "name" | "maxFileSize">;
};

/** Admits or rejects the object named by the execution input. */
export async function admit(input: unknown, deps: AdmitDeps): Promise<AdmitOutput> {
  const event = parseInput("admit", ExecutionInput, input);
  const uploadKey = uploadKeyOf(event);
  const existing = await deps.store.get(uploadKey);
  if (existing) {
    if (existing.status === "rejected") throw rejectionOf(existing.error);
    return { uploadKey };
  }

  const { source, rejection } = await inspect(event, deps);
  const { record } = await deps.store.claim(uploadKey, source, deps.provider.name, rejection);
  if (record.status === "rejected") throw rejectionOf(record.error);
  return { uploadKey };
}

/** The error a recorded rejection is raised as, so a repeated admit repeats the first one. */
function rejectionOf(
  error: RecordedError | undefined,
): ObjectRejectedError | ObjectSupersededError {
  const message = error?.message ?? "rejected";
  return error?.code === ERROR_CODES.ObjectSupersededError
    ? new ObjectSupersededError(message)
    : new ObjectRejectedError(message);
}

const rejected = (message: string): RecordedError => ({
  code: ERROR_CODES.ObjectRejectedError,
  message,
});

async function inspect(
  event: ExecutionInput,
  deps: Pick<AdmitDeps, "provider" | "s3">,
): Promise<{ source: SourceObject; rejection?: RecordedError }> {
  const fromEvent: SourceObject = {
    bucket: event.bucket,
    key: event.key,
    versionId: event.versionId,
    etag: event.etag,
    size: event.size,
  };
  if (event.key.endsWith("/")) {
    return {
      source: fromEvent,
      rejection: rejected(`key "${event.key}" names a folder, not a file`),
    };
  }
  const found = await headObject(event, deps);
  const where = `s3://${event.bucket}/${event.key}`;
  if (!found) {
    return {
      source: fromEvent,
      rejection: rejected(`object ${where} (etag ${event.etag}) no longer exists in that version`),
    };
  }
  const source: SourceObject = {
    bucket: event.bucket,
    key: found.key,
    versionId: found.head.VersionId ?? event.versionId,
    etag: unquoteEtag(found.head.ETag ?? event.etag),
    size: found.head.ContentLength ?? event.size,
  };
  // A server may ignore If-Match (or VersionId) and answer for the key's current object.
  const replaced =
    event.etag && source.etag !== event.etag
      ? `now holds etag ${source.etag}, not the event's ${event.etag}`
      : event.versionId && source.versionId !== event.versionId
        ? `now holds version ${source.versionId}, not the event's ${event.versionId}`
        : undefined;
  if (replaced) {
    return {
      source: fromEvent,
      rejection: {
        code: ERROR_CODES.ObjectSupersededError,
        message: `superseded: ${where} ${replaced}; the newer object is relayed by its own event`,
      },
    };
  }
  if (source.size === 0) return { source, rejection: rejected("object is empty (0 bytes)") };
  if (source.size > deps.provider.maxFileSize) {
    return {
      source,
      rejection: rejected(
        `object is ${source.size} bytes; ${deps.provider.name} accepts at most ${deps.provider.maxFileSize} bytes`,
      ),
    };
  }
  return { source };
}

/**
 * Reads the object's current metadata, pinned to the event's version (or ETag). S3
 * notifications URL-encode keys; EventBridge events are documented raw, so the raw key is tried
 * first and the decoded one second.
 */
async function headObject(
  event: ObjectVersion,
  deps: Pick<StepDeps, "s3">,
): Promise<{ key: string; head: HeadObjectCommandOutput } | undefined> {
  const candidates = [event.key];
  const decoded = safeDecode(event.key);
  if (decoded !== undefined && decoded !== event.key) candidates.push(decoded);
  for (const key of candidates) {
    try {
      const head = await deps.s3.send(
        new HeadObjectCommand({
          Bucket: event.bucket,
          Key: key,
          ...(event.versionId ? { VersionId: event.versionId } : { IfMatch: `"${event.etag}"` }),
        }),
      );
      return { key, head };
    } catch (error) {
      // 400: a version id S3 cannot read belongs to no object either.
      if (!isObjectGone(error) && httpStatusOf(error) !== 400) throw error;
    }
  }
  return undefined;
}

function safeDecode(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}
