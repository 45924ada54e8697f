/**
 * The hot path: one chunk goes from a ranged S3 GET straight into a PUT to its presigned URL.
 * The bytes stream through an MD5 tap and are never held whole: memory per chunk is a few stream
 * buffers whatever the chunk size. Everything is validated before the first byte moves, and
 * every failure ends with both bodies destroyed so no socket is left half-read.
 */

import { createHash, type Hash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import { type Dispatcher, request } from "undici";
import { remainingMs } from "./deadline.js";
import {
  ChecksumMismatchError,
  ChunkTransferError,
  InvalidInputError,
  type RelayError,
  SourceChangedError,
} from "./errors.js";
import { quoteEtag, unquoteEtag } from "./etag.js";
import { redact, urlSecrets } from "./redact.js";
import { httpStatusOf, isObjectGone } from "./s3-errors.js";

/** Deadline for one chunk (GET and PUT together) when the caller gives none, in milliseconds. */
export const DEFAULT_CHUNK_TIMEOUT_MS = 300_000;

/** One chunk to move: where its bytes are, and where they go. */
export interface TransferChunkInput {
  /** Source bucket. */
  readonly bucket: string;
  /** Source key. */
  readonly key: string;
  /** Source version; when set, the GET reads exactly this version. */
  readonly versionId?: string | null;
  /** Source ETag; used as `If-Match` when there is no version, so an overwrite fails loudly. */
  readonly sourceEtag?: string;
  /** Chunk number, from 1. */
  readonly index: number;
  /** First byte, from 0. */
  readonly start: number;
  /** Last byte, inclusive. */
  readonly end: number;
  /** Presigned PUT URL. A secret: never logged, never put in an error. */
  readonly url: string;
  /** Headers the provider requires on every chunk PUT. */
  readonly headers: Readonly<Record<string, string>>;
  /** Aborts the chunk (it then fails with a retryable {@link ChunkTransferError}). */
  readonly signal?: AbortSignal;
}

/** Clients and knobs of the transfer; the handler builds them once per container. */
export interface TransferDeps {
  /** Reads the source. */
  readonly s3: S3Client;
  /** undici dispatcher for the PUTs. @default undici's global dispatcher */
  readonly dispatcher?: Dispatcher;
  /** Deadline for one chunk, GET and PUT together. @default DEFAULT_CHUNK_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /**
   * Compare a plain-MD5-looking ETag with the streamed MD5. Turn off only for a receiver whose
   * ETags look like MD5s but are not (S3 with SSE-KMS or SSE-C). @default true
   */
  readonly verifyEtag?: boolean;
}

/** A chunk the receiver accepted. */
export interface TransferredChunk {
  /** Chunk number, from 1. */
  readonly index: number;
  /** ETag the PUT answered with, without quotes: the proof reported to the provider. */
  readonly etag: string;
  /** Bytes sent. */
  readonly size: number;
  /** MD5 of the bytes sent, hex. */
  readonly md5: string;
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/i;
/** Hop-by-hop or length headers the relay sets itself; a provider's copy would conflict. */
const RESERVED_HEADERS = new Set(["content-length", "transfer-encoding", "host", "connection"]);
const EXCERPT_CHARS = 200;
/** Bytes of an error answer worth reading; the rest is discarded with the connection. */
const EXCERPT_READ_LIMIT = 16 * 1024;

/** Moves one chunk from S3 to its presigned URL and returns the receiver's proof. */
export async function transferChunk(
  input: TransferChunkInput,
  deps: TransferDeps,
): Promise<TransferredChunk> {
  const size = validate(input, deps);
  const ownTimeoutMs = deps.timeoutMs ?? DEFAULT_CHUNK_TIMEOUT_MS;
  // The invocation's budget bounds the chunk too, so the step fails before Lambda kills it.
  const budgetMs = remainingMs();
  const timeoutMs = Math.min(ownTimeoutMs, budgetMs);
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = input.signal ? AbortSignal.any([input.signal, deadline]) : deadline;
  const describeAbort = (): string =>
    !deadline.aborted
      ? "aborted by the caller"
      : budgetMs < ownTimeoutMs
        ? `stopped after ${timeoutMs} ms, when the invocation's time ran out`
        : `timed out after ${timeoutMs} ms`;

  const source = await openSource(input, size, deps.s3, signal, describeAbort);
  const tap = new Md5Tap();
  const origin = watchFailureOrigin(source, tap);
  const piping = pipeline(source, tap, { signal });
  // The pipeline's outcome is read below; this keeps an early rejection from going unhandled.
  piping.catch(() => undefined);

  let response: Dispatcher.ResponseData;
  try {
    response = await request(input.url, {
      method: "PUT",
      body: tap,
      headers: putHeaders(input.headers, size),
      signal,
      ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
    });
  } catch (error) {
    tap.destroy();
    await piping.catch(() => undefined);
    if (signal.aborted) {
      throw new ChunkTransferError(input.index, `PUT ${describeAbort()}`, { retryable: true });
    }
    const sourceError = origin.sourceError();
    if (sourceError !== undefined) {
      throw new ChunkTransferError(
        input.index,
        `source read broke off: ${errorLabel(sourceError)}`,
        { retryable: true, cause: safeCause(sourceError, input.url) },
      );
    }
    throw new ChunkTransferError(input.index, `PUT failed: ${errorLabel(error)}`, {
      retryable: true,
      cause: safeCause(error, input.url),
    });
  }

  const { statusCode } = response;
  if (statusCode < 200 || statusCode > 299) {
    const excerpt = await readExcerpt(response.body, input.url);
    // The receiver may answer before it has read the whole body; stop sending it.
    tap.destroy();
    await piping.catch(() => undefined);
    throw new ChunkTransferError(
      input.index,
      `PUT answered HTTP ${statusCode}${excerpt ? `: ${excerpt}` : ""}`,
      { retryable: isRetryableStatus(statusCode, excerpt) },
    );
  }

  try {
    await piping;
  } catch (error) {
    response.body.destroy();
    const sourceError = origin.sourceError();
    throw new ChunkTransferError(
      input.index,
      signal.aborted
        ? `PUT ${describeAbort()}`
        : sourceError !== undefined
          ? `source read broke off: ${errorLabel(sourceError)}`
          : `PUT connection broke off while sending: ${errorLabel(error)}`,
      { retryable: true, cause: signal.aborted ? undefined : safeCause(error, input.url) },
    );
  }
  // Reading the answer to its end lets the connection go back to the pool.
  await response.body.dump().catch(() => undefined);

  const md5 = tap.digest();
  if (tap.bytes !== size) {
    throw new ChunkTransferError(input.index, `sent ${tap.bytes} bytes, expected ${size}`);
  }
  const etag = readEtag(response.headers.etag);
  if (!etag) {
    throw new ChunkTransferError(input.index, `PUT answered HTTP ${statusCode} without an ETag`, {
      retryable: false,
    });
  }
  if ((deps.verifyEtag ?? true) && PLAIN_MD5.test(etag) && etag.toLowerCase() !== md5) {
    throw new ChecksumMismatchError(input.index, md5, etag);
  }
  return { index: input.index, etag, size, md5 };
}

/**
 * Tells a broken source read from a broken PUT. When either side fails, the pipeline destroys
 * the other with the same error, so only the side that failed first says where it broke.
 */
function watchFailureOrigin(
  source: Readable,
  tap: Transform,
): { sourceError: () => unknown | undefined } {
  let first: { side: "source" | "put"; error: unknown } | undefined;
  source.once("error", (error: unknown) => {
    first ??= { side: "source", error };
  });
  tap.once("error", (error: unknown) => {
    first ??= { side: "put", error };
  });
  // undici may destroy the body without an error when the PUT connection goes.
  tap.once("close", () => {
    first ??= { side: "put", error: undefined };
  });
  return {
    sourceError: () =>
      first?.side === "source" && !isPrematureClose(first.error) ? first.error : undefined,
  };
}

/** Hashes the bytes as they pass; the only per-chunk work besides moving them. */
class Md5Tap extends Transform {
  private readonly hash: Hash = createHash("md5");
  /** Bytes that went through. */
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  /** Hex MD5 of everything that went through; call once, after the end. */
  digest(): string {
    return this.hash.digest("hex");
  }
}

function validate(input: TransferChunkInput, deps: TransferDeps): number {
  const { index, start, end } = input;
  if (!Number.isSafeInteger(index) || index < 1) {
    throw new InvalidInputError(`chunk index must be a positive integer, got ${String(index)}`);
  }
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(end) || end < start) {
    throw new InvalidInputError(`chunk ${index}: bad byte range ${String(start)}-${String(end)}`);
  }
  if (!input.bucket || !input.key) {
    throw new InvalidInputError(`chunk ${index}: source bucket and key are required`);
  }
  let protocol: string;
  try {
    protocol = new URL(input.url).protocol;
  } catch {
    // The URL is a secret: the message says what is wrong, never what it was.
    throw new InvalidInputError(`chunk ${index}: the upload URL is not a valid URL`);
  }
  if (protocol !== "https:" && protocol !== "http:") {
    throw new InvalidInputError(`chunk ${index}: the upload URL must be http(s), not ${protocol}`);
  }
  if (deps.timeoutMs !== undefined && !(Number.isFinite(deps.timeoutMs) && deps.timeoutMs > 0)) {
    throw new InvalidInputError(`timeoutMs must be a positive number, got ${deps.timeoutMs}`);
  }
  return end - start + 1;
}

/** Ranged GET of the chunk's bytes, pinned to the version or ETag the upload started from. */
async function openSource(
  input: TransferChunkInput,
  size: number,
  s3: S3Client,
  signal: AbortSignal,
  describeAbort: () => string,
): Promise<Readable> {
  const ifMatch = input.versionId ? undefined : quoteEtag(input.sourceEtag);
  let output: GetObjectCommandOutput;
  try {
    output = await s3.send(
      new GetObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        Range: `bytes=${input.start}-${input.end}`,
        ...(input.versionId ? { VersionId: input.versionId } : {}),
        ...(ifMatch ? { IfMatch: ifMatch } : {}),
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    if (signal.aborted) {
      throw new ChunkTransferError(input.index, `source GET ${describeAbort()}`, {
        retryable: true,
      });
    }
    throw sourceError(input, error);
  }

  const body = output.Body;
  if (!(body instanceof Readable)) {
    destroyUnknownBody(body);
    throw new ChunkTransferError(input.index, "source GET returned no Node stream body", {
      retryable: false,
    });
  }
  // Belt and braces: some S3-compatible servers ignore If-Match, so compare what came back.
  const changed =
    output.ContentLength !== size
      ? `answered ${String(output.ContentLength)} bytes for a ${size}-byte range`
      : !rangeMatches(output.ContentRange, input.start, input.end)
        ? `answered range ${String(output.ContentRange)} for bytes ${input.start}-${input.end}`
        : ifMatch && output.ETag && unquoteEtag(output.ETag) !== unquoteEtag(ifMatch)
          ? `now has ETag ${unquoteEtag(output.ETag)}, not ${unquoteEtag(ifMatch)}`
          : input.versionId && output.VersionId && output.VersionId !== input.versionId
            ? `answered version ${output.VersionId}, not ${input.versionId}`
            : undefined;
  if (changed) {
    body.destroy();
    throw new SourceChangedError(
      `s3://${input.bucket}/${input.key} changed while relaying chunk ${input.index}: ${changed}`,
    );
  }
  return body;
}

/** S3 says the object (or the version or ETag the upload started from) is gone. */
function sourceError(input: TransferChunkInput, error: unknown): RelayError {
  const name = (error as { name?: string }).name ?? "";
  const status = httpStatusOf(error);
  const where = `s3://${input.bucket}/${input.key}`;
  if (isObjectGone(error)) {
    return new SourceChangedError(
      `${where} changed or vanished while relaying chunk ${input.index}: ${name || status}`,
      { cause: error },
    );
  }
  const retryable = status === undefined || status >= 500 || status === 429;
  return new ChunkTransferError(
    input.index,
    `source GET failed: ${errorLabel(error)}${status ? ` (HTTP ${status})` : ""}`,
    { retryable, cause: error },
  );
}

function putHeaders(
  headers: Readonly<Record<string, string>>,
  size: number,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!RESERVED_HEADERS.has(name.toLowerCase())) out[name] = value;
  }
  // A presigned PUT needs the exact length; undici also refuses a body that disagrees with it.
  out["content-length"] = String(size);
  return out;
}

