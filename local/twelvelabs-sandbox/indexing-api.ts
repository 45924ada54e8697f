/**
 * The two indexing endpoints of the TwelveLabs API (v1.3) that follow an upload: index an
 * uploaded asset into an index, and read the indexed asset's status. Only an asset whose upload
 * completed on this sandbox can be indexed, into an index the sandbox has.
 */

import type {
  DocumentedIndexAssetAnswer,
  DocumentedIndexedAsset,
} from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";
import type { ApiAnswer } from "../sandbox-kit/api-listener.js";
import { SandboxHttpError } from "../sandbox-kit/http-io.js";
import { parseOrThrow } from "../sandbox-kit/parse-request.js";
import type { FinalIndexedAssetStatus, IndexedAssetState, IndexStore } from "./index-store.js";
import { newId } from "./sandbox-api.js";
import { indexAssetRequestSchema } from "./sandbox-schemas.js";
import type { SessionStore, UploadSessionState } from "./session-store.js";
import { rfc3339 } from "./wire-format.js";

/** What the indexing endpoints need. */
export interface IndexingApiDeps {
  readonly indexes: IndexStore;
  /** The uploads, whose completed assets are what can be indexed. */
  readonly sessions: SessionStore;
  /** Whether the indexing of an asset ends `failed` (the `failIndexing` fault). */
  readonly failsIndexing: (assetId: string) => boolean;
}

/** The indexing endpoints' logic; routing, auth and faults are the server's. */
export class IndexingApi {
  constructor(private readonly deps: IndexingApiDeps) {}

  /** `POST /indexes/{index_id}/indexed-assets`: 202 with the new indexed asset's id. */
  indexAsset(indexId: string, body: unknown): ApiAnswer {
    this.requireIndex(indexId);
    const input = parseOrThrow(indexAssetRequestSchema, body);
    const session = this.readyAsset(input.asset_id);
    const asset = this.deps.indexes.add({
      id: newId(),
      indexId,
      assetId: session.assetId,
      filename: session.filename,
      size: session.totalSize,
      ...(input.user_metadata === undefined ? {} : { userMetadata: input.user_metadata }),
    });
    return {
      status: 202,
      body: { _id: asset.id, asset_id: asset.assetId } satisfies DocumentedIndexAssetAnswer,
    };
  }

  /**
   * `GET /indexes/{index_id}/indexed-assets/{indexed_asset_id}`: the indexed asset. Each read
   * moves its indexing on (see `IndexStore.read`). The query (`embedding_option`,
   * `transcription`) is ignored: the sandbox makes neither embeddings nor transcriptions.
   */
  indexedAsset(indexId: string, indexedAssetId: string): ApiAnswer {
    this.requireIndex(indexId);
    const found = this.deps.indexes.get(indexId, indexedAssetId);
    if (!found) {
      throw new SandboxHttpError(
        404,
        "not_found",
        `indexed asset ${indexedAssetId} not found in index ${indexId}`,
      );
    }
    const asset = this.deps.indexes.read(found, () => this.outcomeOf(found));
    return { status: 200, body: detailed(asset) satisfies DocumentedIndexedAsset };
  }

  private outcomeOf(asset: IndexedAssetState): FinalIndexedAssetStatus {
    return this.deps.failsIndexing(asset.assetId) ? "failed" : "ready";
  }

  private requireIndex(indexId: string): void {
    if (!this.deps.indexes.hasIndex(indexId)) {
      throw new SandboxHttpError(404, "not_found", `index ${indexId} not found`);
    }
  }

  /** The upload of an asset that can be indexed: one of this sandbox's, completed. */
  private readyAsset(assetId: string): UploadSessionState {
    const session = this.deps.sessions.find(assetId);
    if (!session || session.assetId !== assetId) {
      throw new SandboxHttpError(
        400,
        "parameter_invalid",
        `asset_id ${assetId} is not an asset of this account: upload it first`,
      );
    }
    const status = this.deps.sessions.statusOf(session);
    if (status !== "completed") {
      throw new SandboxHttpError(
        400,
        "asset_not_ready",
        `asset ${assetId} is not ready: its upload is ${status}, not completed`,
      );
    }
    return session;
  }
}

/** The `IndexedAssetDetailed` answer of an indexed asset. */
function detailed(asset: IndexedAssetState): DocumentedIndexedAsset {
  return {
    _id: asset.id,
    asset_id: asset.assetId,
    created_at: rfc3339(asset.createdAt),
    updated_at: rfc3339(asset.updatedAt),
    ...(asset.indexedAt === undefined ? {} : { indexed_at: rfc3339(asset.indexedAt) }),
    status: asset.status,
    system_metadata: { filename: asset.filename, size: asset.size },
    ...(asset.userMetadata === undefined ? {} : { user_metadata: { ...asset.userMetadata } }),
  };
}
