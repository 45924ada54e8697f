/** `relay status <key>`: one upload's record, followed live while it is in flight. */

import type { CommandContext } from "../context.js";
import type { ExitCode } from "../exit-codes.js";
import { findUpload } from "../find-upload.js";
import { exitCodeOf, failureLine, follow } from "../follow.js";
import { ProgressBoard } from "../progress-board.js";
import { uploadJson, uploadLines } from "../upload-text.js";
import { hasEnded, readProgress } from "../upload-view.js";

/** Options of `status`. */
export interface StatusOptions {
  /** Print the record as JSON, once, and never follow. */
  readonly json: boolean;
  /** Follow an upload in flight to its end (`--no-wait` turns it off). */
  readonly wait: boolean;
}

/** Shows the upload `name` (an upload key or an object key); answers the exit code. */
export async function status(
  context: CommandContext,
  name: string,
  options: StatusOptions,
): Promise<ExitCode> {
  const { record, note } = await findUpload(context, name);
  if (note) process.stderr.write(`relay: ${note}\n`);
  const { progress } = await readProgress(context.listing, record.uploadKey);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(uploadJson(record, progress), null, 2)}\n`);
    return exitCodeOf(record);
  }
  for (const line of uploadLines(record, progress)) process.stdout.write(`${line}\n`);
  if (hasEnded(record.status) || !options.wait) {
    const failure = failureLine(record.source.key, record);
    if (failure) process.stderr.write(`${failure}\n`);
    return exitCodeOf(record);
  }
  const board = new ProgressBoard();
  const { exitCode } = await follow(context, {
    board,
    uploadKey: record.uploadKey,
    name: record.source.key,
    size: record.source.size,
  });
  return exitCode;
}
