/**
 * SpatialGen behind the relay's {@link Provider} port. An upload is one *group*: its files are
 * numbered one after the other into the relay's chunks 1..N (`SessionFile.firstChunk`).
 *
 * What the port's steps mean here:
 * - the plan is the provider's: every part's bytes are its `byteStart`..`byteEnd` (inclusive),
 *   read from part-urls answers in windows, never computed by the relay;
 * - report calls nothing: SpatialGen takes no per-part proof. The ETags the transfer step
 *   stores as parts land are the record;
 * - status completes every file whose every part has a proof (`complete`, safe to repeat) and
 *   reads the state from those answers: `completed` once one carries the group's `libraryId`;
 * - cancel deletes the group, so a failed upload leaves nothing half uploaded for 5 days.
 */

import { S3_LIMITS, SPATIALGEN_LIMITS } from "../../config/limits.js";
import { InvalidInputError, ProviderHttpError, ProviderResponseError } from "../../errors.js";
import { unquoteEtag } from "../../etag.js";
import {
  type ChunkProof,
  type ChunkUrl,
  type CreateSessionInput,
  fileOfChunk,
  type PlannedChunk,
  type Provider,
  type ReportResult,
  type SessionFile,
  type SessionRef,
  type SessionStatus,
  type UploadSession,
} from "../../provider.js";
import type { UrlPolicy } from "../../url-policy.js";
import { urlWindows } from "../twelvelabs/url-windows.js";
import type { SpatialGenClient } from "./spatialgen-client.js";
import {
  type FileRole,
  type GroupFile,
  type Layout,
  type Perspective,
  type StartGroupBody,
  StartGroupBodySchema,
} from "./spatialgen-requests.js";
import type { FileAnswer, PartUrl } from "./spatialgen-schemas.js";

/** Settings of a {@link SpatialGenProvider}. */
export interface SpatialGenProviderOptions {
  readonly client: SpatialGenClient;
  /** Judges every presigned URL the API hands out. */
  readonly urlPolicy: UrlPolicy;
  /** Largest file accepted, in bytes. @default S3_LIMITS.maxObjectSize */
  readonly maxFileSize?: number;
  /**
   * Part URLs asked for per call. The API allows 10,000, but an answer that long would pass
   * the relay's answer size cap (1 MiB) with room to spare only up to about a thousand.
   * @default 500
   */
  readonly urlWindow?: number;
  /** Clock for the default expiries of answers without one, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** The strategy that sends a file as one PUT and completes it without a parts list. */
const SINGLE_PUT = "single_put";

/** The SpatialGen implementation of the provider port. */
export class SpatialGenProvider implements Provider {
  /** Stable provider name, used in records and events. */
  readonly name = "spatialgen";
  /** Largest file accepted, in bytes. */
  readonly maxFileSize: number;
  private readonly client: SpatialGenClient;
  private readonly urlPolicy: UrlPolicy;
  private readonly urlWindow: number;
  private readonly now: () => number;

  constructor(options: SpatialGenProviderOptions) {
    this.client = options.client;
    this.urlPolicy = options.urlPolicy;
    this.maxFileSize = options.maxFileSize ?? S3_LIMITS.maxObjectSize;
    this.urlWindow = options.urlWindow ?? 500;
    if (
      !Number.isSafeInteger(this.urlWindow) ||
      this.urlWindow < 1 ||
      this.urlWindow > SPATIALGEN_LIMITS.maxUrlsPerCall
    ) {
      throw new InvalidInputError(
        `spatialgen: urlWindow must be in 1..${SPATIALGEN_LIMITS.maxUrlsPerCall}`,
      );
    }
    this.now = options.now ?? Date.now;
  }

  /**
   * The group rules of the start call (layout, roles, extensions, language tags, a file
   * twice), as the client would refuse them, each with the field it concerns.
   */
  refusals(input: CreateSessionInput): string[] {
    const checked = StartGroupBodySchema.safeParse(startBodyOf(input));
    if (checked.success) return [];
    return checked.error.issues.map((issue) => {
      const path = issue.path.map((p, i) =>
        i === 1 && issue.path[0] === "files" ? (input.files[Number(p)]?.name ?? p) : p,
      );
      return path.length > 0 ? `${path.join(".")}: ${issue.message}` : issue.message;
    });
  }

