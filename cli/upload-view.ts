/**
 * An upload's progress as the store holds it (its record and its chunk records), and how a bar
 * shows it: what `relay` and `npm start` both display. Rate and ETA come from the bytes seen
 * between two reads, so they need no clock in the store.
 */

import type { ChunkRecord, UploadRecord, UploadStatus } from "../functions/core/upload-store.js";
import { requestOf, sourcesOf } from "../functions/core/upload-store.js";
import type { BarView } from "./progress-board.js";

/** Where an upload's records are read from: the relay's store, or an operator's listing. */
export interface ProgressSource {
  /** The upload record, or undefined before admit writes it. */
  get(uploadKey: string): Promise<UploadRecord | undefined>;
  /** The upload's chunk records. */
  getChunks(uploadKey: string): Promise<readonly Pick<ChunkRecord, "etag" | "size" | "file">[]>;
}

/** Transfer progress, as the store holds it. */
export interface UploadProgress {
  /** The record's status; `starting` before admit has written one. */
  readonly status: UploadStatus | "starting";
  /** Bytes of the chunks the provider took (a chunk with an ETag has been transferred). */
  readonly bytes: number;
  readonly chunks: number;
  readonly totalChunks: number | undefined;
  /** Bytes of every file of the upload (a group's, for a manifest); undefined before admit. */
  readonly totalBytes: number | undefined;
  /** Per file of a group of several: its name and chunks sent of its chunks. */
  readonly files: readonly {
    readonly name: string;
    readonly sent: number;
    readonly parts: number;
  }[];
}

/** An upload's record and the progress read from it. */
export interface UploadSnapshot {
  readonly record: UploadRecord | undefined;
  readonly progress: UploadProgress;
}

/** Statuses an upload ends in. */
export const FINAL_STATUSES: readonly UploadStatus[] = ["completed", "failed", "rejected"];

/** Statuses of an upload in flight. */
export const IN_FLIGHT_STATUSES: readonly UploadStatus[] = ["admitted", "transferring"];

/** Whether an upload in this status has ended. */
export function hasEnded(status: UploadStatus | "starting"): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

/** Reads an upload's record and progress; chunks are read only once a plan exists. */
export async function readProgress(
  source: ProgressSource,
  uploadKey: string,
): Promise<UploadSnapshot> {
  const record = await source.get(uploadKey);
  const totalBytes = record ? sourcesOf(record).reduce((sum, s) => sum + s.size, 0) : undefined;
  if (record?.totalChunks === undefined) {
    const progress: UploadProgress = {
      status: record?.status ?? "starting",
      bytes: 0,
      chunks: 0,
      totalChunks: undefined,
      totalBytes,
      files: [],
    };
    return { record, progress };
  }
  const sent = (await source.getChunks(uploadKey)).filter((chunk) => chunk.etag !== undefined);
  const names = requestOf(record).files.map((f) => f.name);
  const files =
    (record.files?.length ?? 0) > 1
      ? (record.files ?? []).map((file, i) => ({
          name: names[i] ?? `file ${i + 1}`,
          sent: sent.filter((c) => (c.file ?? 0) === i).length,
          parts: file.parts,
        }))
      : [];
  const progress: UploadProgress = {
    status: record.status,
    bytes: sent.reduce((sum, chunk) => sum + chunk.size, 0),
    chunks: sent.length,
    totalChunks: record.totalChunks,
    totalBytes,
    files,
  };
  return { record, progress };
}

/**
 * Transfer rate from the bytes seen at each read, over the last few seconds of reads: bytes
 * that arrive in bursts (a batch of chunks, parts finishing together) do not swing it, and it
 * falls to zero once nothing moves. Fewer bytes than before (a redrive's new session) starts it
 * over.
 */
export class RateMeter {
  readonly #windowMs: number;
  #samples: { readonly bytes: number; readonly at: number }[] = [];

  /** A meter over the reads of the last `windowMs`. */
  constructor(windowMs = 5000) {
    this.#windowMs = windowMs;
  }

  /** Records `bytes` done at `at` (epoch ms); answers the rate in bytes per second, if known. */
  sample(bytes: number, at: number = Date.now()): number | undefined {
    const last = this.#samples.at(-1);
    if (last && bytes < last.bytes) this.#samples = [];
    this.#samples.push({ bytes, at });
    // Keep one read from before the window, so the window is always spanned.
    while ((this.#samples[1]?.at ?? at) <= at - this.#windowMs) this.#samples.shift();
    const first = this.#samples[0];
    if (!first || at <= first.at) return undefined;
    return ((bytes - first.bytes) * 1000) / (at - first.at);
  }
}

/** Seconds until `remaining` bytes are done at `rate`; undefined without a rate. */
export function etaOf(remaining: number, rate: number | undefined): number | undefined {
  if (remaining <= 0) return 0;
  return rate !== undefined && rate > 0 ? remaining / rate : undefined;
}

/** The state a bar shows: the status, with what it waits for when that says more. */
export function stateOf(progress: UploadProgress): string {
  // Every chunk sent, yet not completed: the provider is assembling the asset.
  if (progress.status === "transferring" && progress.chunks === progress.totalChunks) {
    return "provider finishing";
  }
  const perFile = progress.files.map((f) => `${f.name} ${f.sent}/${f.parts}`).join(", ");
  return perFile ? `${progress.status}: ${perFile}` : progress.status;
}

/** What a bar shows for `progress`, its rate from `meter`; `size` stands in before admit. */
export function barViewOf(progress: UploadProgress, meter: RateMeter, size: number): BarView {
  const totalBytes = progress.totalBytes ?? size;
  const rate = meter.sample(progress.bytes);
  return {
    bytes: progress.bytes,
    totalBytes,
    chunks: `${progress.chunks}/${progress.totalChunks ?? "-"}`,
    rate,
    etaSeconds:
      progress.status === "completed"
        ? 0
        : hasEnded(progress.status)
          ? undefined
          : etaOf(totalBytes - progress.bytes, rate),
    state: stateOf(progress),
  };
}
