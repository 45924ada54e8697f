/**
 * The five multipart-upload endpoints of the TwelveLabs API (v1.3), answered from the session
 * store and backed by a real S3 multipart upload on the local S3 server.
 */

import { randomBytes } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { chunkRange } from "../../functions/core/chunk-plan.js";
import type {
  DocumentedChunkInfo,
  DocumentedCreateSessionAnswer,
  DocumentedIncompleteUpload,
  DocumentedListIncompleteAnswer,
  DocumentedPresignedUrlChunk,
  DocumentedPresignedUrlsAnswer,
  DocumentedReportChunksAnswer,
  DocumentedStatusAnswer,
} from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";
import type { ApiAnswer } from "../sandbox-kit/api-listener.js";
import { contentTypeFor } from "../sandbox-kit/content-type.js";
import { SandboxHttpError } from "../sandbox-kit/http-io.js";
import { parseOrThrow } from "../sandbox-kit/parse-request.js";
import { applyChunkReport } from "./apply-chunk-report.js";
import { planChunks } from "./chunk-plan.js";
import type { ChunkUrls } from "./part-url-signer.js";
import {
  createUploadRequestSchema,
  pageQuerySchema,
  presignedUrlsRequestSchema,
  reportRequestSchema,
} from "./sandbox-schemas.js";
import type { ChunkState, SessionStore, UploadSessionState } from "./session-store.js";
import { paginate, rfc3339 } from "./wire-format.js";

/** What the API needs. */
export interface SandboxApiDeps {
  readonly store: SessionStore;
  readonly signer: ChunkUrls;
  readonly s3: S3Client;
  readonly bucket: string;
  /** `http://127.0.0.1:<port>` of the sandbox, for the asset URL. */
  readonly origin: string;
  readonly chunkSize: number;
  readonly minChunkSize: number;
  readonly maxTotalSize: number;
  readonly initialUrls: number;
  readonly sessionLifetimeSeconds: number;
  readonly now: () => number;
  /** Whether a chunk is failed right after its first accepted report (a fault's roll). */
  readonly failsAfterFirstReport: (index: number) => boolean;
}

/** The endpoints' logic; routing, auth and faults are the server's. */
export class SandboxApi {
  private readonly createSchema: ReturnType<typeof createUploadRequestSchema>;

  constructor(private readonly deps: SandboxApiDeps) {
    this.createSchema = createUploadRequestSchema(deps.maxTotalSize);
  }