  /**
   * Starts the group, matches each answered file to the one asked for (by name and role), and
   * reads the plan of every file from its part URLs, which are handed on as the first URLs.
   */
  async createSession(input: CreateSessionInput): Promise<UploadSession> {
    const operation = "spatialgen.startGroup";
    if (input.files.length === 0) throw new InvalidInputError(`${operation}: no files`);
    for (const file of input.files) {
      if (!Number.isSafeInteger(file.size) || file.size < 1 || file.size > this.maxFileSize) {
        throw new InvalidInputError(
          `${operation}: ${file.name}: size must be an integer in 1..${this.maxFileSize}, got ${file.size}`,
        );
      }
    }
    const body = startBodyOf(input);
    const asked = body.files;
    const answer = await this.client.startGroup(body);
    const uploadId = answer.uploadSessionId;

    let firstChunk = 1;
    const files: SessionFile[] = asked.map((file) => {
      const found = matchFile(operation, answer.files, file);
      const sessionFile = toSessionFile(operation, found, file.sizeBytes, firstChunk);
      firstChunk += sessionFile.parts;
      return sessionFile;
    });
    const session = { uploadId, files };
    // The plan's ranges come from the part URLs: without them no record can name this group,
    // and a retry would open another. Give it up rather than leave it open for 5 days.
    const urls = await this.partUrls(session, allChunks(files)).catch(async (error: unknown) => {
      await this.cancel(session).catch(() => undefined);
      throw error;
    });
    return {
      uploadId,
      files,
      plan: planFrom(operation, session, urls),
      uploadHeaders: {},
      urls,
      expiresAt: this.now() + SPATIALGEN_LIMITS.groupLifetimeSeconds * 1000,
    };
  }

  /** The plan again, from fresh part URLs of every part. */
  async planOf(session: SessionRef): Promise<PlannedChunk[]> {
    const urls = await this.partUrls(session, allChunks(session.files));
    return planFrom("spatialgen.getPartUrls", session, urls);
  }

  /**
   * Fresh URLs for `indexes`: per file, runs of two or more parts go as `startPartNumber` and
   * `count` windows, single parts (retries) as one `partNumbers` list.
   */
  async getChunkUrls(session: SessionRef, indexes: readonly number[]): Promise<ChunkUrl[]> {
    const operation = "spatialgen.getPartUrls";
    const wanted = [...new Set(indexes)].sort((a, b) => a - b);
    for (const index of wanted) {
      if (!Number.isSafeInteger(index) || !fileOfChunk(session.files, index)) {
        throw new InvalidInputError(`${operation}: chunk ${index} is in no file of the group`);
      }
    }
    const found = new Map((await this.partUrls(session, wanted)).map((u) => [u.index, u]));
    return wanted.map((index) => {
      const url = found.get(index);
      if (!url) throw new ProviderResponseError(operation, `no URL for chunk ${index}`);
      return url;
    });
  }

  /**
   * Nothing is sent: SpatialGen takes proofs only with `complete`, which status calls. The
   * proofs are checked, and every one is taken, since the relay's store is their record.
   */
  async reportChunks(session: SessionRef, proofs: readonly ChunkProof[]): Promise<ReportResult> {
    const operation = "spatialgen.reportChunks";
    for (const proof of proofs) {
      if (!fileOfChunk(session.files, proof.index)) {
        throw new InvalidInputError(`${operation}: chunk ${proof.index} is in no file`);
      }
      if (!unquoteEtag(proof.etag)) {
        throw new InvalidInputError(`${operation}: chunk ${proof.index} has no ETag`);
      }
    }
    return { accepted: proofs.map((p) => p.index) };
  }