/**
 * Expired presigned URLs answer 403, so 403 is retryable: the caller refreshes the URL. S3 also
 * answers a stalled upload with 400 `RequestTimeout`.
 */
function isRetryableStatus(status: number, excerpt: string): boolean {
  return (
    status >= 500 ||
    status === 429 ||
    status === 408 ||
    status === 403 ||
    (status === 400 && excerpt.startsWith("RequestTimeout"))
  );
}

/** A short, secret-free summary of an error answer: S3's `Code: Message`, or its first words. */
async function readExcerpt(body: Dispatcher.ResponseData["body"], url: string): Promise<string> {
  let text = "";
  try {
    for await (const piece of body) {
      text += (piece as Buffer).toString("utf8");
      if (text.length >= EXCERPT_READ_LIMIT) break;
    }
  } catch {
    // An unreadable error body still leaves the status, which is what matters.
  } finally {
    body.destroy();
  }
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  const summary = code ? `${code}${message ? `: ${message}` : ""}` : text;
  return redact(summary.replace(/\s+/g, " ").trim(), urlSecrets(url)).slice(0, EXCERPT_CHARS);
}

/** The cause, unless its text carries the URL's query; then the cause is dropped. */
function safeCause(error: unknown, url: string): unknown {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  return urlSecrets(url).some((secret) => text.includes(secret)) ? undefined : error;
}

