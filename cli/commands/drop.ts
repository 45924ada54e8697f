/**
 * `relay drop <file> [--key K]`: puts a file into the drop bucket as any user's upload would
 * arrive (multipart above one part, with progress), then follows the upload the object starts.
 */

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Upload } from "@aws-sdk/lib-storage";
import { unquoteEtag } from "../../functions/core/etag.js";
import { type CommandContext, nextPoll } from "../context.js";
import { CliError, EXIT, type ExitCode } from "../exit-codes.js";
import { mostRecent, versionedUploadKey } from "../find-upload.js";
import { follow } from "../follow.js";
import { ProgressBoard } from "../progress-board.js";
import { MiB, mib } from "../text.js";
import { etaOf, RateMeter } from "../upload-view.js";

/** Options of `drop`. */
export interface DropOptions {
  /** Object key; the file's base name by default. */
  readonly key?: string | undefined;
  /** Follow the upload to its end (`--no-wait` returns after the put). */
  readonly wait: boolean;
}

/** S3 allows 10,000 parts; 8 MiB parts cover 78 GiB, larger files get larger parts. */
const PART_SIZE = 8 * MiB;
const MAX_PARTS = 10_000;

/**
 * How long the upload may take to appear in the store after the put. The relay starts within
 * seconds; an object that starts nothing (a key the pipeline's prefix or suffixes do not take)
 * would otherwise be waited for forever.
 */
const APPEAR_MS = 120_000;

/** Drops `file` of `size` bytes (see {@link fileSize}); answers the exit code. */
export async function drop(
  context: CommandContext,
  file: string,
  size: number,
  options: DropOptions,
): Promise<ExitCode> {
  const key = options.key ?? basename(file);
  const { bucket } = context.target;
  const board = new ProgressBoard();
  // Uploads of this key already there: the new one is the record that is not among them.
  const before = options.wait ? await knownUploads(context, key) : new Set<string>();

  board.print(`dropping ${key} (${mib(size)}) into s3://${bucket} (${context.target.description})`);
  const bar = board.add(key, size);
  const meter = new RateMeter();
  meter.sample(0);
  const partSize = Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS));
  const parts = Math.max(1, Math.ceil(size / partSize));
  const upload = new Upload({
    client: context.target.s3,
    params: { Bucket: bucket, Key: key, Body: createReadStream(file) },
    partSize,
    queueSize: 4,
  });
  let partsDone = 0;
  upload.on("httpUploadProgress", (progress) => {
    const loaded = progress.loaded ?? 0;
    partsDone += 1;
    const rate = meter.sample(loaded);
    board.show(bar, {
      bytes: loaded,
      totalBytes: size,
      chunks: `${Math.min(partsDone, parts)}/${parts}`,
      rate,
      etaSeconds: etaOf(size - loaded, rate),
      state: "put into S3",
    });
  });
  const put = await upload.done();
  const etag = unquoteEtag(put.ETag ?? "");
  board.print(`put s3://${bucket}/${key} (${mib(size)}, etag ${etag})`);
  if (!options.wait) {
    board.finish(bar, [`follow it with: relay status ${key}`]);
    return EXIT.ok;
  }

  board.show(bar, { bytes: 0, totalBytes: size, chunks: "-", state: "waiting for the relay" });
  const uploadKey = await appearedUpload(context, key, etag, put.VersionId, before);
  if (!uploadKey) {
    board.finish(bar, []);
    throw new CliError(
      `no upload started for s3://${bucket}/${key} within ${APPEAR_MS / 1000} s: the relay's keyPrefix/keySuffixes may not take this key (see \`relay list\`)`,
      EXIT.notFound,
    );
  }
  board.print(`upload ${uploadKey}`);
  const { exitCode } = await follow(context, { board, bar, uploadKey, name: key, size });
  return exitCode;
}

/** The file's size; a usage error when it is not a regular file (checked before any AWS call). */
export async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new CliError(`not a regular file: ${file}`, EXIT.usage);
    return info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`no such file: ${file}`, EXIT.usage);
  }
}

/** Upload keys of `key` in the store now. */
async function knownUploads(context: CommandContext, key: string): Promise<Set<string>> {
  const records = await context.listing.list({ bucket: context.target.bucket, key });
  return new Set(records.map((r) => r.uploadKey));
}

/**
 * The upload the put started, once admit has recorded it: named by the version in a versioned
 * bucket; otherwise the record of this key and ETag that was not there before the put (the
 * S3 sequencer that tells two puts of the same bytes apart is not known to a client).
 */
async function appearedUpload(
  context: CommandContext,
  key: string,
  etag: string,
  versionId: string | undefined,
  before: ReadonlySet<string>,
): Promise<string | undefined> {
  const { bucket } = context.target;
  const deadline = Date.now() + APPEAR_MS;
  while (Date.now() < deadline) {
    if (versionId && versionId !== "null") {
      const uploadKey = versionedUploadKey(bucket, key, versionId);
      if (await context.listing.get(uploadKey)) return uploadKey;
    } else {
      const found = await mostRecent(context, { bucket, key, etag }, key);
      if (found && !before.has(found.record.uploadKey)) return found.record.uploadKey;
    }
    await nextPoll(context);
  }
  return undefined;
}
