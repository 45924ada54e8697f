/** Following the relay's executions, from the store's progress records to their outcome. */

import type { SingleBar } from "cli-progress";
import { barViewOf, RateMeter, readProgress, type UploadProgress } from "../../cli/upload-view.js";
import type { ExecutionInput } from "../../functions/core/steps/step-inputs.js";
import { uploadKeyOf } from "../../functions/core/upload-identity.js";
import type { LocalRelay } from "../local-relay.js";
import type { PublishedEvent } from "../published-events.js";
import type { LocalExecution } from "../step-functions/local-state-machine.js";
import type { ProgressBoard } from "./progress-board.js";
import { messageOf, mib } from "./text.js";

/** How often the store is read for progress. */
const POLL_MS = 300;

/** How an upload ended. */
export type Outcome =
  | { readonly ok: true; readonly assetId: string; readonly skipped?: false }
  /** A group's member file: its manifest's upload carries it. */
  | { readonly ok: true; readonly assetId?: undefined; readonly skipped: true }
  | { readonly ok: false; readonly reason: string; readonly skipped?: false };

/** An execution that ended, with its outcome. */
export interface Settled {
  readonly execution: LocalExecution;
  readonly input: ExecutionInput;
  readonly outcome: Outcome;
}

/** An execution being watched. */
interface Watched {
  readonly execution: LocalExecution;
  readonly input: ExecutionInput;
  readonly uploadKey: string;
  readonly bar: SingleBar;
  readonly meter: RateMeter;
}

/** Someone waiting for the upload of one object version. */
interface Waiter {
  readonly matches: (input: ExecutionInput) => boolean;
  readonly resolve: (settled: Settled) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Follows every execution the relay starts: a bar fed from the store while it runs, then its
 * asset id (stdout) or the recorded reason it failed (stderr).
 */
export class UploadMonitor {
  readonly #relay: LocalRelay;
  readonly #board: ProgressBoard;
  readonly #scrub: (text: string) => string;
  readonly #watched = new Map<string, Watched>();
  readonly #seen = new Set<string>();
  readonly #settled: Settled[] = [];
  readonly #outcomes = new Map<string, PublishedEvent>();
  readonly #waiters = new Set<Waiter>();
  #errorsSeen = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(relay: LocalRelay, board: ProgressBoard, scrub: (text: string) => string) {
    this.#relay = relay;
    this.#board = board;
    this.#scrub = scrub;
  }

  /** Starts listening for outcome events and polling the store. */
  start(): void {
    this.#relay.events.emitter.on("event", this.#onEvent);
    this.#schedule();
  }

  /** Stops polling; bars stay as they are. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#relay.events.emitter.off("event", this.#onEvent);
  }

  /** Resolves once the upload of object `key` with ETag `etag` has ended. */
  outcomeOf(key: string, etag: string): Promise<Settled> {
    const matches = (input: ExecutionInput) => input.key === key && input.etag === etag;
    const done = this.#settled.find((settled) => matches(settled.input));
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => this.#waiters.add({ matches, resolve, reject }));
  }

  readonly #onEvent = (event: PublishedEvent): void => {
    if (event.detail.uploadKey) this.#outcomes.set(event.detail.uploadKey, event);
  };

  #schedule(): void {
    if (this.#stopped) return;
    // One tick at a time: the next is scheduled once this one has read the store.
    this.#timer = setTimeout(() => {
      this.#tick()
        .catch((error: unknown) => {
          if (!this.#stopped) this.#printError(`progress: ${messageOf(error)}`);
        })
        .finally(() => this.#schedule());
    }, POLL_MS);
  }

  async #tick(): Promise<void> {
    this.#pickUpExecutions();
    this.#reportStartErrors();
    await Promise.all([...this.#watched.values()].map((watched) => this.#refresh(watched)));
  }

  #pickUpExecutions(): void {
    for (const execution of this.#relay.machine.list()) {
      if (this.#seen.has(execution.name)) continue;
      this.#seen.add(execution.name);
      const input = JSON.parse(execution.inputJson) as ExecutionInput;
      this.#watched.set(execution.name, {
        execution,
        input,
        // What admit names the upload, so the store's records can be found from the input.
        uploadKey: uploadKeyOf(input),
        bar: this.#board.add(input.key, input.size),
        meter: new RateMeter(),
      });
    }
  }

  /** An object event the start handler failed on never becomes an execution: say so. */
  #reportStartErrors(): void {
    const errors = this.#relay.events.errors;
    for (; this.#errorsSeen < errors.length; this.#errorsSeen++) {
      const message = this.#scrub(messageOf(errors[this.#errorsSeen]));
      this.#printError(`could not start the relay for a dropped object: ${message}`);
      for (const waiter of this.#waiters) waiter.reject(new Error(message));
      this.#waiters.clear();
    }
  }

  async #refresh(watched: Watched): Promise<void> {
    // The outcome first: progress read after it is the final one.
    const outcome = this.#outcomeFor(watched);
    const { progress } = await readProgress(this.#relay.store, watched.uploadKey);
    this.#board.show(watched.bar, barViewOf(progress, watched.meter, watched.input.size));
    if (outcome && this.#watched.delete(watched.execution.name)) {
      this.#settle(watched, outcome, progress);
    }
  }

  #outcomeFor({ uploadKey, execution }: Watched): Outcome | undefined {
    const event = this.#outcomes.get(uploadKey);
    if (event?.detailType === "Upload Completed") {
      return { ok: true, assetId: event.detail.assetId };
    }
    if (event?.detailType === "Upload Failed") {
      return { ok: false, reason: event.detail.reason };
    }
    if (execution.status === "RUNNING") return undefined;
    if (
      execution.status === "SUCCEEDED" &&
      (execution.output as { next?: unknown } | null)?.next === "skip"
    ) {
      return { ok: true, skipped: true };
    }
    // Ended without an event (the fail step itself failed): the execution's own account.
    const assetId = (execution.output as { assetId?: unknown } | null)?.assetId;
    if (execution.status === "SUCCEEDED" && typeof assetId === "string") {
      return { ok: true, assetId };
    }
    return {
      ok: false,
      reason: `execution ${execution.status}: ${execution.error ?? ""} ${execution.cause ?? ""}`,
    };
  }

  #settle(watched: Watched, outcome: Outcome, progress: UploadProgress): void {
    const { input, execution } = watched;
    const seconds = ((Date.now() - execution.startDate.getTime()) / 1000).toFixed(1);
    if (outcome.skipped) {
      this.#board.finish(watched.bar, [`• ${input.key}: a group member, relayed by its manifest`]);
    } else if (outcome.ok) {
      this.#board.finish(watched.bar, [
        `✔ ${input.key}: ${mib(progress.totalBytes ?? input.size)} in ${progress.chunks} chunks, ${seconds} s`,
        `asset_id=${outcome.assetId}`,
      ]);
    } else {
      this.#board.finish(watched.bar, []);
      this.#printError(`✘ ${input.key}: upload failed: ${this.#scrub(outcome.reason)}`);
    }
    const settled: Settled = { execution, input, outcome };
    this.#settled.push(settled);
    for (const waiter of this.#waiters) {
      if (!waiter.matches(input)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(settled);
    }
  }

  #printError(line: string): void {
    process.stderr.write(`${line}\n`);
  }
}
