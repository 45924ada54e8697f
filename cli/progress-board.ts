/** The progress bars of `relay` and `npm start`, and the lines printed around them. */

import { MultiBar, Presets, type SingleBar } from "cli-progress";
import { durationText, MiB, rateText } from "./text.js";

/** What one bar shows. */
export interface BarView {
  readonly bytes: number;
  /** Bytes in all; the bar's length. */
  readonly totalBytes: number;
  /** E.g. `3/8`, or `-` before the plan is known. */
  readonly chunks: string;
  /** Bytes per second, when known. */
  readonly rate?: number | undefined;
  /** Seconds left, when known. */
  readonly etaSeconds?: number | undefined;
  readonly state: string;
}

/**
 * One progress bar per upload on stdout, with plain lines printed above the bars. On a terminal
 * the bars redraw in place; elsewhere (CI, pipes) cli-progress prints them as plain lines, and a
 * finished bar prints its last frame, so a log always holds where each upload ended.
 */
export class ProgressBoard {
  readonly #tty = process.stdout.isTTY === true;
  #bars: MultiBar | undefined;
  #active = 0;

  /** Prints a line on stdout without tearing the bars. */
  print(line: string): void {
    // On a terminal the bars own the lines below the cursor: queue the line above them.
    if (this.#bars && this.#tty) this.#bars.log(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  }

  /** Adds the bar of an upload of `total` bytes. */
  add(name: string, total: number): SingleBar {
    this.#bars ??= new MultiBar(
      {
        stream: process.stdout,
        format:
          " {name} {bar} {percentage}% {sent}/{size} MiB | chunks {chunks} | {rate} | ETA {timeLeft} | {state}",
        barsize: 24,
        autopadding: true,
        hideCursor: true,
        // A finished upload's bar gives way to its summary lines.
        clearOnComplete: true,
        noTTYOutput: true,
        notTTYSchedule: 1000,
      },
      Presets.shades_classic,
    );
    this.#active += 1;
    return this.#bars.create(total, 0, {
      name: name.length > 24 ? `…${name.slice(-23)}` : name.padEnd(24),
      sent: (0).toFixed(1),
      size: (total / MiB).toFixed(1),
      chunks: "-",
      rate: rateText(undefined),
      timeLeft: durationText(undefined),
      state: "starting",
    });
  }

  /** Shows `view` on `bar`. */
  show(bar: SingleBar, view: BarView): void {
    if (view.totalBytes !== bar.getTotal()) bar.setTotal(view.totalBytes);
    bar.update(view.bytes, {
      sent: (view.bytes / MiB).toFixed(1),
      size: (view.totalBytes / MiB).toFixed(1),
      chunks: view.chunks,
      rate: rateText(view.rate),
      timeLeft: durationText(view.etaSeconds),
      state: view.state,
    });
  }

  /** Takes a finished upload's bar away and prints its lines in its place. */
  finish(bar: SingleBar, lines: readonly string[]): void {
    const bars = this.#bars;
    if (!bars) return;
    // Off a terminal the last frame would be lost between two scheduled prints: print it now.
    if (!this.#tty) bars.update();
    this.#active -= 1;
    if (this.#active > 0) bars.remove(bar);
    else this.stop();
    for (const line of lines) this.print(line);
  }

  /** Prints pending lines, clears the bars and gives the terminal its cursor back. */
  stop(): void {
    const bars = this.#bars;
    if (!bars) return;
    this.#bars = undefined;
    this.#active = 0;
    // Lines queued since the last frame are written by a redraw; `stop` alone would drop them.
    if (this.#tty) bars.update();
    bars.stop();
  }
}
