/**
 * In-memory state of the sandbox's indexes: which indexes exist, and the indexed assets created
 * in them, each with its indexing status. Indexing is modelled in reads: an indexed asset
 * answers a status that is not final for a set number of reads, then its final one, so a test
 * sees the same statuses however fast it polls; times come from the sandbox clock.
 */

import type { DocumentedIndexedAssetStatus } from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";

/** Indexed asset status on the wire. */
export type IndexedAssetStatus = DocumentedIndexedAssetStatus;

/** A final indexing status. */
export type FinalIndexedAssetStatus = Extract<IndexedAssetStatus, "ready" | "failed">;

/** A `user_metadata` object as accepted. */
export type IndexedAssetMetadata = Readonly<Record<string, string | number | boolean>>;

/** One indexed asset: an uploaded asset being (or done being) indexed into one index. */
export interface IndexedAssetState {
  readonly id: string;
  readonly indexId: string;
  readonly assetId: string;
  /** From the asset's upload, for `system_metadata`. */
  readonly filename: string;
  /** Bytes of the asset, for `system_metadata`. */
  readonly size: number;
  readonly userMetadata?: IndexedAssetMetadata;
  readonly createdAt: number;
  /** When the status last changed, epoch ms. */
  updatedAt: number;
  /** When indexing ended `ready`, epoch ms. */
  indexedAt?: number;
  status: IndexedAssetStatus;
  /** Reads answered so far. */
  reads: number;
}

/** What a new indexed asset is made of; the store adds its status, times and reads. */
export type NewIndexedAsset = Pick<
  IndexedAssetState,
  "id" | "indexId" | "assetId" | "filename" | "size" | "userMetadata"
>;

/** The indexes of one sandbox and their indexed assets, kept for the life of the sandbox. */
export class IndexStore {
  private readonly indexIds: ReadonlySet<string>;
  private readonly assets = new Map<string, IndexedAssetState>();

  constructor(
    indexIds: readonly string[],
    private readonly now: () => number,
    /** Reads answered with a status that is not final before the final one. */
    private readonly indexingSteps: number,
  ) {
    this.indexIds = new Set(indexIds);
  }

  /** Whether an index of that id exists. */
  hasIndex(indexId: string): boolean {
    return this.indexIds.has(indexId);
  }

  /** Adds an indexed asset, `pending` until it is read. */
  add(asset: NewIndexedAsset): IndexedAssetState {
    const at = this.now();
    const state: IndexedAssetState = {
      ...asset,
      createdAt: at,
      updatedAt: at,
      status: "pending",
      reads: 0,
    };
    this.assets.set(asset.id, state);
    return state;
  }

  /** The indexed asset of that id in that index; one of another index is not found. */
  get(indexId: string, id: string): IndexedAssetState | undefined {
    const asset = this.assets.get(id);
    return asset?.indexId === indexId ? asset : undefined;
  }

  /**
   * Counts one read of an indexed asset and moves its status on: `pending` at the first read,
   * `indexing` up to `indexingSteps` reads, then the final status `outcome()` gives, which is
   * asked once, when the asset reaches it. A final status stays.
   */
  read(asset: IndexedAssetState, outcome: () => FinalIndexedAssetStatus): IndexedAssetState {
    asset.reads += 1;
    if (asset.status === "ready" || asset.status === "failed") return asset;
    const next: IndexedAssetStatus =
      asset.reads > this.indexingSteps ? outcome() : asset.reads === 1 ? "pending" : "indexing";
    if (next !== asset.status) {
      const at = this.now();
      asset.status = next;
      asset.updatedAt = at;
      if (next === "ready") asset.indexedAt = at;
    }
    return asset;
  }

  /** Every indexed asset, oldest first. */
  all(): IndexedAssetState[] {
    return [...this.assets.values()];
  }
}
