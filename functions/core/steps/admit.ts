/**
 * Admit: routes the dropped object to its provider, builds what the provider is asked to take
 * (one file, or a manifest's group of files), checks it against the provider's limits and
 * rules, and claims it in the store.
 * A rejection is recorded with its reason before it is raised, so the fail step and operators
 * see why; a repeated admit finds the first decision and repeats it.
 */

import {
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { z } from "zod";
import type { Route } from "../config/environment.js";
import {
  ERROR_CODES,
  ObjectRejectedError,
  ObjectSupersededError,
  UploadStateError,
} from "../errors.js";
import { unquoteEtag } from "../etag.js";
import type { CreateSessionInput, Provider } from "../provider.js";
import { RedriveInput } from "../redrive.js";
import { routeFor } from "../routing.js";
import { httpStatusOf, isObjectGone } from "../s3-errors.js";
import type { NewUpload } from "../store/upload-operations.js";
import { type ObjectVersion, uploadKeyOf } from "../upload-identity.js";
import type { RecordedError, SourceObject } from "../upload-store.js";
import {
  fileNameOf,
  folderOf,
  GroupManifestSchema,
  isGroupMemberKey,
  isManifestKey,
  MANIFEST_MAX_BYTES,
  videoNameOf,
} from "./group-manifest.js";
import type { StepDeps } from "./step-deps.js";
import { ExecutionInput, parseInput } from "./step-inputs.js";

/** Output of admit: whether the object starts an upload (`upload`) or is a group's member. */
export interface AdmitOutput {
  readonly uploadKey: string;
  /**
   * `upload`: the execution goes on. `skip`: the object sits in a group folder and is relayed
   * by its group's manifest, or a redrive found nothing to redo; the execution ends here, with
   * nothing recorded.
   */
  readonly next: "upload" | "skip";
}

/** What admit needs: the routes and the providers' offline checks, no API access. */
export type AdmitDeps = Pick<StepDeps, "store" | "s3" | "providers"> & {
  /** Which provider takes which keys. */
  readonly routes: readonly Route[];
};

/** S3 user metadata that overrides a route's group defaults for one object. */
export const GROUP_METADATA = {
  layout: "relay-layout",
  perspective: "relay-perspective",
  folderName: "relay-folder-name",
  videoName: "relay-video-name",
} as const;

/** What admit is handed: an S3 object to admit, or a failed upload to redrive. */
const AdmitInput = z.union([RedriveInput, ExecutionInput]);

/** Admits or rejects the object named by the execution input, or reopens a redriven upload. */
export async function admit(input: unknown, deps: AdmitDeps): Promise<AdmitOutput> {
  const parsed = parseInput("admit", AdmitInput, input);
  if ("redriveOf" in parsed) return reopen(parsed.redriveOf, deps);
  const event = parsed;
  const uploadKey = uploadKeyOf(event);
  const existing = await deps.store.get(uploadKey);
  if (existing) {
    if (existing.status === "rejected") throw rejectionOf(existing.error);
    return { uploadKey, next: "upload" };
  }
  const route = routeFor(event.key, deps.routes);
  const groups = route !== undefined && hasGroups(route.provider);
  if (groups && isGroupMemberKey(event.key) && !isManifestKey(event.key)) {
    return { uploadKey, next: "skip" };
  }
  const provider = route?.provider ?? deps.providers.names[0] ?? "unknown";

  const inspected = await inspect(event, deps);
  let { rejection } = inspected;
  let group: Pick<NewUpload, "sources" | "request" | "indexId"> | undefined;
  if (!rejection && !route) {
    rejection = rejected(`no route takes key "${event.key}": no provider is configured for it`);
  }
  if (!rejection && route) {
    const built =
      groups && isManifestKey(event.key)
        ? await fromManifest(event, inspected.source, deps)
        : singleFile(inspected.source, route, inspected.metadata);
    if ("rejection" in built) rejection = built.rejection;
    else {
      // The route's index, decided once here: the asset goes there once uploaded.
      group = route.indexId !== undefined ? { ...built, indexId: route.indexId } : built;
      rejection = check(deps.providers.get(route.provider), built.request, built.sources);
    }
  }
  const { record } = await deps.store.claim(
    uploadKey,
    inspected.source,
    provider,
    rejection,
    rejection ? undefined : group,
  );
  if (record.status === "rejected") throw rejectionOf(record.error);
  return { uploadKey, next: "upload" };
}

/**
 * A redrive: the failed upload turns admitted again and goes on from create-session. An upload
 * that is not failed (a repeated admit finds it reopened; a finished one has nothing to redo)
 * is not touched: a reopened one goes on, any other ends this execution.
 */
async function reopen(uploadKey: string, deps: AdmitDeps): Promise<AdmitOutput> {
  const record = await deps.store.get(uploadKey);
  if (!record) throw new UploadStateError(`redrive: upload ${uploadKey} is not in the store`);
  if (record.status === "failed" && (await deps.store.reopen(uploadKey))) {
    return { uploadKey, next: "upload" };
  }
  const now = await deps.store.require(uploadKey);
  return { uploadKey, next: now.status === "admitted" ? "upload" : "skip" };
}

/** Providers whose uploads are groups of files, built from S3 metadata and manifests. */
function hasGroups(provider: string): boolean {
  return provider === "spatialgen";
}

type Built = Required<Pick<NewUpload, "sources" | "request">> | { rejection: RecordedError };

/** One dropped video: a one-file group named after its key, attributes from route + metadata. */
function singleFile(
  source: SourceObject,
  route: Route,
  metadata: Readonly<Record<string, string>>,
): Built {
  const pick = (name: string, fallback?: string) => metadata[name] ?? fallback;
  const layout = pick(GROUP_METADATA.layout, route.layout);
  const perspective = pick(GROUP_METADATA.perspective, route.perspective);
  const folderName = pick(GROUP_METADATA.folderName, route.folderName);
  const request: CreateSessionInput = {
    files: [{ name: fileNameOf(source.key), size: source.size }],
    group: {
      videoName: pick(GROUP_METADATA.videoName) ?? videoNameOf(source.key),
      ...(layout !== undefined ? { layout } : {}),
      ...(perspective !== undefined ? { perspective } : {}),
      ...(folderName !== undefined ? { folderName } : {}),
    },
  };
  return { sources: [source], request };
}

/**
 * A manifest's group: every named file must exist (its current version is pinned), none may
 * be named twice, and the group rules are the provider's to judge (see `check`).
 */
async function fromManifest(
  event: ExecutionInput,
  manifestObject: SourceObject,
  deps: Pick<AdmitDeps, "s3">,
): Promise<Built> {
  const where = `manifest s3://${event.bucket}/${manifestObject.key}`;
  if (manifestObject.size > MANIFEST_MAX_BYTES) {
    return {
      rejection: rejected(
        `${where} is ${manifestObject.size} bytes; at most ${MANIFEST_MAX_BYTES}`,
      ),
    };
  }
  const text = await readText(manifestObject, deps);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { rejection: rejected(`${where} is not JSON`) };
  }
  const parsed = GroupManifestSchema.safeParse(json);
  if (!parsed.success) {
    return { rejection: rejected(`${where} is invalid: ${z.prettifyError(parsed.error)}`) };
  }
  const manifest = parsed.data;
  const folder = folderOf(manifestObject.key);
  const seen = new Set<string>();
  for (const file of manifest.files) {
    if (seen.has(file.key)) {
      return { rejection: rejected(`${where} names file ${file.key} twice`) };
    }
    seen.add(file.key);
  }
  const sources: SourceObject[] = [];
  const missing: string[] = [];
  for (const file of manifest.files) {
    const key = `${folder}${file.key}`;
    const head = await headCurrent(event.bucket, key, deps);
    if (!head) missing.push(key);
    else {
      sources.push({
        bucket: event.bucket,
        key,
        versionId: head.VersionId ?? null,
        etag: unquoteEtag(head.ETag ?? ""),
        size: head.ContentLength ?? 0,
      });
    }
  }
  if (missing.length > 0) {
    return {
      rejection: rejected(
        `${where} names ${missing.length} missing object(s): ${missing.join(", ")}`,
      ),
    };
  }
  const empty = sources.find((s) => s.size === 0);
  if (empty) return { rejection: rejected(`${where}: object ${empty.key} is empty (0 bytes)`) };
  const request: CreateSessionInput = {
    files: manifest.files.map((file, i) => ({
      name: fileNameOf(file.key),
      size: sources[i]?.size ?? 0,
      role: file.fileRole,
      ...(file.languageTag !== undefined ? { languageTag: file.languageTag } : {}),
    })),
    group: {
      videoName: manifest.videoName,
      ...(manifest.layout !== undefined ? { layout: manifest.layout } : {}),
      ...(manifest.perspective !== undefined ? { perspective: manifest.perspective } : {}),
      ...(manifest.folderName !== undefined ? { folderName: manifest.folderName } : {}),
      ...(manifest.description !== undefined ? { description: manifest.description } : {}),
    },
  };
  return { sources, request };
}

