/**
 * The embedded local stack: an S3-compatible server (s3rver) and a DynamoDB-compatible server
 * (dynalite), both pure JS, started in this process on 127.0.0.1 and free ports, with ready
 * AWS SDK v3 clients. `stop()` closes both and removes every temp file.
 */

import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import dynalite from "dynalite";
import S3rver from "s3rver";
import { unquoteEtag } from "../functions/core/etag.js";

/** Region every local client is configured with. */
export const LOCAL_REGION = "us-east-1";

/** Credentials s3rver accepts; dynalite accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** An object-level event from the local S3 server, shaped like an S3 event record. */
export interface LocalS3Event {
  /** `ObjectCreated:Put`, `ObjectCreated:CompleteMultipartUpload`, `ObjectRemoved:Delete`, ... */
  readonly eventName: string;
  readonly bucket: string;
  /** Object key, as stored (not URL-encoded). */
  readonly key: string;
  readonly size: number;
  /** ETag without quotes. */
  readonly etag: string;
  /** Monotonic per-server sequencer, as S3 gives (hex). */
  readonly sequencer: string;
  readonly eventTime: string;
}

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Buckets to create at start. @default none */
  readonly buckets?: readonly string[];
}

/** A running local stack. */
export interface LocalStack {
  readonly region: string;
  readonly s3: { readonly endpoint: string; readonly client: S3Client };
  readonly dynamodb: { readonly endpoint: string; readonly client: DynamoDBClient };
  /** Emits `object` with a {@link LocalS3Event} for every put, complete and delete. */
  readonly events: EventEmitter<{ object: [LocalS3Event] }>;
  /** Temp directory of the S3 server's data; removed by `stop()`. */
  readonly dataDirectory: string;
  /** Creates a bucket on the local S3 server (idempotent). */
  createBucket(name: string): Promise<void>;
  /** Closes both servers and removes the S3 data directory. Safe to call twice. */
  stop(): Promise<void>;
}

interface S3rverRecord {
  eventName: string;
  eventTime: string;
  s3: {
    bucket: { name: string };
    object: { key: string; size?: number; eTag?: string; sequencer?: string };
  };
}

/** Starts the local S3 and DynamoDB servers. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const directory = await mkdtemp(join(tmpdir(), "relay-s3-"));
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    // stop() removes the whole directory; s3rver's own reset would only throw if it were gone.
    resetOnClose: false,
    // Path-style only: virtual-host buckets would need DNS for *.localhost.
    vhostBuckets: false,
  });
  const dyn: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });

  let s3Closed = false;
  let dynClosed = false;
  const stopServers = async (): Promise<void> => {
    if (!s3Closed) {
      s3Closed = true;
      await s3rver.close().catch(() => undefined);
    }
    if (!dynClosed) {
      dynClosed = true;
      if (dyn.listening) {
        await new Promise<void>((resolve) => {
          dyn.close(() => resolve());
          dyn.closeAllConnections?.();
        });
      }
    }
    await rm(directory, { recursive: true, force: true });
  };

  try {
    const [s3Address] = await Promise.all([
      s3rver.run() as Promise<AddressInfo>,
      new Promise<void>((resolve, reject) => {
        dyn.once("error", reject);
        dyn.listen(0, "127.0.0.1", () => resolve());
      }),
    ]);
    const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;
    const dynEndpoint = `http://127.0.0.1:${(dyn.address() as AddressInfo).port}`;

    const s3Client = new S3Client({
      region: LOCAL_REGION,
      endpoint: s3Endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      // s3rver does not know the flexible-checksum headers newer SDKs add by default.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const dynClient = new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: dynEndpoint,
      credentials: LOCAL_CREDENTIALS,
    });

    const events = new EventEmitter<{ object: [LocalS3Event] }>();
    s3rver.on("event", (event: { Records: S3rverRecord[] }) => {
      for (const record of event.Records) {
        events.emit("object", {
          eventName: record.eventName,
          bucket: record.s3.bucket.name,
          // s3rver hands the raw key (S3 itself URL-encodes it in notifications).
          key: record.s3.object.key,
          size: record.s3.object.size ?? 0,
          etag: unquoteEtag(record.s3.object.eTag ?? ""),
          sequencer: record.s3.object.sequencer ?? "",
          eventTime: record.eventTime,
        });
      }
    });

    const createBucket = async (name: string): Promise<void> => {
      try {
        await s3Client.send(new CreateBucketCommand({ Bucket: name }));
      } catch (error) {
        const code = (error as { name?: string }).name;
        if (code !== "BucketAlreadyOwnedByYou" && code !== "BucketAlreadyExists") throw error;
      }
    };
    for (const bucket of options.buckets ?? []) await createBucket(bucket);

    let stopped: Promise<void> | undefined;
    return {
      region: LOCAL_REGION,
      s3: { endpoint: s3Endpoint, client: s3Client },
      dynamodb: { endpoint: dynEndpoint, client: dynClient },
      events,
      dataDirectory: directory,
      createBucket,
      stop: () => {
        stopped ??= (async () => {
          s3Client.destroy();
          dynClient.destroy();
          events.removeAllListeners();
          await stopServers();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await stopServers();
    throw error;
  }
}