/**
 * A short label of an error: its code or name. An AWS service answer (it carries `$metadata`)
 * also keeps its message, which for an AccessDenied names the action and resource the role
 * lacks; such a request went to S3 with the function's own credentials, so it holds no
 * presigned URL.
 */
function errorLabel(error: unknown): string {
  const { code, name, message, $metadata } = error as {
    code?: string;
    name?: string;
    message?: string;
    $metadata?: unknown;
  };
  if ($metadata !== undefined && name && message && message !== name) {
    return `${name}: ${message.slice(0, 300)}`;
  }
  return code ?? name ?? message ?? String(error);
}

function isPrematureClose(error: unknown): boolean {
  const { code, name } = error as { code?: string; name?: string };
  return code === "ERR_STREAM_PREMATURE_CLOSE" || name === "AbortError";
}

function readEtag(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value ? unquoteEtag(value) : "";
}

function rangeMatches(contentRange: string | undefined, start: number, end: number): boolean {
  // A 200 without Content-Range is only right when the range was the whole (checked-length) object.
  return contentRange === undefined
    ? start === 0
    : contentRange.startsWith(`bytes ${start}-${end}/`);
}

function destroyUnknownBody(body: unknown): void {
  const cancel = (body as { cancel?: () => Promise<void> } | undefined)?.cancel;
  if (typeof cancel === "function") cancel.call(body).catch(() => undefined);
}
