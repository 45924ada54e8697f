/**
 * In-memory state of the SpatialGen sandbox: upload groups with their files. The S3 server keeps
 * the bytes; this keeps what it cannot (the ETag and size of each stored part, and the group's
 * lifecycle); the kit's signer keeps the presigned URLs handed out.
 */

import type { DocumentedUploadStrategy } from "../../functions/core/providers/spatialgen/spatialgen-documented-answers.js";
import type {
  FileRole,
  Layout,
  Perspective,
} from "../../functions/core/providers/spatialgen/spatialgen-requests.js";
import type { StoredPart } from "../sandbox-kit/stored-part.js";

/** A group's status as stored; `expired` is derived from the clock. */
export type StoredGroupStatus = "uploading" | "completed" | "canceled";

/** A group's status as the sandbox reports it. */
export type GroupStatus = StoredGroupStatus | "expired";

/** A file's status on the wire. */
export type FileStatus = "uploading" | "completed" | "canceled" | "expired";

/** One file of a group. */
export interface FileState {
  readonly uploadId: string;
  readonly fileName: string;
  readonly fileRole: FileRole;
  readonly languageTag?: string;
  readonly totalBytes: number;
  readonly partSizeBytes: number;
  readonly totalParts: number;
  readonly uploadStrategy: DocumentedUploadStrategy;
  /** S3 object key of the file. */
  readonly key: string;
  /** Id of the S3 multipart upload behind a multipart file. */
  readonly s3UploadId?: string;
  completed: boolean;
  /** Parts stored on S3 through the gate, by part number; a re-PUT replaces one. */
  readonly parts: Map<number, StoredPart>;
  /**
   * Set once the file's completion starts, so a concurrent complete waits for the same end; it
   * resolves to the group's libraryId as it was when the file completed.
   */
  completion?: Promise<string | null>;
}

/** One upload group. */
export interface GroupState {
  readonly uploadSessionId: string;
  readonly videoName: string;
  readonly layout: Layout;
  readonly perspective?: Perspective;
  readonly folderName?: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  status: StoredGroupStatus;
  canceledAt?: number;
  /** Files cancelled by the cancel call (those not completed then). */
  canceledFileCount?: number;
  /** Set when the last file completes: the group's library entry. */
  libraryId: string | null;
  readonly files: FileState[];
}

/** Groups, kept in memory for the life of one sandbox. */
export class GroupStore {
  private readonly groups = new Map<string, GroupState>();

  constructor(private readonly now: () => number) {}

  /** Adds a new group. */
  add(group: GroupState): void {
    this.groups.set(group.uploadSessionId, group);
  }

  /** The group with this id, if any. */
  get(uploadSessionId: string): GroupState | undefined {
    return this.groups.get(uploadSessionId);
  }

  /** Every group, oldest first. */
  all(): GroupState[] {
    return [...this.groups.values()];
  }

  /** A group's status: one past its expiry that neither completed nor was cancelled is `expired`. */
  statusOf(group: GroupState): GroupStatus {
    if (group.status === "uploading" && this.now() > group.expiresAt) return "expired";
    return group.status;
  }

  /** A file's status: completed files stay so; the others follow their group. */
  fileStatusOf(group: GroupState, file: FileState): FileStatus {
    if (file.completed) return "completed";
    const status = this.statusOf(group);
    return status === "completed" ? "uploading" : status;
  }
}
