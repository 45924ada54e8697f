/**
 * AcquireSlot: admission control between admit and the provider session. The upload takes one
 * of the `maxConcurrentUploads` slots, or waits its turn in order of arrival: the state machine
 * then waits `waitSeconds` and asks again (see `upload-slots.ts`). The limit and the lease come
 * from the state machine definition, which the construct builds from its props.
 */

import { z } from "zod";
import { MAX_UPLOAD_SLOTS, type UploadSlots } from "../upload-slots.js";
import { parseInput, UploadRef } from "./step-inputs.js";

/** The Task's input: the upload, its arrival (`$$.Execution.StartTime`), and the policy. */
export const AcquireSlotInput = UploadRef.extend({
  arrivedAt: z.iso.datetime({ offset: true }),
  maxConcurrentUploads: z.number().int().min(1).max(MAX_UPLOAD_SLOTS),
  slotLeaseSeconds: z.number().int().positive(),
});

/** Output of acquire-slot, read by the `CheckSlot` Choice and the `WaitForSlot` Wait. */
export interface AcquireSlotOutput {
  readonly uploadKey: string;
  readonly slot: "granted" | "waiting";
  /** Seconds to wait before asking again; 0 once granted. */
  readonly waitSeconds: number;
}

/** What acquire-slot needs. */
export interface AcquireSlotDeps {
  readonly slots: Pick<UploadSlots, "acquire">;
}

/** Takes a slot for the upload, or tells it how long to wait before asking again. */
export async function acquireSlot(
  input: unknown,
  deps: AcquireSlotDeps,
): Promise<AcquireSlotOutput> {
  const request = parseInput("acquire-slot", AcquireSlotInput, input);
  const answer = await deps.slots.acquire({
    uploadKey: request.uploadKey,
    arrivedAt: Date.parse(request.arrivedAt),
    limit: request.maxConcurrentUploads,
    leaseMs: request.slotLeaseSeconds * 1000,
  });
  return answer.granted
    ? { uploadKey: request.uploadKey, slot: "granted", waitSeconds: 0 }
    : { uploadKey: request.uploadKey, slot: "waiting", waitSeconds: answer.waitSeconds };
}
