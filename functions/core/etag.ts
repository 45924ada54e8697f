/**
 * ETags as the relay keeps them: without the quotes (and the weak `W/` mark) that HTTP and S3
 * put around them, so that the same ETag compares equal whoever handed it over.
 */

/** `"abc"`, `W/"abc"` and `abc` all read `abc`. */
export function unquoteEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1");
}

/** The quoted form S3 expects in `If-Match`; `undefined` for no ETag. */
export function quoteEtag(etag: string | undefined): string | undefined {
  return etag ? `"${unquoteEtag(etag)}"` : undefined;
}
