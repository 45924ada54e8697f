/** Short, secret-free excerpts of error answers, for `ProviderHttpError.detail`. */

import { redact } from "../redact.js";

/** Longest answer excerpt carried by a `ProviderHttpError`. */
export const EXCERPT_CHARS = 300;

/**
 * A short single-line excerpt of an error body, with every secret and every URL query (where
 * presigned URLs keep their signature) blanked out.
 */
export function excerpt(text: string, secrets: readonly string[]): string {
  const clean = redact(text, secrets).replace(/\s+/g, " ").trim();
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS)}…` : clean;
}
