/**
 * zod schemas of the payloads the state machine hands each step: the steps' wire boundary.
 * Payloads carry ids and indexes only; everything else is read from the store.
 */

import { z } from "zod";
import { InvalidInputError } from "../errors.js";

/** Execution input, built by the start step from the S3 event. */
export const ExecutionInput = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  size: z.number().int().nonnegative(),
  etag: z.string(),
  versionId: z.string().min(1).nullable(),
  sequencer: z.string(),
});
/** Execution input, built by the start step from the S3 event. */
export type ExecutionInput = z.infer<typeof ExecutionInput>;

/** Any step after admit: the upload it works on. */
export const UploadRef = z.object({ uploadKey: z.string().regex(/^[0-9a-f]{32}$/) });

/** One Map item: a batch of chunks. */
export const BatchRef = UploadRef.extend({
  first: z.number().int().positive(),
  last: z.number().int().positive(),
}).refine((b) => b.last >= b.first, { message: "last must be >= first" });

/** What the fail step receives: whatever state the failure happened in, plus the caught error. */
export const FailureInput = z.object({
  uploadKey: z.string().optional(),
  /** A redrive's execution input, when admit failed on it. */
  redriveOf: z.string().optional(),
  bucket: z.string().optional(),
  key: z.string().optional(),
  versionId: z.string().nullable().optional(),
  etag: z.string().optional(),
  sequencer: z.string().optional(),
  size: z.number().optional(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});

/** Parses a step's input or throws {@link InvalidInputError} naming the step. */
export function parseInput<T>(step: string, schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidInputError(`${step}: bad input: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
