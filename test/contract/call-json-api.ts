/** One hand-made JSON API call, shared by the contract tests of every sandbox. */

import { request } from "undici";

/** Status, headers and parsed JSON body of one API call. */
export interface ApiResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/** What one call sends: a JSON `body` or a `rawBody`, and the API key (none with `null`). */
export interface ApiCallOptions {
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly key?: string | null;
}

/**
 * Sends `method url` with a JSON content type and, unless `key` is `null`, the key in
 * `keyHeader`; answers the status, headers and parsed body (`undefined` when empty).
 */
export async function callJsonApi(
  method: string,
  url: string,
  keyHeader: string,
  key: string | null,
  options: ApiCallOptions,
): Promise<ApiResult> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers[keyHeader] = key;
  const answer = await request(url, {
    method,
    headers,
    body:
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await answer.body.text();
  return {
    status: answer.statusCode,
    headers: answer.headers,
    body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined,
  };
}
