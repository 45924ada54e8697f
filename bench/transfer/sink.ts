/**
 * A receiver that keeps nothing but each part's size and MD5, and answers the MD5 as ETag like
 * S3: faster than s3rver (no disk), and the relay verifies its ETags as it would against S3.
 */

import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A part the sink received. */
export interface SinkPart {
  /** Bytes received. */
  readonly bytes: number;
  /** MD5 (hex) of the bytes received. */
  readonly md5: string;
}

/** A running sink. */
export interface Sink {
  /** `http://127.0.0.1:<port>`; part `n` is PUT to `${base}/part/${n}`. */
  readonly base: string;
  /** Parts received, by part number; the caller clears it between runs. */
  readonly parts: Map<number, SinkPart>;
  /** Drops open connections and stops listening. */
  close(): Promise<void>;
}

/** Starts a sink on a free port of 127.0.0.1. */
export async function startSink(): Promise<Sink> {
  const parts = new Map<number, SinkPart>();
  const server = createServer((req, res) => {
    const hash = createHash("md5");
    let bytes = 0;
    req.on("data", (piece: Buffer) => {
      hash.update(piece);
      bytes += piece.length;
    });
    // A client that breaks off mid-body must not crash the parent with an unhandled error.
    req.on("error", () => undefined);
    req.on("end", () => {
      const part = Number(/^\/part\/(\d+)$/.exec(req.url ?? "")?.[1] ?? Number.NaN);
      if (req.method !== "PUT" || !Number.isSafeInteger(part)) {
        res.writeHead(404).end();
        return;
      }
      const md5 = hash.digest("hex");
      parts.set(part, { bytes, md5 });
      res.writeHead(200, { etag: `"${md5}"` }).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    parts,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
