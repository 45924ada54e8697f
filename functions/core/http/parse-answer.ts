/** Validation of provider answers at the wire boundary. */

import type { z } from "zod";
import { ProviderResponseError } from "../errors.js";

/** Most schema issues named in one error message. */
const MAX_ISSUES = 3;

/**
 * Parses `value` with `schema`, or throws `ProviderResponseError` naming the first issues by
 * path. zod's messages name expected types, never the received values, so no URL leaks.
 */
export function parseAnswer<S extends z.ZodType>(
  operation: string,
  schema: S,
  value: unknown,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const named = issues
    .slice(0, MAX_ISSUES)
    .map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`);
  if (issues.length > MAX_ISSUES) named.push(`and ${issues.length - MAX_ISSUES} more`);
  throw new ProviderResponseError(operation, named.join("; "));
}
