/**
 * Validation of {@link SandboxFaults}: a misspelt fault or a rate above 1 is refused at once,
 * naming the field, rather than silently injecting nothing. The CLI's `--faults` JSON goes
 * through the same schema.
 */

import { z } from "zod";
import { InvalidInputError } from "../../functions/core/errors.js";
import type { SandboxFaults } from "./faults.js";

const rate = z.number().min(0).max(1);
const milliseconds = z.number().int().min(0).max(2_147_483_647);

const endpointShape = {
  error500Rate: rate.optional(),
  error429Rate: rate.optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  delayMs: milliseconds.optional(),
  slowRate: rate.optional(),
  slowMs: milliseconds.optional(),
  htmlAnswerRate: rate.optional(),
  lostAnswerRate: rate.optional(),
};

const endpointFaultsSchema = z.strictObject(endpointShape).optional();

/** Schema of {@link SandboxFaults}; unknown fields are refused. */
export const sandboxFaultsSchema = z.strictObject({
  create: endpointFaultsSchema,
  presignedUrls: endpointFaultsSchema,
  report: endpointFaultsSchema,
  status: endpointFaultsSchema,
  list: endpointFaultsSchema,
  partPut: z.strictObject({ ...endpointShape, resetMidPutRate: rate.optional() }).optional(),
  failChunksOnFirstReport: z.array(z.number().int().min(1)).optional(),
  failChunkRate: rate.optional(),
});

/** Returns the faults if they are valid; throws `InvalidInputError` naming each bad field. */
export function validateFaults(faults: unknown): SandboxFaults {
  const result = sandboxFaultsSchema.safeParse(faults);
  if (result.success) return result.data;
  const issues = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "faults"}: ${issue.message}`)
    .join("; ");
  throw new InvalidInputError(`TwelveLabs sandbox faults: ${issues}`);
}
