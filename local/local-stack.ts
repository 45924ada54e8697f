/**
 * The embedded local stack: an S3-compatible server (s3rver) and a DynamoDB-compatible server
 * (dynalite), both pure JS, started on 127.0.0.1 and free ports (in this process, or in a child
 * process of their own), with ready AWS SDK v3 clients. `stop()` closes both and removes every
 * temp file.
 */

import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { unquoteEtag } from "../functions/core/etag.js";
import { type CloudServers, type S3rverRecord, startCloudServers } from "./cloud/cloud-servers.js";
import { startSeparateCloud } from "./cloud/separate-cloud.js";

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
  /**
   * Run the servers in a child process of their own, so that their work (hashing parts,
   * assembling objects, serving reads) does not share an event loop with the relay's.
   * Their events arrive over IPC, after the request that caused them has been answered.
   * @default false: in this process (quicker to start, as tests want)
   */
  readonly separateProcess?: boolean;
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
  /** The process the S3 and DynamoDB servers run in (this one unless `separateProcess`). */
  readonly serverPid: number;
  /** Creates a bucket on the local S3 server (idempotent). */
  createBucket(name: string): Promise<void>;
  /** Closes both servers and removes the S3 data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the local S3 and DynamoDB servers. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const directory = await mkdtemp(join(tmpdir(), "relay-s3-"));
  const events = new EventEmitter<{ object: [LocalS3Event] }>();
  const onRecords = (records: readonly S3rverRecord[]): void => {
    for (const record of records) {
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
  };
  let servers: CloudServers | undefined;
  const stopServers = async (): Promise<void> => {
    await servers?.close();
    await rm(directory, { recursive: true, force: true });
  };

  try {
    servers = options.separateProcess
      ? await startSeparateCloud(directory, onRecords)
      : await startCloudServers(directory, onRecords);
    const s3Endpoint = `http://127.0.0.1:${servers.s3Port}`;
    const dynEndpoint = `http://127.0.0.1:${servers.dynamodbPort}`;

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
      serverPid: servers.pid,
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
