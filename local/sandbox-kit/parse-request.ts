/** Reading a request with the core's own request schemas, as both sandboxes do. */

import type { z } from "zod";
import { describeRequestIssues } from "../../functions/core/providers/check-request.js";
import { SandboxHttpError } from "./http-io.js";

/** Parses `input` with `schema`, or throws a 400 that names every offending field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new SandboxHttpError(400, "parameter_invalid", describeRequestIssues(result.error));
}
