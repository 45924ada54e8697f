/**
 * The TwelveLabs sandbox's faults: its endpoint names, its fault settings (the kit's per-endpoint
 * faults, plus chunks failed after their first report and assets whose indexing fails), and the
 * kit's injector with those rolls of its own.
 */

import type { AnswerRewriter as KitAnswerRewriter } from "../sandbox-kit/api-listener.js";
import {
  type EndpointFaults,
  FaultInjector,
  type FaultRandom as KitFaultRandom,
  type FaultRoll as KitFaultRoll,
  type PartPutFaults,
} from "../sandbox-kit/faults.js";

export type { EndpointFaults, FaultKind, PartPutFaults } from "../sandbox-kit/faults.js";

/**
 * Name of an endpoint that faults can be injected into: the five upload calls, the two indexing
 * calls (`indexAsset`: `POST /indexes/{index_id}/indexed-assets`; `indexedAsset`: `GET
 * /indexes/{index_id}/indexed-assets/{indexed_asset_id}`) and the part PUT gate.
 */
export type FaultEndpoint =
  | "create"
  | "presignedUrls"
  | "report"
  | "status"
  | "list"
  | "indexAsset"
  | "indexedAsset"
  | "partPut";

/** An API endpoint (every fault endpoint but the part PUT gate). */
export type ApiEndpoint = Exclude<FaultEndpoint, "partPut">;

/** The API endpoints, in the order their faults are listed. */
export const API_ENDPOINTS = [
  "create",
  "presignedUrls",
  "report",
  "status",
  "list",
  "indexAsset",
  "indexedAsset",
] as const satisfies readonly ApiEndpoint[];

/** Rewrites the JSON body of a successful API answer just before it is sent. */
export type AnswerRewriter = KitAnswerRewriter<ApiEndpoint>;

/** One roll of the dice: which endpoint's call, for which fault. */
export type FaultRoll = KitFaultRoll<FaultEndpoint>;

/** A random source of fault rolls: a number in [0, 1) per roll; below the rate, the fault hits. */
export type FaultRandom = KitFaultRandom<FaultEndpoint>;

/** Faults of every sandbox endpoint; `partPut` applies to PUTs through the presigned-URL gate. */
export interface SandboxFaults {
  readonly create?: EndpointFaults;
  readonly presignedUrls?: EndpointFaults;
  readonly report?: EndpointFaults;
  readonly status?: EndpointFaults;
  readonly list?: EndpointFaults;
  readonly indexAsset?: EndpointFaults;
  readonly indexedAsset?: EndpointFaults;
  readonly partPut?: PartPutFaults;
  /**
   * Chunks whose first accepted report is followed at once by a `failed` mark (as when the
   * provider's own verification rejects a chunk), once per session: the chunk must be sent and
   * reported again. @default none
   */
  readonly failChunksOnFirstReport?: readonly number[];
  /**
   * Probability that a chunk is marked `failed` right after its first accepted report, as
   * {@link failChunksOnFirstReport} does for listed chunks. @default 0
   */
  readonly failChunkRate?: number;
  /**
   * Asset ids whose indexing ends `failed` instead of `ready`, in every index. Read when an
   * indexed asset reaches its final status, so a change made with `setFaults` while it is still
   * indexing counts. @default none
   */
  readonly failIndexing?: readonly string[];
}

/**
 * The kit's injector, plus the fail-after-first-report roll of the report call and the
 * indexing outcome.
 */
export class TwelveLabsFaultInjector extends FaultInjector<FaultEndpoint, SandboxFaults> {
  /**
   * Whether a chunk is failed right after its first accepted report: always if it is listed in
   * `failChunksOnFirstReport`, else with probability `failChunkRate`.
   */
  failsAfterFirstReport(index: number): boolean {
    const listed = this.faults.failChunksOnFirstReport?.includes(index) ?? false;
    const fails = listed || this.roll(this.faults.failChunkRate, "report", "failChunk");
    if (fails) this.count("report", "failChunk");
    return fails;
  }

  /** Whether the indexing of an asset ends `failed`: it is listed in `failIndexing`. */
  failsIndexing(assetId: string): boolean {
    return this.faults.failIndexing?.includes(assetId) ?? false;
  }
}
