/**
 * A real node:http server on 127.0.0.1, port 0, that a test scripts request by request: it
 * stands in for a provider's HTTP API and records every request it gets.
 */

import { once } from "node:events";
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** A request the server received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/v1.3/assets/multipart-uploads?page=1`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Body as text; `""` when there is none. */
  readonly body: string;
}

/** What the server does with one request. */
export type Reply =
  | {
      readonly status: number;
      readonly json?: unknown;
      readonly text?: string;
      readonly headers?: Record<string, string>;
    }
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

/** How a streamed answer ended. */
export interface StreamOutcome {
  /** Bytes handed to the connection before it ended. */
  readonly bytesWritten: number;
  /** Whether every byte was written and the answer ended normally. */
  readonly completed: boolean;
}

/** Picks the reply to request number `n` (from 1). */
export type Script = (request: RecordedRequest, n: number) => Reply;

/** A started scripted server. */
export class ScriptedHttpServer {
  /** Every request since the last `script` call. */
  readonly requests: RecordedRequest[] = [];
  /** Outcome of every streamed answer since the last `script` call, in request order. */
  readonly streams: Promise<StreamOutcome>[] = [];
  private script: Script = () => ({ status: 599, text: "not scripted" });

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>` */
    readonly origin: string,
  ) {}

  /** Starts a server on a free loopback port. */
  static async start(): Promise<ScriptedHttpServer> {
    let self: ScriptedHttpServer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => self?.answer(req.method ?? "", req.url ?? "", req.headers, chunks, res));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    self = new ScriptedHttpServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  /** Replaces the script and forgets the recorded requests. */
  respond(script: Script): void {
    this.script = script;
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

  private answer(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    chunks: Buffer[],
    res: ServerResponse,
  ): void {
    const request = { method, url, headers, body: Buffer.concat(chunks).toString("utf8") };
    this.requests.push(request);
    this.play(this.script(request, this.requests.length), res);
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
    const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? "");
    res.writeHead(reply.status, {
      "content-type": reply.json !== undefined ? "application/json" : "text/plain",
      ...reply.headers,
    });
    res.end(body);
  }
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
