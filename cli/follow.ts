/**
 * Following one upload with a progress bar until it ends (or a caller says it is done), then
 * printing its outcome: the asset id on stdout, or why it failed on stderr.
 */

import type { SingleBar } from "cli-progress";
import type { UploadRecord } from "../functions/core/upload-store.js";
import { type CommandContext, nextPoll } from "./context.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import type { ProgressBoard } from "./progress-board.js";
import { mib, scrubberOf } from "./text.js";
import {
  barViewOf,
  hasEnded,
  RateMeter,
  readProgress,
  type UploadProgress,
  type UploadSnapshot,
} from "./upload-view.js";

/** Options of {@link follow}. */
export interface FollowOptions {
  readonly board: ProgressBoard;
  readonly uploadKey: string;
  /** The bar's name, e.g. the object key. */
  readonly name: string;
  /** Bytes the bar stands for until the record says. */
  readonly size: number;
  /** A bar to go on with (drop's, after its put); a new one otherwise. */
  readonly bar?: SingleBar;
  /**
   * When a redriven upload started again (epoch ms), for the summary's duration; a first run's
   * starts at its record's creation. @default now
   */
  readonly since?: number;
  /** Whether the upload is over, given the latest snapshot. @default its status has ended */
  readonly done?: (snapshot: UploadSnapshot) => boolean | Promise<boolean>;
}

/** Follows an upload to its end; answers its last snapshot and the exit code it stands for. */
export async function follow(
  context: CommandContext,
  options: FollowOptions,
): Promise<{ readonly snapshot: UploadSnapshot; readonly exitCode: ExitCode }> {
  const { board, uploadKey } = options;
  const bar = options.bar ?? board.add(options.name, options.size);
  const meter = new RateMeter();
  const followed = Date.now();
  const done = options.done ?? ((snapshot) => hasEnded(snapshot.progress.status));
  for (;;) {
    const snapshot = await readProgress(context.listing, uploadKey);
    board.show(bar, barViewOf(snapshot.progress, meter, options.size));
    if (await done(snapshot)) {
      const seconds = secondsOf(snapshot.record, options.since ?? followed);
      const exitCode = settle(board, bar, options.name, snapshot, seconds);
      return { snapshot, exitCode };
    }
    await nextPoll(context);
  }
}

/**
 * Replaces an ended upload's bar with its outcome: a summary and its asset id on stdout, or
 * why it failed on stderr. Answers the exit code it stands for.
 */
export function settle(
  board: ProgressBoard,
  bar: SingleBar,
  name: string,
  snapshot: UploadSnapshot,
  seconds: number,
): ExitCode {
  board.finish(bar, outcomeLines(name, snapshot, seconds));
  const failure = failureLine(name, snapshot.record);
  if (failure) process.stderr.write(`${failure}\n`);
  return exitCodeOf(snapshot.record);
}

/**
 * How long an ended upload took: from its admission to its end, or, for a redriven one (whose
 * record was created at its first run), from `fallback` on.
 */
export function secondsOf(record: UploadRecord | undefined, fallback: number): number {
  const start = record && !record.redrives ? record.createdAt : fallback;
  return ((record?.completedAt ?? Date.now()) - start) / 1000;
}

/** The exit code an upload's state stands for: failed and rejected uploads are failures. */
export function exitCodeOf(record: UploadRecord | undefined): ExitCode {
  return record?.status === "failed" || record?.status === "rejected" ? EXIT.uploadFailed : EXIT.ok;
}

/** The stdout lines of an ended upload, as `npm start` prints them: a summary and its asset id. */
function outcomeLines(name: string, snapshot: UploadSnapshot, seconds: number): string[] {
  const { record, progress } = snapshot;
  if (record?.status !== "completed") return [];
  return [
    `✔ ${name}: ${mib(totalOf(progress))} in ${progress.chunks} chunks, ${seconds.toFixed(1)} s`,
    ...(record.assetId !== undefined ? [`asset_id=${record.assetId}`] : []),
  ];
}

function totalOf(progress: UploadProgress): number {
  return progress.totalBytes ?? progress.bytes;
}

const scrub = scrubberOf([]);

/** The stderr line of a failed or rejected upload, with its recorded reason. */
export function failureLine(name: string, record: UploadRecord | undefined): string | undefined {
  if (record?.status !== "failed" && record?.status !== "rejected") return undefined;
  const why = record.error ? `${record.error.code}: ${scrub(record.error.message)}` : "no reason";
  return `✘ ${name}: upload ${record.status}: ${why}`;
}
