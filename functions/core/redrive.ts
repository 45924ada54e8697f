/**
 * Redrive: a failed upload started again by an operator. The execution names the upload only;
 * admit reopens its record, and create-session keeps the provider session when it is still
 * alive (the chunks it holds are not sent again) or opens a new one when it is not.
 */

import { z } from "zod";
import type { UploadRecord } from "./upload-store.js";

/** Execution input of a redrive: the upload to reopen, instead of an S3 object. */
export const RedriveInput = z.object({ redriveOf: z.string().regex(/^[0-9a-f]{32}$/) });
/** Execution input of a redrive. */
export type RedriveInput = z.infer<typeof RedriveInput>;

/**
 * The StartExecution name and input that redrive `record`. The name counts the redrives, so a
 * second operator starting the same redrive meets `ExecutionAlreadyExists`, not a twin run.
 */
export function redriveExecution(record: Pick<UploadRecord, "uploadKey" | "redrives">): {
  readonly name: string;
  readonly input: string;
} {
  const input: RedriveInput = { redriveOf: record.uploadKey };
  return {
    name: `redrive-${record.uploadKey}-${(record.redrives ?? 0) + 1}`,
    input: JSON.stringify(input),
  };
}

/**
 * Whether a redriven upload may go on with its session: it was not given up when the upload
 * failed and has time left before it expires (`marginMs` covers the transfer still to come).
 * The provider's own answer is the caller's to add.
 */
export function sessionMayBeAlive(
  record: Pick<UploadRecord, "sessionCancelled" | "sessionExpiresAt">,
  now: number,
  marginMs: number,
): boolean {
  if (record.sessionCancelled === true) return false;
  return record.sessionExpiresAt === undefined || record.sessionExpiresAt > now + marginMs;
}
