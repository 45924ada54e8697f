/**
 * In-memory state of the sandbox: upload sessions with their chunks. The S3 server keeps the
 * bytes; this keeps what it cannot (the ETag and size of each stored part, what was reported);
 * the kit's signer keeps the presigned URLs handed out.
 */

import { InvalidInputError, UploadStateError } from "../../functions/core/errors.js";
import type {
  DocumentedChunkStatus,
  DocumentedSessionStatus,
} from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";
import type { StoredPart } from "../sandbox-kit/stored-part.js";

/** Session status on the wire. */
export type SessionStatus = DocumentedSessionStatus;

/** Session status as stored; `expired` is derived from the clock. */
export type StoredSessionStatus = Exclude<SessionStatus, "expired">;

/** Chunk status on the wire. */
export type ChunkStatus = DocumentedChunkStatus;

/** One chunk of a session. */
export interface ChunkState {
  readonly index: number;
  /** Size the chunk must have. */
  readonly size: number;
  status: ChunkStatus;
  /** When the chunk was reported (null unless completed), epoch ms. */
  uploadedAt: number | null;
  updatedAt: number;
  error?: string;
  /** The part currently stored on S3, if any. */
  part?: StoredPart;
  /** The ETag accepted when the chunk was reported (without quotes). */
  acceptedEtag?: string;
}

/** One upload session. */
export interface UploadSessionState {
  readonly uploadId: string;
  readonly assetId: string;
  readonly filename: string;
  /** S3 object key of the asset. */
  readonly key: string;
  /** Id of the S3 multipart upload behind the session. */
  readonly s3UploadId: string;
  readonly totalSize: number;
  readonly chunkSize: number;
  readonly totalChunks: number;
  readonly uploadHeaders: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly expiresAt: number;
  updatedAt: number;
  status: StoredSessionStatus;
  error?: string;
  readonly chunks: ChunkState[];
  /** Set while the S3 multipart upload is being completed, so concurrent reports wait for it. */
  completion?: Promise<void>;
  /** Chunks that have had an accepted report: the fail-after-first-report faults roll once each. */
  reportedChunks?: Set<number>;
}

/** Sessions and their chunks, kept in memory for the life of one sandbox. */
export class SessionStore {
  private readonly sessions = new Map<string, UploadSessionState>();
  private readonly byAsset = new Map<string, string>();

  constructor(private readonly now: () => number) {}

  /** Adds a new session. */
  add(session: UploadSessionState): void {
    this.sessions.set(session.uploadId, session);
    this.byAsset.set(session.assetId, session.uploadId);
  }

  /** The session with this upload id, if any. */
  get(uploadId: string): UploadSessionState | undefined {
    return this.sessions.get(uploadId);
  }

  /** The session with this upload id or asset id, if any. */
  find(uploadOrAssetId: string): UploadSessionState | undefined {
    return this.get(uploadOrAssetId) ?? this.get(this.byAsset.get(uploadOrAssetId) ?? "");
  }

  /** Every session, oldest first. */
  all(): UploadSessionState[] {
    return [...this.sessions.values()];
  }

  /** Wire status of a session: a session past its expiry that never completed is `expired`. */
  statusOf(session: UploadSessionState): SessionStatus {
    if (session.status === "active" && this.now() > session.expiresAt) return "expired";
    return session.status;
  }

  /** Records the part the gate stored for a chunk; a re-PUT replaces it. */
  recordPart(session: UploadSessionState, index: number, part: StoredPart): void {
    const chunk = chunkOf(session, index);
    chunk.part = part;
    const at = this.now();
    chunk.updatedAt = at;
    session.updatedAt = at;
  }

  /** Forces a chunk to `failed`: its stored part is forgotten, so it must be sent and reported again. */
  failChunk(uploadId: string, index: number, error: string): void {
    const session = this.get(uploadId);
    if (!session) throw new InvalidInputError(`unknown upload ${uploadId}`);
    if (this.statusOf(session) !== "active") {
      throw new UploadStateError(`upload ${uploadId} is ${this.statusOf(session)}, not active`);
    }
    const chunk = chunkOf(session, index);
    const at = this.now();
    chunk.status = "failed";
    chunk.error = error;
    chunk.uploadedAt = null;
    chunk.updatedAt = at;
    chunk.part = undefined;
    chunk.acceptedEtag = undefined;
    session.updatedAt = at;
  }
}

function chunkOf(session: UploadSessionState, index: number): ChunkState {
  const chunk = session.chunks[index - 1];
  if (!chunk) {
    throw new InvalidInputError(
      `chunk ${index} is out of range 1..${session.totalChunks} of upload ${session.uploadId}`,
    );
  }
  return chunk;
}
