/**
 * Reads (and, for the local S3 server, replaces) the access key id of a SigV4-signed request:
 * from the `Authorization` header (`Credential=<AKID>/date/region/service/aws4_request`) or,
 * for a presigned URL, from the `X-Amz-Credential` query parameter. Signatures are not checked:
 * locally the key id only tells which function is calling.
 */

import type { IncomingHttpHeaders } from "node:http";

const HEADER_CREDENTIAL = /Credential=([^/,\s]+)\//;
const QUERY_CREDENTIAL = /([?&]X-Amz-Credential=)([^&%/]+)/i;

/** The caller's access key id, or undefined for an unsigned request. */
export function accessKeyIdOf(
  headers: IncomingHttpHeaders,
  rawUrl: string | undefined,
): string | undefined {
  const authorization = headers.authorization;
  if (authorization) return HEADER_CREDENTIAL.exec(authorization)?.[1];
  const fromQuery = QUERY_CREDENTIAL.exec(rawUrl ?? "")?.[2];
  return fromQuery === undefined ? undefined : decodeURIComponent(fromQuery);
}

/** The `Authorization` header with its access key id replaced. */
export function withAccessKeyId(authorization: string, accessKeyId: string): string {
  return authorization.replace(HEADER_CREDENTIAL, `Credential=${accessKeyId}/`);
}

/** A presigned URL (path and query) with the access key id in `X-Amz-Credential` replaced. */
export function urlWithAccessKeyId(rawUrl: string, accessKeyId: string): string {
  return rawUrl.replace(QUERY_CREDENTIAL, (_, prefix: string) => `${prefix}${accessKeyId}`);
}
