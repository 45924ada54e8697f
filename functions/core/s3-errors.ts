/** What an S3 error means to the relay, read the same way wherever S3 is called. */

/** Error names S3 gives when the object, or the version or ETag asked for, is not there. */
const GONE_NAMES = new Set([
  "NoSuchKey",
  "NoSuchVersion",
  "NotFound",
  "PreconditionFailed",
  "InvalidRange",
]);

/** HTTP status of an AWS SDK error, when it carries one. */
export function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
}

/**
 * S3 says the object is gone, or no longer the version or ETag asked for (404, 412), or now
 * shorter than the range asked for (416): the source changed.
 */
export function isObjectGone(error: unknown): boolean {
  const status = httpStatusOf(error);
  const name = (error as { name?: unknown } | undefined)?.name;
  return (
    (typeof name === "string" && GONE_NAMES.has(name)) ||
    status === 404 ||
    status === 412 ||
    status === 416
  );
}