  /** `POST /assets/multipart-uploads`. */
  async create(body: unknown): Promise<ApiAnswer> {
    const input = parseOrThrow(this.createSchema, body);
    const { chunkSize, totalChunks } = planChunks(
      input.total_size,
      this.deps.chunkSize,
      this.deps.minChunkSize,
    );
    const uploadId = newId();
    const assetId = newId();
    const key = `assets/${assetId}`;
    const contentType = contentTypeFor(input.filename);
    const multipart = await this.deps.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: this.deps.bucket,
        Key: key,
        ContentType: contentType,
      }),
    );
    if (!multipart.UploadId) throw new Error("CreateMultipartUpload answered no UploadId");

    const at = this.deps.now();
    const chunks: ChunkState[] = Array.from({ length: totalChunks }, (_, i) => ({
      index: i + 1,
      size: chunkRange(i + 1, chunkSize, input.total_size).size,
      status: "pending",
      uploadedAt: null,
      updatedAt: at,
    }));
    const session: UploadSessionState = {
      uploadId,
      assetId,
      filename: input.filename,
      key,
      s3UploadId: multipart.UploadId,
      totalSize: input.total_size,
      chunkSize,
      totalChunks,
      uploadHeaders: { "Content-Type": contentType },
      createdAt: at,
      expiresAt: at + this.deps.sessionLifetimeSeconds * 1000,
      updatedAt: at,
      status: "active",
      chunks,
    };
    this.deps.store.add(session);
    const uploadUrls = await this.issueRange(
      session,
      1,
      Math.min(this.deps.initialUrls, totalChunks),
    );
    return {
      status: 201,
      body: {
        upload_id: uploadId,
        asset_id: assetId,
        upload_urls: uploadUrls,
        upload_headers: session.uploadHeaders,
        chunk_size: chunkSize,
        total_chunks: totalChunks,
        expires_at: rfc3339(session.expiresAt),
      } satisfies DocumentedCreateSessionAnswer,
    };
  }

  /** `POST /assets/multipart-uploads/{upload_id}/presigned-urls`. */
  async presignedUrls(uploadId: string, body: unknown): Promise<ApiAnswer> {
    const session = this.session(uploadId);
    const { start, count } = parseOrThrow(presignedUrlsRequestSchema, body);
    const last = start + count - 1;
    if (last > session.totalChunks) {
      throw new SandboxHttpError(
        400,
        "parameter_invalid",
        `chunks ${start}..${last} run past total_chunks ${session.totalChunks}`,
      );
    }
    this.requireActive(session);
    const generatedAt = this.deps.now();
    const uploadUrls = await this.issueRange(session, start, count);
    return {
      status: 200,
      body: {
        upload_id: uploadId,
        start_index: start,
        count,
        upload_urls: uploadUrls,
        generated_at: rfc3339(generatedAt),
        expires_at: rfc3339(session.expiresAt),
      } satisfies DocumentedPresignedUrlsAnswer,
    };
  }

  /** `POST /assets/multipart-uploads/{upload_id}`: report uploaded chunks. */
  async report(uploadId: string, body: unknown): Promise<ApiAnswer> {
    const session = this.session(uploadId);
    const { completed_chunks: entries } = parseOrThrow(reportRequestSchema, body);
    if (session.status !== "completed") this.requireActive(session);

    const outcome = applyChunkReport(session, entries, this.deps.now());
    this.forceFailures(session, entries);
    const totalCompleted = session.chunks.filter((c) => c.status === "completed").length;
    if (totalCompleted === session.totalChunks && session.status === "active") {
      session.completion ??= this.complete(session);
    }
    // A concurrent report may be completing the upload: answer once it is done, with the URL.
    if (session.completion) await session.completion;
    if (session.status === "failed") {
      throw new SandboxHttpError(500, "internal_error", session.error ?? "the upload failed");
    }
    return {
      status: 200,
      body: {
        ...(session.status === "completed"
          ? { url: `${this.deps.origin}/assets/${session.assetId}` }
          : {}),
        asset_id: session.assetId,
        processed_chunks: outcome.processed,
        duplicate_chunks: outcome.duplicates,
        total_completed: totalCompleted,
      } satisfies DocumentedReportChunksAnswer,
    };
  }

  /**
   * Applies the fail-after-first-report faults (`failChunksOnFirstReport`, `failChunkRate`)
   * before completion can see the chunk. Each chunk rolls once, on its first accepted report.
   */
  private forceFailures(
    session: UploadSessionState,
    entries: readonly { readonly chunk_index: number }[],
  ): void {
    if (session.status !== "active") return;
    session.reportedChunks ??= new Set();
    for (const { chunk_index: index } of entries) {
      if (session.reportedChunks.has(index)) continue;
      session.reportedChunks.add(index);
      if (!this.deps.failsAfterFirstReport(index)) continue;
      this.deps.store.failChunk(
        session.uploadId,
        index,
        "chunk failed verification: upload it again",
      );
    }
  }

  /** `GET /assets/multipart-uploads/{upload_id}?page=&page_limit=`. */
  status(uploadId: string, query: URLSearchParams): ApiAnswer {
    const session = this.session(uploadId);
    const { page, page_limit } = parseOrThrow(pageQuerySchema, Object.fromEntries(query));
    const infos = session.chunks.map(
      (chunk): DocumentedChunkInfo => ({
        index: chunk.index,
        status: chunk.status,
        uploaded_at: chunk.uploadedAt === null ? null : rfc3339(chunk.uploadedAt),
        updated_at: rfc3339(chunk.updatedAt),
        ...(chunk.status === "failed" && chunk.error !== undefined ? { error: chunk.error } : {}),
      }),
    );
    const { data, pageInfo } = paginate(infos, page, page_limit);
    const count = (status: ChunkState["status"]): number =>
      session.chunks.filter((c) => c.status === status).length;
    return {
      status: 200,
      body: {
        upload_id: session.uploadId,
        status: this.deps.store.statusOf(session),
        uploaded_chunks: data,
        chunks_completed: count("completed"),
        chunks_failed: count("failed"),
        chunks_pending: count("pending"),
        page_info: pageInfo,
        total_size: session.totalSize,
        uploaded_size: session.chunks
          .filter((c) => c.status === "completed")
          .reduce((sum, c) => sum + c.size, 0),
        created_at: rfc3339(session.createdAt),
        updated_at: rfc3339(session.updatedAt),
      } satisfies DocumentedStatusAnswer,
    };
  }

  /** `GET /assets/multipart-uploads?page=&page_limit=`: sessions that did not complete. */
  list(query: URLSearchParams): ApiAnswer {
    const { page, page_limit } = parseOrThrow(pageQuerySchema, Object.fromEntries(query));
    const incomplete = this.deps.store
      .all()
      .filter((session) => session.status !== "completed")
      .map(
        (session): DocumentedIncompleteUpload => ({
          upload_id: session.uploadId,
          status: this.deps.store.statusOf(session),
          total_size: session.totalSize,
          chunk_size: session.chunkSize,
          total_chunks: session.totalChunks,
          created_at: rfc3339(session.createdAt),
          expires_at: rfc3339(session.expiresAt),
        }),
      );
    const { data, pageInfo } = paginate(incomplete, page, page_limit);
    return {
      status: 200,
      body: { data, page_info: pageInfo } satisfies DocumentedListIncompleteAnswer,
    };
  }

  private session(uploadId: string): UploadSessionState {
    const session = this.deps.store.get(uploadId);
    if (!session) throw new SandboxHttpError(404, "not_found", `upload ${uploadId} not found`);
    return session;
  }

  private requireActive(session: UploadSessionState): void {
    const status = this.deps.store.statusOf(session);
    if (status !== "active") {
      throw new SandboxHttpError(
        400,
        "upload_not_active",
        `upload ${session.uploadId} is ${status}`,
      );
    }
  }

  private async issueRange(
    session: UploadSessionState,
    start: number,
    count: number,
  ): Promise<DocumentedPresignedUrlChunk[]> {
    const urls: DocumentedPresignedUrlChunk[] = [];
    for (let index = start; index < start + count; index += 1) {
      urls.push(await this.deps.signer.issue(session, index));
    }
    return urls;
  }

  /**
   * Completes the S3 multipart upload with the parts as reported. A part replaced after its
   * report no longer matches, and S3 would refuse it (InvalidPart): the session then fails.
   */
  private async complete(session: UploadSessionState): Promise<void> {
    const replaced = session.chunks.find((c) => c.part?.etag !== c.acceptedEtag);
    try {
      if (replaced) {
        throw new Error(`chunk ${replaced.index} was replaced after it was reported`);
      }
      await this.deps.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.deps.bucket,
          Key: session.key,
          UploadId: session.s3UploadId,
          MultipartUpload: {
            Parts: session.chunks.map((c) => ({
              PartNumber: c.index,
              ETag: `"${c.acceptedEtag}"`,
            })),
          },
        }),
      );
      session.status = "completed";
    } catch (error) {
      session.status = "failed";
      session.error = `completing the upload failed: ${(error as Error).message}`;
    }
    session.updatedAt = this.deps.now();
  }
}

/** 24 hex digits, the shape of the real API's ids. */
export function newId(): string {
  return randomBytes(12).toString("hex");
}
