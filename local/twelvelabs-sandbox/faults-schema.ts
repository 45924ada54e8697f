/**
 * Validation of {@link SandboxFaults}: the kit's per-endpoint schema for each TwelveLabs
 * endpoint, plus the chunk faults of the report and the failed indexings. The CLI's `--faults`
 * JSON goes through the same schema.
 */

import { z } from "zod";
import { faultsSchemaOf, parseFaults } from "../sandbox-kit/faults-schema.js";
import { API_ENDPOINTS, type SandboxFaults } from "./faults.js";

/** Schema of {@link SandboxFaults}; unknown fields are refused. */
export const sandboxFaultsSchema = faultsSchemaOf(API_ENDPOINTS).extend({
  failChunksOnFirstReport: z.array(z.number().int().min(1)).optional(),
  failChunkRate: z.number().min(0).max(1).optional(),
  failIndexing: z.array(z.string().min(1)).optional(),
});

/** Returns the faults if they are valid; throws `InvalidInputError` naming each bad field. */
export function validateFaults(faults: unknown): SandboxFaults {
  return parseFaults(sandboxFaultsSchema, faults, "TwelveLabs sandbox");
}
