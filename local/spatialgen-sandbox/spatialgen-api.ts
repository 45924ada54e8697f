/**
 * The four direct-upload endpoints of the SpatialGen API (start, part-urls, complete, cancel),
 * answered from the group store and backed by real S3 uploads on the local S3 server: a
 * multipart file is one S3 multipart upload, a `single_put` file one PutObject.
 */

import { randomUUID } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type {
  DocumentedCancelAnswer,
  DocumentedCompleteAnswer,
  DocumentedFile,
  DocumentedPartUrl,
  DocumentedPartUrlsAnswer,
  DocumentedStartAnswer,
} from "../../functions/core/providers/spatialgen/spatialgen-documented-answers.js";
import {
  CompleteFileBodySchema,
  extensionOf,
  PartUrlsBodySchema,
  StartGroupBodySchema,
} from "../../functions/core/providers/spatialgen/spatialgen-requests.js";
import type { ApiAnswer } from "../sandbox-kit/api-listener.js";
import { contentTypeFor } from "../sandbox-kit/content-type.js";
import { SandboxHttpError } from "../sandbox-kit/http-io.js";
import { parseOrThrow } from "../sandbox-kit/parse-request.js";
import type { FileState, GroupState, GroupStore } from "./group-store.js";
import { checkParts, partNumbersOf } from "./part-checks.js";
import { planParts } from "./part-plan.js";
import type { FileUrls } from "./part-url-signer.js";

/** What the API needs. */
export interface SpatialGenApiDeps {
  readonly store: GroupStore;
  readonly signer: FileUrls;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly partSize: number;
  readonly minPartSize: number;
  readonly groupLifetimeSeconds: number;
  readonly now: () => number;
}

/** The endpoints' logic; routing, auth and faults are the server's. */
export class SpatialGenApi {
  constructor(private readonly deps: SpatialGenApiDeps) {}

  /** `POST /api/videos/uploads`: opens the group, one S3 multipart upload per multipart file. */
  async start(body: unknown): Promise<ApiAnswer> {
    const input = parseOrThrow(StartGroupBodySchema, body);
    const uploadSessionId = randomUUID();
    const files: FileState[] = [];
    for (const file of input.files) {
      const plan = planParts(file.sizeBytes, this.deps.partSize, this.deps.minPartSize);
      const uploadId = randomUUID();
      const key = `direct-uploads/${uploadSessionId}/${uploadId}${extensionOf(file.fileName)}`;
      const s3UploadId =
        plan.uploadStrategy === "multipart"
          ? await this.createMultipart(key, file.fileName)
          : undefined;
      files.push({
        uploadId,
        fileName: file.fileName,
        fileRole: file.fileRole,
        ...(file.languageTag === undefined ? {} : { languageTag: file.languageTag }),
        totalBytes: file.sizeBytes,
        ...plan,
        key,
        ...(s3UploadId === undefined ? {} : { s3UploadId }),
        completed: false,
        parts: new Map(),
      });
    }
    const at = this.deps.now();
    const group: GroupState = {
      uploadSessionId,
      videoName: input.videoName,
      layout: input.layout,
      ...(input.perspective === undefined ? {} : { perspective: input.perspective }),
      ...(input.folderName === undefined ? {} : { folderName: input.folderName }),
      createdAt: at,
      expiresAt: at + this.deps.groupLifetimeSeconds * 1000,
      status: "uploading",
      libraryId: null,
      files,
    };
    this.deps.store.add(group);
    return {
      status: 201,
      body: {
        uploadSessionId,
        files: files.map((file) => this.fileAnswer(group, file)),
      } satisfies DocumentedStartAnswer,
    };
  }

  /** `POST …/{uploadSessionId}/files/{uploadId}/part-urls`: by `partNumbers` or a window. */
  async partUrls(uploadSessionId: string, uploadId: string, body: unknown): Promise<ApiAnswer> {
    const { group, file } = this.file(uploadSessionId, uploadId);
    const input = parseOrThrow(PartUrlsBodySchema, body ?? {});
    this.requireOpen(group);
    if (file.completed) {
      throw new SandboxHttpError(409, "file_completed", `file ${uploadId} is already completed`);
    }
    const numbers = partNumbersOf(input, file.totalParts);
    const parts: DocumentedPartUrl[] = [];
    for (const partNumber of numbers) {
      parts.push(await this.deps.signer.issue(group, file, partNumber));
    }
    return {
      status: 200,
      body: { ...this.fileAnswer(group, file), parts } satisfies DocumentedPartUrlsAnswer,
    };
  }

  /**
   * `POST …/{uploadSessionId}/files/{uploadId}/complete`: checks every part against what S3
   * stored, completes the S3 upload, and, when this was the group's last file, gives the group
   * its `libraryId`. A repeat answers the same (it waits for a completion under way).
   */
  async complete(uploadSessionId: string, uploadId: string, body: unknown): Promise<ApiAnswer> {
    const { group, file } = this.file(uploadSessionId, uploadId);
    const input = parseOrThrow(CompleteFileBodySchema, body ?? {});
    // A file completed earlier answers the group's libraryId as it is now; one completing now
    // (this call's, or a concurrent repeat's) answers it as it was when the file completed, so
    // only the complete that finished the group's last file carries it first.
    let libraryId = group.libraryId;
    if (!file.completed) {
      if (!file.completion) {
        this.requireOpen(group);
        checkParts(file, input.parts);
        const completion = this.completeFile(group, file);
        file.completion = completion;
        // A failed completion may be retried: it is forgotten, not remembered as the answer.
        completion.catch(() => {
          if (file.completion === completion) file.completion = undefined;
        });
      }
      libraryId = await file.completion;
    }
    return {
      status: 200,
      body: { ...this.fileAnswer(group, file), libraryId } satisfies DocumentedCompleteAnswer,
    };
  }

