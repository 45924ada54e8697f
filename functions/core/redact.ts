/**
 * The one place secrets are blanked out of text bound for errors and logs: API keys and the
 * queries of presigned URLs (their signature, credential and token).
 */

/** What a blanked-out secret reads as. */
export const REDACTED = "[redacted]";

/** Shortest head of a secret blanked out when a text cut at a cap ends with it. */
const MIN_SECRET_HEAD = 4;

/**
 * `text` with every secret blanked out, and every URL query and `X-Amz-*` parameter too. A text
 * read only up to a cap may end in the first characters of a secret: those go as well.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let clean = text;
  for (const secret of secrets) {
    if (!secret) continue;
    clean = clean.replaceAll(secret, REDACTED);
    for (let head = secret.length - 1; head >= MIN_SECRET_HEAD; head--) {
      if (clean.endsWith(secret.slice(0, head))) {
        clean = `${clean.slice(0, clean.length - head)}${REDACTED}`;
        break;
      }
    }
  }
  return clean
    .replace(/(https?:\/\/[^\s"'<>?]*)\?[^\s"'<>]*/gi, `$1?${REDACTED}`)
    .replace(/(X-Amz-[A-Za-z-]+=)[^&\s<"]+/gi, `$1${REDACTED}`);
}

/** The secrets a presigned URL carries: its query, raw and decoded (a server may echo either). */
export function urlSecrets(url: string): string[] {
  const query = new URL(url).search.slice(1);
  if (!query) return [];
  let decoded = query;
  try {
    decoded = decodeURIComponent(query);
  } catch {
    // A malformed escape: the raw query is the only form.
  }
  return [...new Set([query, decoded])];
}