  /**
   * Completes each file whose every part has a proof, and reads the group's state from the
   * answers. A file the provider refuses to complete (an ETag it does not hold, a part it
   * lacks) has every chunk marked failed, so they are sent again; a group cancelled or expired
   * is `failed` or `expired`.
   */
  async getStatus(session: SessionRef, proofs: readonly ChunkProof[]): Promise<SessionStatus> {
    const byIndex = new Map(proofs.map((p) => [p.index, p]));
    const failed: number[] = [];
    let completedChunks = 0;
    let uploadedSize = 0;
    let assetId: string | undefined;
    for (const file of session.files) {
      const chunks = Array.from({ length: file.parts }, (_, i) => file.firstChunk + i);
      const parts = chunks.map((index, i) => ({ partNumber: i + 1, proof: byIndex.get(index) }));
      if (parts.some((p) => !p.proof)) continue;
      let answer: Awaited<ReturnType<SpatialGenClient["completeFile"]>>;
      try {
        answer = await this.client.completeFile(
          session.uploadId,
          file.fileId,
          file.singlePut
            ? {}
            : {
                parts: parts.map((p) => ({
                  partNumber: p.partNumber,
                  etag: unquoteEtag(p.proof?.etag ?? ""),
                })),
              },
        );
      } catch (error) {
        const state = groupStateOf(error);
        if (state) return { state, failedChunks: [] };
        if (isRefusal(error)) {
          failed.push(...chunks);
          continue;
        }
        throw error;
      }
      completedChunks += file.parts;
      uploadedSize += file.size;
      assetId = answer.libraryId ?? assetId;
    }
    return {
      // Only the group's libraryId makes it complete: files done without one wait (complete is
      // repeated by the next poll, and answers the libraryId once the group has it).
      state: assetId !== undefined ? "completed" : "active",
      failedChunks: failed,
      completedChunks,
      uploadedSize,
      ...(assetId !== undefined ? { assetId } : {}),
    };
  }

  /**
   * Cancels the group. A group already gone (404), completed or cancelled (409) or expired
   * (410) holds nothing to give up: that is success too, so a repeat is harmless.
   */
  async cancel(session: SessionRef): Promise<boolean> {
    try {
      await this.client.cancelGroup(session.uploadId);
    } catch (error) {
      if (error instanceof ProviderHttpError && [404, 409, 410].includes(error.status)) {
        return true;
      }
      throw error;
    }
    return true;
  }

  /** Part URLs for relay chunks `indexes` (ascending, distinct, each in a file), policy-checked. */
  private async partUrls(session: SessionRef, indexes: readonly number[]): Promise<ChunkUrl[]> {
    const operation = "spatialgen.getPartUrls";
    const byFile = new Map<number, number[]>();
    for (const index of indexes) {
      const at = fileOfChunk(session.files, index);
      if (!at) continue;
      byFile.set(at.file, [...(byFile.get(at.file) ?? []), at.part]);
    }
    const urls: ChunkUrl[] = [];
    for (const [fileIndex, partNumbers] of byFile) {
      const file = session.files[fileIndex] as SessionFile;
      const windows = urlWindows(partNumbers, this.urlWindow);
      const singles = windows.filter((w) => w.count === 1).map((w) => w.start);
      const bodies = [
        ...windows
          .filter((w) => w.count > 1)
          .map((w) => ({ startPartNumber: w.start, count: w.count })),
        ...chunked(singles, this.urlWindow).map((numbers) => ({ partNumbers: numbers })),
      ];
      for (const body of bodies) {
        const answer = await this.client.getPartUrls(session.uploadId, file.fileId, body);
        const asked = new Set(
          "partNumbers" in body
            ? body.partNumbers
            : Array.from({ length: body.count }, (_, i) => body.startPartNumber + i),
        );
        for (const part of answer.parts) {
          if (!asked.has(part.partNumber)) continue;
          urls.push(this.toChunkUrl(operation, file, part));
        }
      }
    }
    return urls.sort((a, b) => a.index - b.index);
  }

