/**
 * `relay watch`: every upload in flight, one progress bar each; uploads that start meanwhile
 * get theirs, finished ones print their outcome. Runs until Ctrl-C, or with `--until-idle`
 * until nothing is in flight; `--once` prints one line per upload in flight and exits.
 */

import type { SingleBar } from "cli-progress";
import { type CommandContext, nextPoll } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { secondsOf, settle } from "../follow.js";
import { InFlightFinder } from "../in-flight.js";
import { ProgressBoard } from "../progress-board.js";
import { mib } from "../text.js";
import { barViewOf, hasEnded, RateMeter, readProgress } from "../upload-view.js";

/** Options of `watch`. */
export interface WatchOptions {
  /** Print the uploads in flight once, without bars, and exit. */
  readonly once: boolean;
  /** Exit once nothing is in flight (at once if nothing is). */
  readonly untilIdle: boolean;
}

/** An upload on the board. */
interface Watched {
  readonly name: string;
  readonly size: number;
  readonly bar: SingleBar;
  readonly meter: RateMeter;
  readonly since: number;
}

/** Watches the uploads in flight; answers the exit code. */
export async function watch(context: CommandContext, options: WatchOptions): Promise<ExitCode> {
  const finder = new InFlightFinder(context);
  if (options.once) return printOnce(context, finder);
  const board = new ProgressBoard();
  const watched = new Map<string, Watched>();
  board.print(`watching the uploads in flight in ${context.target.description}`);
  for (;;) {
    const inFlight = await finder.find();
    for (const record of inFlight) {
      if (watched.has(record.uploadKey)) continue;
      const name = record.source.key;
      watched.set(record.uploadKey, {
        name,
        size: record.source.size,
        bar: board.add(name, record.source.size),
        meter: new RateMeter(),
        since: Date.now(),
      });
    }
    const flying = new Set(inFlight.map((r) => r.uploadKey));
    for (const [uploadKey, upload] of watched) {
      const snapshot = await readProgress(context.listing, uploadKey);
      board.show(upload.bar, barViewOf(snapshot.progress, upload.meter, upload.size));
      // Its execution ended without ending the upload (it failed before recording why) also
      // takes it off the board: nothing will move it any more.
      if (hasEnded(snapshot.progress.status) || !flying.has(uploadKey)) {
        watched.delete(uploadKey);
        const seconds = secondsOf(snapshot.record, upload.since);
        settle(board, upload.bar, upload.name, snapshot, seconds);
      }
    }
    if (options.untilIdle && watched.size === 0) {
      board.stop();
      board.print("nothing in flight");
      return EXIT.ok;
    }
    await nextPoll(context);
  }
}

/** One line per upload in flight: `uploadKey key status chunks bytes`. */
async function printOnce(context: CommandContext, finder: InFlightFinder): Promise<ExitCode> {
  const inFlight = await finder.find();
  if (inFlight.length === 0) process.stdout.write("nothing in flight\n");
  for (const record of inFlight) {
    const { progress } = await readProgress(context.listing, record.uploadKey);
    const total = progress.totalBytes ?? record.source.size;
    process.stdout.write(
      `${record.uploadKey}  ${record.source.key}  ${record.status}  chunks ${progress.chunks}/${progress.totalChunks ?? "-"}  ${mib(progress.bytes)} of ${mib(total)}\n`,
    );
  }
  return EXIT.ok;
}
