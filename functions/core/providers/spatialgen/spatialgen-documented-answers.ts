/**
 * The answers of SpatialGen's direct-upload API exactly as documented (shared/api-notes.md and
 * the part-urls page in seeds/): every field, its type, nothing else. Each object is strict, so
 * an unknown field fails as surely as a missing or mistyped one.
 *
 * As for TwelveLabs, the relay never reads answers with these (it reads them leniently, with
 * `spatialgen-schemas.ts`); they hold the other side to the docs: the local sandbox builds its
 * answers as their input types, and the contract tests parse what it sent with them.
 *
 * Inferred, not published: the start answer's shape (the notes give its fields, per file the
 * part-urls answer's file fields) and the error body (`{code, message}`, as TwelveLabs'); both
 * say so where they are defined.
 */

import { z } from "zod";
import { FILE_ROLES } from "./spatialgen-requests.js";

/** ISO 8601 UTC time with milliseconds (`2026-05-06T18:42:11.000Z`), as the docs' example writes it. */
export const DocumentedTimeSchema = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
    "not an ISO 8601 UTC time with milliseconds",
  );

/** `uploadStrategy` values. */
export const DocumentedUploadStrategySchema = z.enum(["single_put", "multipart"]);

/** The file fields every file-level answer carries (`status` is documented only as a string). */
const documentedFileShape = {
  uploadId: z.string().min(1),
  fileRole: z.enum(FILE_ROLES),
  fileName: z.string().min(1),
  totalBytes: z.number().int(),
  partSizeBytes: z.number().int(),
  totalParts: z.number().int(),
  uploadStrategy: DocumentedUploadStrategySchema,
  status: z.string().min(1),
};

/** One file of a group, as the start answer lists it (inferred: the part-urls answer's file fields). */
export const DocumentedFileSchema = z.strictObject(documentedFileShape);

/** Answer of `POST /api/videos/uploads` (start group); inferred from the notes. */
export const DocumentedStartAnswerSchema = z.strictObject({
  uploadSessionId: z.string().min(1),
  files: z.array(DocumentedFileSchema),
});

/** One part URL: bytes `byteStart..byteEnd` (inclusive) of the file go to `url`. */
export const DocumentedPartUrlSchema = z.strictObject({
  partNumber: z.number().int(),
  sizeBytes: z.number().int(),
  byteStart: z.number().int(),
  byteEnd: z.number().int(),
  url: z.url(),
  expiresAt: DocumentedTimeSchema,
});

/** Answer of `POST …/files/{uploadId}/part-urls`. */
export const DocumentedPartUrlsAnswerSchema = z.strictObject({
  ...documentedFileShape,
  parts: z.array(DocumentedPartUrlSchema),
});

/** Answer of `POST …/files/{uploadId}/complete`: `libraryId` is null until the group is complete. */
export const DocumentedCompleteAnswerSchema = z.strictObject({
  ...documentedFileShape,
  libraryId: z.string().min(1).nullable(),
});

/** Answer of `DELETE /api/videos/uploads/{uploadSessionId}` (cancel group). */
export const DocumentedCancelAnswerSchema = z.strictObject({
  sessionId: z.string().min(1),
  status: z.literal("canceled"),
  canceledAt: DocumentedTimeSchema,
  fileCount: z.number().int(),
  canceledFileCount: z.number().int(),
});

/** The error body of every non-2xx answer (inferred: the notes give none; TwelveLabs' shape). */
export const DocumentedErrorBodySchema = z.strictObject({
  code: z.string().min(1),
  message: z.string(),
});

/** An upload strategy. */
export type DocumentedUploadStrategy = z.input<typeof DocumentedUploadStrategySchema>;
/** One file of a start answer, as sent. */
export type DocumentedFile = z.input<typeof DocumentedFileSchema>;
/** A start answer as sent. */
export type DocumentedStartAnswer = z.input<typeof DocumentedStartAnswerSchema>;
/** One part URL as sent. */
export type DocumentedPartUrl = z.input<typeof DocumentedPartUrlSchema>;
/** A part-urls answer as sent. */
export type DocumentedPartUrlsAnswer = z.input<typeof DocumentedPartUrlsAnswerSchema>;
/** A complete answer as sent. */
export type DocumentedCompleteAnswer = z.input<typeof DocumentedCompleteAnswerSchema>;
/** A cancel answer as sent. */
export type DocumentedCancelAnswer = z.input<typeof DocumentedCancelAnswerSchema>;
/** An error body as sent. */
export type DocumentedErrorBody = z.input<typeof DocumentedErrorBodySchema>;
