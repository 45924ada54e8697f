/**
 * A real node:http server on 127.0.0.1, port 0, that a test scripts request by request: it
 * stands in for a provider's HTTP API or a presigned-URL host and records every request it gets.
 */

import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** What is known of a request before its body is read. */
export interface RequestHead {
  readonly method: string;
  /** Path and query, e.g. `/v1.3/assets/multipart-uploads?page=1`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** A request the server read to its end. */
export interface RecordedRequest extends RequestHead {
  /** Body as text; `""` when there is none; absent when the server digests bodies. */
  readonly body?: string;
  /** Length of the body in bytes. */
  readonly bytes: number;
  /** MD5 of the body, lowercase hex. */
  readonly md5: string;
}

/** An answer with a status and an optional body, written at once. */
export interface Answer {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: Record<string, string>;
}

/** What the server does with one request once its body has been read. */
export type Reply =
  | Answer
  | { readonly hang: true }
  /** Resets the connection (TCP RST) without answering. */
  | { readonly reset: true }
  /**
   * Answers `status`, then writes `bytes` bytes of filler as fast as the client reads them,
   * stopping when the client closes the connection; the outcome lands in `streams`.
   */
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly stream: { readonly bytes: number };
    }
  /** Holds the request until `until` settles (a gate the test releases), then plays `reply`. */
  | { readonly until: Promise<unknown>; readonly reply: Reply };

/**
 * What the server does with one request as soon as its head arrives, before it reads a byte of
 * the body: such a request is not recorded.
 */
export type EarlyReply =
  /** Answers while the client may still be sending, as a refusing proxy does. */
  | Answer
  /** Resets the connection (TCP RST) when the first bytes of the body arrive: mid-upload. */
  | { readonly reset: true };

/** How a streamed answer ended. */
export interface StreamOutcome {
  /** Bytes handed to the connection before it ended. */
  readonly bytesWritten: number;
  /** Whether every byte was written and the answer ended normally. */
  readonly completed: boolean;
}

/** Picks the reply to request number `n` (from 1), once its body has been read. */
export type Script = (request: RecordedRequest, n: number) => Reply;

/**
 * Sees each request as its head arrives: an early reply skips the body and the script,
 * `undefined` lets the server read the body and ask the script.
 */
export type Arrival = (head: RequestHead) => EarlyReply | undefined;

/** How the server keeps request bodies. */
export interface ScriptedHttpServerOptions {
  /**
   * `"text"` keeps each body as text; `"digest"` keeps only its length and MD5, for uploads of
   * many MiB.
   * @default "text"
   */
  readonly body?: "text" | "digest";
}

/** A started scripted server. */
export class ScriptedHttpServer {
  /** Every request read to its end since the last `respond` call. */
  readonly requests: RecordedRequest[] = [];
  /** Outcome of every streamed answer since the last `respond` call, in request order. */
  readonly streams: Promise<StreamOutcome>[] = [];
  private script: Script = () => ({ status: 599, text: "not scripted" });
  private arrival: Arrival | undefined;
  private unanswered = 0;

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>` */
    readonly origin: string,
    private readonly keepText: boolean,
  ) {}

  /** Starts a server on a free loopback port. */
  static async start(options: ScriptedHttpServerOptions = {}): Promise<ScriptedHttpServer> {
    let self: ScriptedHttpServer | undefined;
    const server = createServer((req, res) => self?.receive(req, res));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    self = new ScriptedHttpServer(server, `http://127.0.0.1:${port}`, options.body !== "digest");
    return self;
  }

  /** Requests that arrived and are neither answered nor cut off yet (held ones included). */
  get inFlight(): number {
    return this.unanswered;
  }

  /** Replaces the script (and the arrival hook) and forgets the recorded requests. */
  respond(script: Script, arrival?: Arrival): void {
    this.script = script;
    this.arrival = arrival;
    this.requests.length = 0;
    this.streams.length = 0;
  }

  /** Stops listening and drops every connection, hanging ones included. */
  async close(): Promise<void> {
    const closed = once(this.server, "close");
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    this.unanswered += 1;
    // "close" follows the end of the answer as well as a connection cut off before it.
    res.once("close", () => {
      this.unanswered -= 1;
    });
    const head = { method: req.method ?? "", url: req.url ?? "", headers: req.headers };
    // Asked before anything reads the body, so an early reply really comes first.
    const early = this.arrival?.(head);
    if (early) {
      if ("reset" in early) req.once("data", () => req.socket.resetAndDestroy());
      else answer(early, res);
      return;
    }
    // Hashed as it streams, so a multi-MiB upload need not be held in memory.
    const hash = createHash("md5");
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (this.keepText) chunks.push(chunk);
    });
    req.on("end", () => {
      const request: RecordedRequest = {
        ...head,
        ...(this.keepText ? { body: Buffer.concat(chunks).toString("utf8") } : {}),
        bytes,
        md5: hash.digest("hex"),
      };
      this.requests.push(request);
      this.play(this.script(request, this.requests.length), res);
    });
  }

  private play(reply: Reply, res: ServerResponse): void {
    if ("until" in reply) {
      const next = () => this.play(reply.reply, res);
      reply.until.then(next, next);
      return;
    }
    if ("hang" in reply) return;
    if ("reset" in reply) {
      res.socket?.resetAndDestroy();
      return;
    }
    if ("stream" in reply) {
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      this.streams.push(streamFiller(res, reply.stream.bytes));
      return;
    }
    answer(reply, res);
  }
}

/** Writes `reply` whole: JSON, text or nothing, with the content type that goes with it. */
function answer(reply: Answer, res: ServerResponse): void {
  const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? "");
  res.writeHead(reply.status, {
    "content-type": reply.json !== undefined ? "application/json" : "text/plain",
    ...reply.headers,
  });
  res.end(body);
}

/** Writes `bytes` bytes of filler to `res`, waiting for the client to read, until it closes. */
async function streamFiller(res: ServerResponse, bytes: number): Promise<StreamOutcome> {
  const block = Buffer.alloc(64 * 1024, " ");
  let written = 0;
  while (written < bytes && !res.destroyed) {
    const piece = block.subarray(0, Math.min(block.length, bytes - written));
    written += piece.length;
    if (!res.write(piece)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          res.off("drain", go);
          res.off("close", go);
          resolve();
        };
        res.on("drain", go);
        res.on("close", go);
      });
    }
  }
  if (res.destroyed) return { bytesWritten: written, completed: false };
  res.end();
  return { bytesWritten: written, completed: true };
}

/** A one-way gate a test opens by hand: hold a request `until: latch.opened`, then `open()`. */
export interface Latch {
  /** Settles once `open` is called. */
  readonly opened: Promise<void>;
  /** Opens the latch; later calls do nothing. */
  open(): void;
}

/** A new, closed latch. */
export function latch(): Latch {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

/** The error `promise` rejects with; fails the test when it resolves or throws a non-Error. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}
