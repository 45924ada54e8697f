/**
 * A faithful local emulator of SpatialGen's direct-upload API: start, part-urls, complete and
 * cancel, backed by real S3 uploads on the local S3 server, with real expiring presigned part
 * URLs checked by a gate on the same port, and fault injection, all from the sandbox kit.
 */

import type { Readable } from "node:stream";
import { SPATIALGEN_ENDPOINTS } from "../../functions/core/config/limits.js";
import { InvalidInputError, UploadStateError } from "../../functions/core/errors.js";
import type {
  FileRole,
  Layout,
} from "../../functions/core/providers/spatialgen/spatialgen-requests.js";
import { FaultInjector } from "../sandbox-kit/faults.js";
import { readObject, streamObject } from "../sandbox-kit/sandbox-bucket.js";
import { type SandboxControls, startSandboxHost } from "../sandbox-kit/sandbox-host.js";
import { type FileStatus, type GroupState, type GroupStatus, GroupStore } from "./group-store.js";
import { type FilePartDetails, FileUrls } from "./part-url-signer.js";
import {
  type SpatialGenAnswerRewriter,
  type SpatialGenFaultEndpoint,
  type SpatialGenSandboxFaults,
  validateSpatialGenFaults,
} from "./sandbox-faults.js";
import { resolveSpatialGenOptions, type SpatialGenSandboxOptions } from "./sandbox-options.js";
import { readApiBody, routeOf } from "./sandbox-server.js";
import { SpatialGenApi } from "./spatialgen-api.js";

/** One file of a group as tests see it. */
export interface SandboxFileSummary {
  readonly uploadId: string;
  readonly fileName: string;
  readonly fileRole: FileRole;
  readonly status: FileStatus;
  readonly uploadStrategy: "single_put" | "multipart";
  readonly totalParts: number;
}

/** One group as tests see it. */
export interface SandboxGroupSummary {
  readonly uploadSessionId: string;
  readonly videoName: string;
  readonly layout: Layout;
  readonly status: GroupStatus;
  readonly libraryId: string | null;
  readonly files: readonly SandboxFileSummary[];
}

/** A running SpatialGen sandbox. */
export interface SpatialGenSandbox
  extends SandboxControls<
    SpatialGenFaultEndpoint,
    SpatialGenSandboxFaults,
    SpatialGenAnswerRewriter
  > {
  /** `http://127.0.0.1:<port>`, the equivalent of `https://spatialgen.com`: the API hangs off it. */
  readonly baseUrl: string;
  /** The key the sandbox accepts in `X-SPATIALGEN-APPKEY`. */
  readonly apiKey: string;
  /**
   * Bytes of a completed file: `file` is its `uploadId`, its `fileName`, or its `fileRole` when
   * the group has one file of that role. Throws if it is unknown or not completed.
   */
  readFile(uploadSessionId: string, file: string): Promise<Buffer>;
  /** The same bytes as a stream, in constant memory whatever the file's size. */
  fileStream(uploadSessionId: string, file: string): Promise<Readable>;
  /** Every group so far (cancelled and expired ones included), oldest first. */
  groups(): readonly SandboxGroupSummary[];
}

/** Starts the sandbox on 127.0.0.1 against the local S3 server. */
export async function startSpatialGenSandbox(
  options: SpatialGenSandboxOptions,
): Promise<SpatialGenSandbox> {
  const o = resolveSpatialGenOptions(options);
  const faults = new FaultInjector<SpatialGenFaultEndpoint, SpatialGenSandboxFaults>(
    o.faults,
    o.random,
    o.sleep,
  );
  const host = await startSandboxHost({
    options: o,
    faults,
    validateFaults: validateSpatialGenFaults,
  });
  const { now, origin } = host;
  const store = new GroupStore(now);
  const signer = host.partUrlSigner<FilePartDetails>();
  const urls = new FileUrls(signer, o.bucket, store);
  const api = new SpatialGenApi({
    store,
    signer: urls,
    s3: o.s3,
    bucket: o.bucket,
    partSize: o.partSize,
    minPartSize: o.minPartSize,
    groupLifetimeSeconds: o.groupLifetimeSeconds,
    now,
  });
  host.serve({
    route: (method, pathname) => routeOf(api, method, pathname),
    apiKeyHeader: SPATIALGEN_ENDPOINTS.apiKeyHeader,
    readBody: readApiBody,
    signer,
    uploads: urls,
    strictHeaders: false,
  });

  const summary = (group: GroupState): SandboxGroupSummary => ({
    uploadSessionId: group.uploadSessionId,
    videoName: group.videoName,
    layout: group.layout,
    status: store.statusOf(group),
    libraryId: group.libraryId,
    files: group.files.map((file) => ({
      uploadId: file.uploadId,
      fileName: file.fileName,
      fileRole: file.fileRole,
      status: store.fileStatusOf(group, file),
      uploadStrategy: file.uploadStrategy,
      totalParts: file.totalParts,
    })),
  });

  /** A completed file of a group, by id, name or sole role; throws for anything else. */
  const completedFile = (uploadSessionId: string, name: string) => {
    const group = store.get(uploadSessionId);
    if (!group) throw new InvalidInputError(`unknown upload group ${uploadSessionId}`);
    const byId = group.files.filter((f) => f.uploadId === name || f.fileName === name);
    const byRole = group.files.filter((f) => f.fileRole === name);
    const [file, ...others] = byId.length > 0 ? byId : byRole;
    if (!file || others.length > 0) {
      throw new InvalidInputError(`no single file "${name}" in upload group ${uploadSessionId}`);
    }
    if (!file.completed) {
      throw new UploadStateError(`file ${file.uploadId} is ${store.fileStatusOf(group, file)}`);
    }
    return file;
  };

  return {
    ...host.controls,
    baseUrl: origin,
    apiKey: o.apiKey,
    readFile: async (uploadSessionId, name) => {
      const file = completedFile(uploadSessionId, name);
      return readObject(o.s3, o.bucket, file.key, `file ${file.uploadId}`);
    },
    fileStream: async (uploadSessionId, name) => {
      const file = completedFile(uploadSessionId, name);
      return streamObject(o.s3, o.bucket, file.key, `file ${file.uploadId}`);
    },
    groups: () => store.all().map(summary),
  };
}
