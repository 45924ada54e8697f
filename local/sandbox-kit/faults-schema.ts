/**
 * Validation of a sandbox's faults: one per-endpoint fault shape, and a schema of each sandbox's
 * endpoints built from it. A misspelt fault or a rate above 1 is refused at once, naming the
 * field, rather than silently injecting nothing.
 */

import { z } from "zod";
import { InvalidInputError } from "../../functions/core/errors.js";
import { PART_PUT } from "./faults.js";

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

/** Schema of one API endpoint's faults (`EndpointFaults`); unknown fields are refused. */
export const endpointFaultsSchema = z.strictObject(endpointShape).optional();

/** Schema of the gate's faults (`PartPutFaults`); unknown fields are refused. */
export const partPutFaultsSchema = z
  .strictObject({ ...endpointShape, resetMidPutRate: rate.optional() })
  .optional();

/** Schema of a sandbox's faults: each of its API endpoints, then `partPut`; unknown ones refused. */
export function faultsSchemaOf<const A extends string>(apiEndpoints: readonly A[]) {
  const shape = Object.fromEntries(
    apiEndpoints.map((endpoint) => [endpoint, endpointFaultsSchema]),
  ) as Record<A, typeof endpointFaultsSchema>;
  return z.strictObject({ ...shape, [PART_PUT]: partPutFaultsSchema });
}

/** `faults` as `schema` reads it, or `InvalidInputError` naming each bad field after `label`. */
export function parseFaults<T extends z.ZodType>(
  schema: T,
  faults: unknown,
  label: string,
): z.output<T> {
  const result = schema.safeParse(faults);
  if (result.success) return result.data;
  const issues = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "faults"}: ${issue.message}`)
    .join("; ");
  throw new InvalidInputError(`${label} faults: ${issues}`);
}
