/**
 * The one interface the pipeline sees, so that it never branches on which provider it holds.
 * TwelveLabs (report-as-you-go, start/count URL windows) implements it today; SpatialGen
 * (explicit part numbers, one complete call) is to follow (issue 10).
 */

/** A presigned URL for one chunk. The URL is a secret: store it, never log it or pass it on. */
export interface ChunkUrl {
  /** Chunk number, from 1. */
  readonly index: number;
  /** Presigned PUT URL. */
  readonly url: string;
  /** When the URL stops working, epoch milliseconds. */
  readonly expiresAt: number;
}

/** What `createSession` needs to know about the file. */
export interface CreateSessionInput {
  /** File name shown by the provider (the object key's last segment). */
  readonly filename: string;
  /** Exact size in bytes. */
  readonly size: number;
}

/** A provider upload session as the relay keeps it. */
export interface UploadSession {
  /** Provider's upload (session) id. */
  readonly uploadId: string;
  /** Provider's asset id, reserved at creation. */
  readonly assetId: string;
  /** Bytes per chunk; every chunk but the last is exactly this size. */
  readonly chunkSize: number;
  /** Number of chunks, `ceil(size / chunkSize)`. */
  readonly totalChunks: number;
  /** Headers every chunk PUT must carry. */
  readonly uploadHeaders: Readonly<Record<string, string>>;
  /** URLs handed out at creation; may cover only the first chunks. */
  readonly urls: readonly ChunkUrl[];
  /** When the session itself expires, epoch milliseconds. */
  readonly expiresAt: number;
}

/** Proof that one chunk arrived. */
export interface ChunkProof {
  /** Chunk number, from 1. */
  readonly index: number;
  /** ETag the presigned PUT answered with (quotes stripped). */
  readonly etag: string;
  /** Bytes sent for this chunk. */
  readonly size: number;
}

/**
 * Outcome of reporting proofs. Each count is absent when an answer did not carry it: the
 * provider's answers are read leniently, and nothing in the relay acts on these counts.
 */
export interface ReportResult {
  /** Chunks newly accepted by this call. */
  readonly processed?: number;
  /** Chunks that had been reported before. */
  readonly duplicates?: number;
  /** Chunks accepted so far in the whole session. */
  readonly totalCompleted?: number;
}

/** Session state as the provider sees it. */
export type SessionState = "active" | "completed" | "failed" | "expired";

/** Status of a session, with every chunk the provider says must be sent again. */
export interface SessionStatus {
  readonly state: SessionState;
  /** Chunks the provider marks failed: these must be transferred and reported again. */
  readonly failedChunks: readonly number[];
  /**
   * Chunks the provider lists as completed, ascending; absent when its answer lists no chunks,
   * so that nothing can be told from a chunk's absence.
   */
  readonly completedIndexes?: readonly number[];
  /** Chunks the provider has accepted; absent when its answer did not say. */
  readonly completedChunks?: number;
  /** Bytes the provider has accepted; absent when its answer did not say. */
  readonly uploadedSize?: number;
}

/** A video platform that takes presigned-URL multipart uploads. */
export interface Provider {
  /** Short stable name, used in records and events. */
  readonly name: string;
  /** Largest file the provider accepts, in bytes. */
  readonly maxFileSize: number;
  /** Opens an upload session for a file of `input.size` bytes. */
  createSession(input: CreateSessionInput): Promise<UploadSession>;
  /** Fresh URLs for the given chunks (any order, any count; the provider splits the calls). */
  getChunkUrls(uploadId: string, indexes: readonly number[]): Promise<ChunkUrl[]>;
  /** Reports proofs (any count; the provider splits the calls). Repeating a proof is harmless. */
  reportChunks(uploadId: string, proofs: readonly ChunkProof[]): Promise<ReportResult>;
  /** Reads the session's state and the chunks that must be sent again. */
  getStatus(uploadId: string): Promise<SessionStatus>;
}