  private toChunkUrl(operation: string, file: SessionFile, part: PartUrl): ChunkUrl {
    this.urlPolicy.check(part.url);
    if (part.partNumber > file.parts) {
      throw new ProviderResponseError(
        operation,
        `part ${part.partNumber} of file ${file.fileId}, which has ${file.parts}`,
      );
    }
    if (part.byteEnd < part.byteStart || part.byteEnd >= file.size) {
      throw new ProviderResponseError(
        operation,
        `part ${part.partNumber} of file ${file.fileId} is bytes ${part.byteStart}..${part.byteEnd} of ${file.size}`,
      );
    }
    const expiresAt =
      part.expiresAt !== undefined
        ? Date.parse(part.expiresAt)
        : this.now() + SPATIALGEN_LIMITS.urlLifetimeSeconds * 1000;
    return {
      index: file.firstChunk + part.partNumber - 1,
      url: part.url,
      expiresAt,
      start: part.byteStart,
      size: part.byteEnd - part.byteStart + 1,
    };
  }
}

/**
 * The start body of `input`. Roles, layout and perspective go as given (the request schema
 * judges them); a file without a role is the group's `video`, a group without a layout `2D`,
 * and without a name, its first file's name.
 */
function startBodyOf(input: CreateSessionInput): StartGroupBody & { files: GroupFile[] } {
  const group = input.group;
  return {
    videoName: group?.videoName ?? input.files[0]?.name ?? "",
    layout: (group?.layout ?? "2D") as Layout,
    ...(group?.perspective !== undefined ? { perspective: group.perspective as Perspective } : {}),
    ...(group?.folderName !== undefined ? { folderName: group.folderName } : {}),
    ...(group?.description !== undefined ? { description: group.description } : {}),
    files: input.files.map((file) => ({
      fileName: file.name,
      fileRole: (file.role ?? "video") as FileRole,
      sizeBytes: file.size,
      ...(file.languageTag !== undefined ? { languageTag: file.languageTag } : {}),
    })),
  };
}

/** The answered file for one asked for: same name and role, else same name. */
function matchFile(operation: string, files: readonly FileAnswer[], asked: GroupFile): FileAnswer {
  const found =
    files.find((f) => f.fileName === asked.fileName && f.fileRole === asked.fileRole) ??
    files.find((f) => f.fileName === asked.fileName);
  if (!found) throw new ProviderResponseError(operation, `no file ${asked.fileName} in the group`);
  return found;
}

function toSessionFile(
  operation: string,
  file: FileAnswer,
  size: number,
  firstChunk: number,
): SessionFile {
  if (file.totalBytes !== undefined && file.totalBytes !== size) {
    throw new ProviderResponseError(
      operation,
      `file ${file.fileName} is ${file.totalBytes} bytes to the provider, ${size} here`,
    );
  }
  if (file.totalParts > S3_LIMITS.maxParts) {
    throw new ProviderResponseError(
      operation,
      `file ${file.fileName} has ${file.totalParts} parts`,
    );
  }
  const singlePut = file.uploadStrategy === SINGLE_PUT;
  if (singlePut && file.totalParts !== 1) {
    throw new ProviderResponseError(
      operation,
      `single_put file ${file.fileName} has ${file.totalParts} parts`,
    );
  }
  return {
    fileId: file.uploadId,
    size,
    partSize: file.partSizeBytes,
    firstChunk,
    parts: file.totalParts,
    ...(singlePut ? { singlePut } : {}),
  };
}

/** Every relay chunk of the files, ascending. */
function allChunks(files: readonly SessionFile[]): number[] {
  return files.flatMap((f) => Array.from({ length: f.parts }, (_, i) => f.firstChunk + i));
}

/**
 * The plan from one URL per chunk: each file's parts must tile it, byte 0 to its last, with no
 * gap and no overlap, or the answer is broken and nothing is sent.
 */
function planFrom(
  operation: string,
  session: SessionRef,
  urls: readonly ChunkUrl[],
): PlannedChunk[] {
  const byIndex = new Map(urls.map((u) => [u.index, u]));
  return session.files.flatMap((file, fileIndex) => {
    let next = 0;
    const plan = Array.from({ length: file.parts }, (_, i): PlannedChunk => {
      const index = file.firstChunk + i;
      const url = byIndex.get(index);
      if (!url || url.start === undefined || url.size === undefined) {
        throw new ProviderResponseError(operation, `no URL for part ${i + 1} of ${file.fileId}`);
      }
      if (url.start !== next) {
        throw new ProviderResponseError(
          operation,
          `part ${i + 1} of ${file.fileId} starts at byte ${url.start}, expected ${next}`,
        );
      }
      next = url.start + url.size;
      return { index, file: fileIndex, start: url.start, size: url.size };
    });
    if (next !== file.size) {
      throw new ProviderResponseError(
        operation,
        `the parts of ${file.fileId} cover ${next} of its ${file.size} bytes`,
      );
    }
    return plan;
  });
}

/** `items` in lists of at most `size`. */
function chunked<T>(items: readonly T[], size: number): T[][] {
  const lists: T[][] = [];
  for (let at = 0; at < items.length; at += size) lists.push(items.slice(at, at + size));
  return lists;
}

/** The group's end state an error of complete stands for: 409 cancelled, 410 expired. */
function groupStateOf(error: unknown): "failed" | "expired" | undefined {
  if (!(error instanceof ProviderHttpError)) return undefined;
  if (error.status === 410) return "expired";
  if (error.status === 409 && /cancel/i.test(error.detail)) return "failed";
  return undefined;
}

/** A 400/409/422 of complete: the provider read the parts and refuses them. */
function isRefusal(error: unknown): boolean {
  return error instanceof ProviderHttpError && [400, 409, 422].includes(error.status);
}
