/**
 * The emulated cloud's storage servers: s3rver (S3) and dynalite (DynamoDB), pure JS, on
 * 127.0.0.1 and free ports. Started by the local stack in its own process, or in a separate one
 * (`cloud-process.ts`) so that their work does not queue behind the relay's on one event loop.
 */

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import S3rver from "s3rver";

/** An S3 event record as s3rver emits it. */
export interface S3rverRecord {
  readonly eventName: string;
  readonly eventTime: string;
  readonly s3: {
    readonly bucket: { readonly name: string };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      readonly eTag?: string;
      readonly sequencer?: string;
    };
  };
}

/** The running servers. */
export interface CloudServers {
  readonly s3Port: number;
  readonly dynamodbPort: number;
  /** The process they run in. */
  readonly pid: number;
  /** Closes both; safe to call twice. The data directory stays: its owner removes it. */
  close(): Promise<void>;
}

/** Starts both servers, the S3 one storing under `directory`; `onRecords` gets its events. */
export async function startCloudServers(
  directory: string,
  onRecords: (records: readonly S3rverRecord[]) => void,
): Promise<CloudServers> {
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    // The owner removes the whole directory; s3rver's own reset would only throw if it were gone.
    resetOnClose: false,
    // Path-style only: virtual-host buckets would need DNS for *.localhost.
    vhostBuckets: false,
  });
  const dyn: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  s3rver.on("event", (event: { Records: S3rverRecord[] }) => onRecords(event.Records));

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await s3rver.close().catch(() => undefined);
      if (dyn.listening) {
        await new Promise<void>((resolve) => {
          dyn.close(() => resolve());
          dyn.closeAllConnections?.();
        });
      }
    })();
    return closed;
  };
  try {
    const [s3Address] = await Promise.all([
      s3rver.run() as Promise<AddressInfo>,
      new Promise<void>((resolve, reject) => {
        dyn.once("error", reject);
        dyn.listen(0, "127.0.0.1", () => resolve());
      }),
    ]);
    return {
      s3Port: s3Address.port,
      dynamodbPort: (dyn.address() as AddressInfo).port,
      pid: process.pid,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