  /** `DELETE /api/videos/uploads/{uploadSessionId}`: aborts what is not completed; repeatable. */
  async cancel(uploadSessionId: string): Promise<ApiAnswer> {
    const group = this.group(uploadSessionId);
    const status = this.deps.store.statusOf(group);
    if (status === "expired") throw expiredError(group);
    if (status === "completed") {
      throw new SandboxHttpError(
        409,
        "upload_completed",
        `upload group ${uploadSessionId} is completed (libraryId ${group.libraryId}): it cannot be canceled`,
      );
    }
    if (status === "uploading") {
      const open = group.files.filter((file) => !file.completed);
      group.status = "canceled";
      group.canceledAt = this.deps.now();
      group.canceledFileCount = open.length;
      for (const file of open) await this.abort(file);
    }
    return {
      status: 200,
      body: {
        sessionId: group.uploadSessionId,
        status: "canceled",
        canceledAt: new Date(group.canceledAt ?? this.deps.now()).toISOString(),
        fileCount: group.files.length,
        canceledFileCount: group.canceledFileCount ?? 0,
      } satisfies DocumentedCancelAnswer,
    };
  }

  /** Completes the file's S3 upload; answers the group's libraryId right after (null if files remain). */
  private async completeFile(group: GroupState, file: FileState): Promise<string | null> {
    if (file.s3UploadId !== undefined) {
      await this.deps.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.deps.bucket,
          Key: file.key,
          UploadId: file.s3UploadId,
          MultipartUpload: {
            Parts: Array.from({ length: file.totalParts }, (_, i) => ({
              PartNumber: i + 1,
              ETag: `"${file.parts.get(i + 1)?.etag}"`,
            })),
          },
        }),
      );
    }
    file.completed = true;
    if (group.status === "uploading" && group.files.every((f) => f.completed)) {
      group.status = "completed";
      group.libraryId = randomUUID();
    }
    return group.libraryId;
  }

  private async createMultipart(key: string, fileName: string): Promise<string> {
    const multipart = await this.deps.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: this.deps.bucket,
        Key: key,
        ContentType: contentTypeFor(fileName),
      }),
    );
    if (!multipart.UploadId) throw new Error("CreateMultipartUpload answered no UploadId");
    return multipart.UploadId;
  }

  private async abort(file: FileState): Promise<void> {
    if (file.s3UploadId === undefined) return;
    await this.deps.s3
      .send(
        new AbortMultipartUploadCommand({
          Bucket: this.deps.bucket,
          Key: file.key,
          UploadId: file.s3UploadId,
        }),
      )
      .catch((error: unknown) => {
        const name = (error as { name?: string }).name;
        // Already gone is what cancelling wants; the local S3 server (s3rver 3.7) does not
        // implement AbortMultipartUpload and answers MethodNotAllowed: there the gate, which
        // refuses every PUT to a cancelled group, is what makes the cancel hold.
        if (name !== "NoSuchUpload" && name !== "MethodNotAllowed") throw error;
      });
  }

  private fileAnswer(group: GroupState, file: FileState): DocumentedFile {
    return {
      uploadId: file.uploadId,
      fileRole: file.fileRole,
      fileName: file.fileName,
      totalBytes: file.totalBytes,
      partSizeBytes: file.partSizeBytes,
      totalParts: file.totalParts,
      uploadStrategy: file.uploadStrategy,
      status: this.deps.store.fileStatusOf(group, file),
    };
  }

  private group(uploadSessionId: string): GroupState {
    const group = this.deps.store.get(uploadSessionId);
    if (!group) {
      throw new SandboxHttpError(404, "not_found", `upload group ${uploadSessionId} not found`);
    }
    return group;
  }

  private file(uploadSessionId: string, uploadId: string): { group: GroupState; file: FileState } {
    const group = this.group(uploadSessionId);
    const file = group.files.find((f) => f.uploadId === uploadId);
    if (!file) {
      throw new SandboxHttpError(
        404,
        "not_found",
        `file ${uploadId} not found in upload group ${uploadSessionId}`,
      );
    }
    return { group, file };
  }

  /**
   * A cancelled group answers 409 (it exists, but its state forbids the call: a client learns
   * its cancel held, not that it has a wrong id); an expired one 410 (gone for good).
   */
  private requireOpen(group: GroupState): void {
    const status = this.deps.store.statusOf(group);
    if (status === "canceled") {
      throw new SandboxHttpError(
        409,
        "upload_canceled",
        `upload group ${group.uploadSessionId} was canceled and cannot be resumed`,
      );
    }
    if (status === "expired") throw expiredError(group);
  }
}

function expiredError(group: GroupState): SandboxHttpError {
  return new SandboxHttpError(
    410,
    "upload_expired",
    `upload group ${group.uploadSessionId} expired at ${new Date(group.expiresAt).toISOString()}`,
  );
}
