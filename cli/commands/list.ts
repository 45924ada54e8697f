/** `relay list [--status S] [--since T]`: the uploads in the store, newest first. */

import type { UploadStatus } from "../../functions/core/upload-store.js";
import type { CommandContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { uploadJson, uploadTable } from "../upload-text.js";

/** Options of `list`. */
export interface ListOptions {
  readonly statuses?: readonly UploadStatus[] | undefined;
  /** Epoch ms: uploads created at or after it. */
  readonly since?: number | undefined;
  readonly json: boolean;
}

/** Prints the uploads matching the options; answers the exit code. */
export async function list(context: CommandContext, options: ListOptions): Promise<ExitCode> {
  const records = await context.listing.list({
    ...(options.statuses ? { statuses: options.statuses } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
  });
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        records.map((r) => uploadJson(r)),
        null,
        2,
      )}\n`,
    );
    return EXIT.ok;
  }
  if (records.length === 0) {
    process.stderr.write(`relay: no uploads in ${context.target.description} match\n`);
    return EXIT.ok;
  }
  for (const line of uploadTable(records)) process.stdout.write(`${line}\n`);
  return EXIT.ok;
}
