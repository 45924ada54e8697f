/**
 * Admit: checks the dropped object against the provider's limits and claims it in the store.
 * A rejection is recorded with its reason before it is raised, so the fail step and operators
 * see why; a repeated admit finds the first decision and repeats it.
 */

import { HeadObjectCommand, type HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import { ERROR_CODES, ObjectRejectedError } from "../errors.js";
import type { Provider } from "../provider.js";
import { type ObjectVersion, uploadKeyOf } from "../upload-identity.js";
import type { SourceObject } from "../upload-store.js";
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
    if (existing.status === "rejected") {
      throw new ObjectRejectedError(existing.error?.message ?? "rejected");
    }
    return { uploadKey };
  }

  const { source, reason } = await inspect(event, deps);
  const rejection = reason ? { code: ERROR_CODES.ObjectRejectedError, message: reason } : undefined;
  const { record } = await deps.store.claim(uploadKey, source, deps.provider.name, rejection);
  if (record.status === "rejected") {
    throw new ObjectRejectedError(record.error?.message ?? "rejected");
  }
  return { uploadKey };
}

async function inspect(
  event: ExecutionInput,
  deps: Pick<AdmitDeps, "provider" | "s3">,
): Promise<{ source: SourceObject; reason?: string }> {
  const fromEvent: SourceObject = {
    bucket: event.bucket,
    key: event.key,
    versionId: event.versionId,
    etag: event.etag,
    size: event.size,
  };
  if (event.key.endsWith("/")) {
    return { source: fromEvent, reason: `key "${event.key}" names a folder, not a file` };
  }
  const found = await headObject(event, deps);
  if (!found) {
    return {
      source: fromEvent,
      reason: `object s3://${event.bucket}/${event.key} (etag ${event.etag}) no longer exists in that version`,
    };
  }
  const source: SourceObject = {
    bucket: event.bucket,
    key: found.key,
    versionId: found.head.VersionId ?? event.versionId,
    etag: (found.head.ETag ?? event.etag).replace(/"/g, ""),
    size: found.head.ContentLength ?? event.size,
  };
  if (source.size === 0) return { source, reason: "object is empty (0 bytes)" };
  if (source.size > deps.provider.maxFileSize) {
    return {
      source,
      reason: `object is ${source.size} bytes; ${deps.provider.name} accepts at most ${deps.provider.maxFileSize} bytes`,
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
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status !== 404 && status !== 412 && status !== 400) throw error;
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
