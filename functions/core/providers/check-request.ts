/**
 * Strict in what we send: every provider client checks a request against its zod schema before
 * any I/O, and the local sandboxes describe a refused request the same way.
 */

import type { z } from "zod";
import { InvalidInputError } from "../errors.js";

/**
 * Every issue of a failed request parse as `path: message`, joined by `; `; an issue of the
 * whole request is named `body`. zod's messages name expected types, never received values.
 */
export function describeRequestIssues(error: z.ZodError): string {
  return error.issues
    .map(
      (issue) =>
        `${issue.path.length > 0 ? issue.path.map(String).join(".") : "body"}: ${issue.message}`,
    )
    .join("; ");
}

/**
 * The request as `schema` reads it, or `InvalidInputError` naming every offending field: the
 * API would refuse it, so it is never sent. Callers send the result, never the raw value, so
 * nothing the schema does not know reaches the wire.
 */
export function checkRequest<S extends z.ZodType>(
  operation: string,
  schema: S,
  request: z.input<S>,
): z.output<S> {
  const parsed = schema.safeParse(request);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(
    `${operation}: invalid request: ${describeRequestIssues(parsed.error)}`,
  );
}
