/** Short, secret-free excerpts of error answers, for `ProviderHttpError.detail`. */

/** Longest answer excerpt carried by a `ProviderHttpError`. */
export const EXCERPT_CHARS = 300;

/** Shortest head of a secret blanked out when a body cut at its cap ends with it. */
const MIN_SECRET_HEAD = 4;

/**
 * A short single-line excerpt of an error body, with every secret and every URL query (where
 * presigned URLs keep their signature) blanked out. A body read only up to a cap may end in
 * the first characters of a secret: those are blanked out too.
 */
export function excerpt(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (!secret) continue;
    clean = clean.replaceAll(secret, "[redacted]");
    for (let head = secret.length - 1; head >= MIN_SECRET_HEAD; head--) {
      if (clean.endsWith(secret.slice(0, head))) {
        clean = `${clean.slice(0, clean.length - head)}[redacted]`;
        break;
      }
    }
  }
  clean = clean.replace(/(https?:\/\/[^\s"'<>?]*)\?[^\s"'<>]*/gi, "$1?[redacted]");
  clean = clean.replace(/\s+/g, " ").trim();
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS)}…` : clean;
}
