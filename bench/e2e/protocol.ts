/**
 * What the e2e bench's parent and its measured children hand each other: the task goes in on
 * the child's stdin (it holds the API key, so never on a command line), the result comes back
 * as the last line of its stdout; both children read the source with {@link sourceClient}.
 */

import { S3Client } from "@aws-sdk/client-s3";
import type { MemoryFigures } from "../shared/memory-probe.js";

/** Where the source object lies, on the local S3 server. */
export interface SourceRef {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
}

/** Where the TwelveLabs sandbox is. */
export interface ApiRef {
  /** `http://127.0.0.1:<port>/v1.3`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Host of its presigned part URLs. */
  readonly partHost: string;
}

/** Task of the floor child: the relay's chunk mover with no state machine and no table. */
export interface FloorTask {
  readonly source: SourceRef;
  readonly api: ApiRef;
  /** Chunks in flight at once: the relay's transfer concurrency × Map concurrency. */
  readonly concurrency: number;
  /** Wait between two status polls, as the relay's Wait state. */
  readonly pollIntervalMs: number;
}

/** Task of the SDK child: download to a file, then the official SDK's `uploadFile`. */
export interface SdkTask {
  readonly source: SourceRef;
  readonly api: ApiRef;
  /** Where the child makes its own directory for the downloaded file (removed after). */
  readonly directory: string;
  /** `uploadFile`'s `batchSize`; absent: the SDK's default. */
  readonly batchSize?: number;
}

/** What a measured child reports. */
export interface PathResult extends MemoryFigures {
  /** Wall time of the whole path, seconds. */
  readonly seconds: number;
  /** Of which the download to a file (SDK path only), seconds. */
  readonly downloadSeconds?: number;
  /** The asset id the provider gave. */
  readonly assetId: string;
  /** CPU the child used (user + system), seconds. */
  readonly cpuSeconds: number;
}

/** An S3 client for the source's local S3 server, as both measured children read it. */
export function sourceClient(source: SourceRef): S3Client {
  return new S3Client({
    region: source.region,
    endpoint: source.endpoint,
    forcePathStyle: true,
    credentials: source.credentials,
    // The local S3 server does not know the flexible-checksum headers newer SDKs add.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