/** The provider's own refusals and size limit, before any session opens. */
function check(
  provider: Provider,
  request: CreateSessionInput,
  sources: readonly SourceObject[],
): RecordedError | undefined {
  const large = sources.find((s) => s.size > provider.maxFileSize);
  if (large) {
    return rejected(
      `object ${large.key} is ${large.size} bytes; ${provider.name} accepts at most ${provider.maxFileSize} bytes`,
    );
  }
  const refusals = provider.refusals(request);
  if (refusals.length > 0) {
    return rejected(`${provider.name} would refuse this upload: ${refusals.join("; ")}`);
  }
  return undefined;
}

/** The manifest's bytes, pinned to the version admitted. */
async function readText(source: SourceObject, deps: Pick<AdmitDeps, "s3">): Promise<string> {
  const answer = await deps.s3.send(
    new GetObjectCommand({
      Bucket: source.bucket,
      Key: source.key,
      ...(source.versionId ? { VersionId: source.versionId } : { IfMatch: `"${source.etag}"` }),
    }),
  );
  return (await answer.Body?.transformToString("utf-8")) ?? "";
}

/** The current object at `key`, or undefined when there is none. */
async function headCurrent(
  bucket: string,
  key: string,
  deps: Pick<AdmitDeps, "s3">,
): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await deps.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (isObjectGone(error)) return undefined;
    throw error;
  }
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
  deps: Pick<AdmitDeps, "s3">,
): Promise<{
  source: SourceObject;
  metadata: Readonly<Record<string, string>>;
  rejection?: RecordedError;
}> {
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
      metadata: {},
      rejection: rejected(`key "${event.key}" names a folder, not a file`),
    };
  }
  const found = await headObject(event, deps);
  const where = `s3://${event.bucket}/${event.key}`;
  if (!found) {
    return {
      source: fromEvent,
      metadata: {},
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
      metadata: {},
      rejection: {
        code: ERROR_CODES.ObjectSupersededError,
        message: `superseded: ${where} ${replaced}; the newer object is relayed by its own event`,
      },
    };
  }
  const metadata = found.head.Metadata ?? {};
  if (source.size === 0) {
    return { source, metadata, rejection: rejected("object is empty (0 bytes)") };
  }
  return { source, metadata };
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
