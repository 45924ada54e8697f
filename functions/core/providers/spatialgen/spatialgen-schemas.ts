/**
 * SpatialGen's direct-upload wire format as the relay reads it: lenient on purpose, as the
 * TwelveLabs schemas are, so that no answer the service really sends fails an upload:
 * - only the fields a relay uses are parsed; every object is loose, so any other field passes;
 * - a field the relay cannot work without is required (`uploadSessionId`; per file `uploadId`,
 *   `fileName`, `fileRole`, `partSizeBytes`, `totalParts`, `uploadStrategy`; per part
 *   `partNumber`, `byteStart`, `byteEnd`, `url`), so its absence fails naming it;
 * - informational fields (`status`, `totalBytes`, `sizeBytes`, `expiresAt`) are optional and
 *   read as absent when unreadable; `status` and `uploadStrategy` are plain strings, so a new
 *   value is no failure (the provider decides what an unknown strategy means);
 * - `libraryId` is nullable: null until the group's last file completes.
 *
 * The exact documented shapes are in `spatialgen-documented-answers.ts`; every answer of that
 * shape reads with these.
 */

import { z } from "zod";

/** An optional field: absent, `null` and unreadable all read as `undefined`. */
function lenient<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

/** A date-time, kept as the string the wire carried. */
const DateTime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "not an ISO 8601 date-time");

const Count = z.int().nonnegative();
const PartNumber = z.int().positive();

/** The file fields the relay reads from every file-level answer. */
const fileShape = {
  uploadId: z.string().min(1),
  fileName: z.string().min(1),
  // "video", "video_left", … today; a role the relay did not send is matched by name instead.
  fileRole: z.string().min(1),
  partSizeBytes: z.int().positive(),
  totalParts: z.int().positive(),
  // "single_put" or "multipart" today.
  uploadStrategy: z.string().min(1),
  totalBytes: lenient(Count),
  // "uploading", "completed", … : informational only.
  status: lenient(z.string()),
};

/** One file of a group. */
export const FileAnswerSchema = z.looseObject(fileShape);

/** Answer of `POST /api/videos/uploads` (start group). */
export const StartAnswerSchema = z.looseObject({
  uploadSessionId: z.string().min(1),
  files: z.array(FileAnswerSchema),
});

/** One part URL; the relay takes its byte range from here, never from its own arithmetic. */
export const PartUrlSchema = z.looseObject({
  partNumber: PartNumber,
  byteStart: Count,
  byteEnd: Count,
  url: z.string().min(1),
  sizeBytes: lenient(Count),
  expiresAt: lenient(DateTime),
});

/** Answer of `POST …/files/{uploadId}/part-urls`. */
export const PartUrlsAnswerSchema = z.looseObject({
  ...fileShape,
  parts: z.array(PartUrlSchema),
});

/** Answer of `POST …/files/{uploadId}/complete`. */
export const CompleteAnswerSchema = z.looseObject({
  ...fileShape,
  // Absent reads as null: the group is not known to be complete.
  libraryId: z
    .string()
    .min(1)
    .nullish()
    .transform((id) => id ?? null),
});

/** Answer of `DELETE /api/videos/uploads/{uploadSessionId}` (cancel group). */
export const CancelAnswerSchema = z.looseObject({
  status: lenient(z.string()),
  canceledAt: lenient(DateTime),
});

/** A validated file of a group. */
export type FileAnswer = z.output<typeof FileAnswerSchema>;
/** A validated start answer. */
export type StartAnswer = z.output<typeof StartAnswerSchema>;
/** A validated part URL. */
export type PartUrl = z.output<typeof PartUrlSchema>;
/** A validated part-urls answer. */
export type PartUrlsAnswer = z.output<typeof PartUrlsAnswerSchema>;
/** A validated complete answer. */
export type CompleteAnswer = z.output<typeof CompleteAnswerSchema>;
/** A validated cancel answer. */
export type CancelAnswer = z.output<typeof CancelAnswerSchema>;
