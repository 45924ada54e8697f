/**
 * The one interface the pipeline sees, so that it never branches on which provider it holds.
 * TwelveLabs (one file, report-as-you-go, start/count URL windows) and SpatialGen (a group of
 * files, explicit part numbers, one complete call per file) both implement it.
 *
 * Chunk numbers are the relay's own: 1..N across every file of an upload, file after file in
 * the order `createSession` was given them. A provider maps them onto its own part numbers
 * through the session's `files` table.
 */

/** A presigned URL for one chunk. The URL is a secret: store it, never log it or pass it on. */
export interface ChunkUrl {
  /** Chunk number, from 1. */
  readonly index: number;
  /** Presigned PUT URL. */
  readonly url: string;
  /** When the URL stops working, epoch milliseconds. */
  readonly expiresAt: number;
  /**
   * The chunk's bytes as the provider states them with the URL (SpatialGen's `byteStart`),
   * first byte in its file; absent when the provider states none.
   */
  readonly start?: number;
  /** Bytes of the chunk as the provider states them with the URL; absent when it states none. */
  readonly size?: number;
}

/** One file of an upload as the provider is asked to take it. */
export interface UploadFile {
  /** File name shown by the provider (the object key's last segment). */
  readonly name: string;
  /** Exact size in bytes. */
  readonly size: number;
  /** Role in a group (SpatialGen's `fileRole`). @default the main video */
  readonly role?: string;
  /** BCP 47 language tag of an audio or subtitle file. */
  readonly languageTag?: string;
}

/** Attributes of a group of files, for providers that have groups (SpatialGen). */
export interface GroupAttributes {
  /** Name of the video the group becomes. */
  readonly videoName: string;
  /** SpatialGen `layout`. @default "2D" */
  readonly layout?: string;
  /** SpatialGen `perspective`. */
  readonly perspective?: string;
  /** SpatialGen `folderName`. */
  readonly folderName?: string;
  /** SpatialGen `description`. */
  readonly description?: string;
}

/** What `createSession` needs to know about the upload. */
export interface CreateSessionInput {
  /** The files, in the order their chunks are numbered. TwelveLabs takes exactly one. */
  readonly files: readonly UploadFile[];
  /** Group attributes; providers without groups ignore them. */
  readonly group?: GroupAttributes;
}

/** One file of an open session: its provider id and where its chunks sit in the numbering. */
export interface SessionFile {
  /** The provider's id of the file (SpatialGen's file `uploadId`; TwelveLabs' session id). */
  readonly fileId: string;
  /** Exact size in bytes. */
  readonly size: number;
  /** Bytes per part as the provider states it (every part but the last, where it says so). */
  readonly partSize: number;
  /** Relay chunk number of the file's part 1. */
  readonly firstChunk: number;
  /** Parts (chunks) of the file. */
  readonly parts: number;
  /** Sent as one PUT of the whole file and finished without a parts list (`single_put`). */
  readonly singlePut?: boolean;
}

/** One chunk of the plan: which bytes of which file it carries. */
export interface PlannedChunk {
  /** Chunk number, from 1, across every file of the upload. */
  readonly index: number;
  /** Which file, as an index into `CreateSessionInput.files` (and `SessionRef.files`). */
  readonly file: number;
  /** First byte, from 0, in its file. */
  readonly start: number;
  /** Bytes in the chunk. */
  readonly size: number;
}

/** What a provider is handed about an open session on every later call. */
export interface SessionRef {
  /** Provider's upload (session, group) id. */
  readonly uploadId: string;
  /** Its files, in chunk order. */
  readonly files: readonly SessionFile[];
}

/** A provider upload session as the relay keeps it. */
export interface UploadSession extends SessionRef {
  /** Provider's asset id, when it is reserved at creation (TwelveLabs); else from the status. */
  readonly assetId?: string;
  /** Headers every chunk PUT must carry. */
  readonly uploadHeaders: Readonly<Record<string, string>>;
  /** Every chunk of every file, ascending by index, from the provider's own geometry. */
  readonly plan: readonly PlannedChunk[];
  /** URLs handed out at creation; may cover only some chunks. */
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
  /**
   * The chunks the provider took with this call; absent means every proof given. A provider
   * that settles files whole (SpatialGen) takes none here: its status settles them.
   */
  readonly accepted?: readonly number[];
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
  /** The asset id, when the provider gives it only at completion (SpatialGen's `libraryId`). */
  readonly assetId?: string;
}

/** Where the indexing of an asset stands: `pending` until the provider says ready or failed. */
export type IndexState = "pending" | "ready" | "failed";

/** Indexing an uploaded asset, for providers that have indexes (TwelveLabs). */
export interface AssetIndexing {
  /** Asks for `assetId` to be indexed into `indexId`; answers the indexed asset's id. */
  index(indexId: string, assetId: string): Promise<string>;
  /** Where the indexing of `indexedAssetId` stands. */
  status(indexId: string, indexedAssetId: string): Promise<IndexState>;
}

/** A video platform that takes presigned-URL multipart uploads. */
export interface Provider {
  /** Indexing after upload; absent for a provider without indexes. */
  readonly indexing?: AssetIndexing;
  /** Short stable name, used in records and events. */
  readonly name: string;
  /** Largest file the provider accepts, in bytes. */
  readonly maxFileSize: number;
  /**
   * Why the provider would refuse `input` (a role's extension, a layout rule), each reason a
   * sentence; empty when it would not. Makes no call: admit asks before any session opens.
   */
  refusals(input: CreateSessionInput): string[];
  /** Opens an upload session for the files of `input`. */
  createSession(input: CreateSessionInput): Promise<UploadSession>;
  /**
   * The chunk plan of a session opened before, from the provider's geometry again: how a step
   * that finds a claimed session without its plan (a crash in between) rebuilds it.
   */
  planOf(session: SessionRef): Promise<PlannedChunk[]>;
  /** Fresh URLs for the given chunks (any order, any count; the provider splits the calls). */
  getChunkUrls(session: SessionRef, indexes: readonly number[]): Promise<ChunkUrl[]>;
  /** Reports proofs (any count; the provider splits the calls). Repeating a proof is harmless. */
  reportChunks(session: SessionRef, proofs: readonly ChunkProof[]): Promise<ReportResult>;
  /**
   * Reads the session's state and the chunks that must be sent again. `proofs` holds every
   * chunk sent so far: a provider that is finished file by file (SpatialGen) finishes with them
   * each file whose every part has one, and reads the state from those answers.
   */
  getStatus(session: SessionRef, proofs: readonly ChunkProof[]): Promise<SessionStatus>;
  /**
   * Gives up the session for good, so that nothing is left half uploaded: SpatialGen cancels
   * the group (true); TwelveLabs has no such call and lets the session expire (false: it is
   * still alive, and a redrive may go on with it). Safe to repeat.
   */
  cancel(session: SessionRef): Promise<boolean>;
}

/** The file a chunk belongs to, by the session's files table. */
export function fileOfChunk(
  files: readonly SessionFile[],
  index: number,
): { readonly file: number; readonly part: number } | undefined {
  const file = files.findIndex((f) => index >= f.firstChunk && index < f.firstChunk + f.parts);
  const found = files[file];
  return found ? { file, part: index - found.firstChunk + 1 } : undefined;
}
