/**
 * The props of `RelayPipeline` (`relay-pipeline.ts`): what a user may choose, each with its
 * `@default`. Types only; the defaults are resolved in `relay-pipeline-defaults.ts` and the props checked in
 * `relay-pipeline-validation.ts`.
 */

import type { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as events from "aws-cdk-lib/aws-events";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { ProviderName } from "../functions/core/config/environment.js";

/** Upload providers the relay can target. */
export type RelayProvider = ProviderName;

/**
 * How the pipeline reaches one provider besides the default one (`provider`, whose connection
 * is the top-level `apiKeySecret`, `apiKeySecretName`, `providerBaseUrl`, `allowedUrlHosts`
 * and `maxFileSize`). Each provider has its own API-key secret.
 */
export interface RelayProviderProps {
  /**
   * Secret whose string value is this provider's API key. Mutually exclusive with
   * `apiKeySecretName`.
   * @default - `apiKeySecretName`, else a new secret with a generated placeholder
   */
  readonly apiKeySecret?: secretsmanager.ISecret;
  /** Name of an existing secret holding this provider's API key. @default - see `apiKeySecret` */
  readonly apiKeySecretName?: string;
  /** API base URL (SpatialGen: the origin). @default PROVIDER_DEFAULTS[provider].baseUrl */
  readonly baseUrl?: string;
  /** Hosts its presigned URLs may point at. @default PROVIDER_DEFAULTS[provider].allowedUrlHosts */
  readonly allowedUrlHosts?: string[];
  /** Largest object sent to it, in bytes. @default PROVIDER_DEFAULTS[provider].maxFileSize */
  readonly maxFileSize?: number;
}

/** Attributes of the groups a SpatialGen upload makes (see its `POST /api/videos/uploads`). */
export interface RelayGroupDefaults {
  /**
   * `layout` of a dropped video (2D, MVHEVC, SBS, TB, Separate, AIV); S3 user metadata
   * `relay-layout` overrides it per object. @default "2D"
   */
  readonly layout?: string;
  /** `perspective` (Regular, 180, 360); metadata `relay-perspective`. @default - none sent */
  readonly perspective?: string;
  /** `folderName` in the SpatialGen library; metadata `relay-folder-name`. @default - none */
  readonly folderName?: string;
}

/** Keys under a prefix go to a provider. */
export interface RelayRoute extends RelayGroupDefaults {
  /** Key prefix, e.g. `spatialgen/`; the longest matching prefix wins. */
  readonly keyPrefix: string;
  /** The provider that takes these keys. */
  readonly provider: RelayProvider;
  /**
   * TwelveLabs index these keys' assets are indexed into once uploaded (TwelveLabs routes
   * only).
   * @default - the pipeline's `indexId`
   */
  readonly indexId?: string;
}

/** Overrides of the store table; everything else is fixed by the contract's store layout. */
export interface RelayTableProps {
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether CloudFormation may delete the table.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Point-in-time recovery.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
}

/** Props of `RelayPipeline`. */
export interface RelayPipelineProps {
  /**
   * Upload provider the relay targets.
   * @default DEFAULT_PROVIDER ("twelvelabs")
   */
  readonly provider?: RelayProvider;
  /**
   * Key prefixes sent to other providers than `provider`, e.g.
   * `[{ keyPrefix: "spatialgen/", provider: "spatialgen" }]`; every other key goes to
   * `provider`. Under a SpatialGen route, a `.json` object is a group manifest, and objects in
   * a folder whose name ends in `.group` are relayed by their manifest only.
   * @default - every key goes to `provider`
   */
  readonly routes?: RelayRoute[];
  /**
   * Connections of the providers `routes` name, other than `provider`.
   * @default - each provider's defaults, and a new API-key secret each
   */
  readonly providers?: { readonly [P in RelayProvider]?: RelayProviderProps };
  /**
   * Group attributes of SpatialGen uploads whose route sets none.
   * @default - layout 2D, no perspective, no folder
   */
  readonly groupDefaults?: RelayGroupDefaults;
  /**
   * Secret whose string value is the provider API key. Mutually exclusive with
   * `apiKeySecretName`.
   * @default - `apiKeySecretName`, else a new secret (see `apiKeySecretName`)
   */
  readonly apiKeySecret?: secretsmanager.ISecret;
  /**
   * Name of an existing secret whose string value is the provider API key. Mutually exclusive
   * with `apiKeySecret`.
   * @default - a new secret with a generated name (the stack's `ApiKeySecretName` output)
   *   holding a generated placeholder: put the real key there
   *   (`aws secretsmanager put-secret-value`) before the first upload.
   */
  readonly apiKeySecretName?: string;
  /**
   * Provider API base URL: https, or http on a loopback host (a local sandbox only).
   * @default PROVIDER_DEFAULTS[provider].baseUrl ("https://api.twelvelabs.io/v1.3" for TwelveLabs)
   */
  readonly providerBaseUrl?: string;
  /**
   * Largest object relayed, in bytes; larger ones are rejected with a reason naming this limit
   * before any provider session opens. Raise it when the provider raises its own (the official
   * SDK 1.3.4 documents 10 GB for video), without a code change; at most S3's 5 TiB
   * (`S3_LIMITS.maxObjectSize`).
   * @default PROVIDER_DEFAULTS[provider].maxFileSize: the provider's documented limit (4 GiB for
   *   TwelveLabs, as its API reference says)
   */
  readonly maxFileSize?: number;
  /**
   * Hosts the provider's presigned URLs may point at; `*.` matches any subdomain. A URL on
   * any other host is refused (`UntrustedUrlError`). Only a listed loopback host may be plain
   * http (a local sandbox).
   * @default PROVIDER_DEFAULTS[provider].allowedUrlHosts (["*.amazonaws.com"] for TwelveLabs)
   */
  readonly allowedUrlHosts?: string[];
  /**
   * Existing drop bucket. Its EventBridge notifications must be on (`eventBridgeEnabled`),
   * or no upload is ever started. Mutually exclusive with `bucketProps`.
   * @default - a new bucket (see `bucketProps`)
   */
  readonly existingBucket?: s3.IBucket;
  /**
   * Props of the new drop bucket, merged over the defaults (`defaultBucketProps()`):
   * EventBridge on, public access blocked, TLS enforced, S3-managed encryption, versioned,
   * retained on removal, incomplete multipart uploads aborted after 7 days, noncurrent versions
   * expired after 30 days. `eventBridgeEnabled: false` is refused. Mutually exclusive with
   * `existingBucket`.
   * @default - the defaults above
   */
  readonly bucketProps?: s3.BucketProps;
  /**
   * Only keys starting with this are relayed. Matched against `detail.object.key` of the S3
   * event as S3 writes it there; keep it to URL-safe characters.
   * @default - every key
   */
  readonly keyPrefix?: string;
  /**
   * Only keys ending with one of these are relayed (case-sensitive: list `.MP4` too if needed).
   * @default - every key
   */
  readonly keySuffixes?: string[];
  /**
   * Chunks moved by one transfer invocation (one Map item), within
   * `RELAY_LIMITS.chunksPerBatch` (1..50) and the provider's `maxChunksPerCall`. Fewer, larger
   * batches mean fewer state transitions per file.
   * @default RELAY_DEFAULTS.chunksPerBatch (8)
   */
  readonly chunksPerBatch?: number;
  /**
   * Chunks moving at once inside one transfer invocation, within
   * `RELAY_LIMITS.transferConcurrency` (1..32).
   * @default RELAY_DEFAULTS.transferConcurrency (4)
   */
  readonly transferConcurrency?: number;
  /**
   * Transfer invocations running at once per upload (the Map's `MaxConcurrency`), within
   * `RELAY_LIMITS.mapConcurrency` (1..40).
   * @default RELAY_DEFAULTS.mapConcurrency (8)
   */
  readonly mapConcurrency?: number;
  /**
   * Wait between two provider status polls, whole seconds, within
   * `RELAY_LIMITS.pollIntervalSeconds` (1 s..1 h).
   * @default Duration.seconds(RELAY_DEFAULTS.pollIntervalSeconds) (5 s)
   */
  readonly pollInterval?: Duration;
  /**
   * Polls before the relay gives up on a session that stays active, within
   * `RELAY_LIMITS.maxPolls`.
   * @default RELAY_DEFAULTS.maxPolls (720)
   */
  readonly maxPolls?: number;
  /**
   * Uploads in flight at once (admitted, until finished or failed), 1..`MAX_UPLOAD_SLOTS`
   * (1000); the others wait their turn in order of arrival (`AcquireSlot`, polling every
   * `SLOT_POLL_SECONDS` near the front of the line, every `SLOT_POLL_FAR_SECONDS` farther
   * back). A backfill of thousands of objects then never asks for more than about
   * `maxConcurrentUploads` × (`mapConcurrency` + 1) Lambda invocations at once.
   * @default DEFAULT_MAX_CONCURRENT_UPLOADS (50): with the default `mapConcurrency` of 8, at
   *   most ~450 concurrent invocations, under half of a fresh account's 1,000, leaving room for
   *   the account's other functions
   */
  readonly maxConcurrentUploads?: number;
  /**
   * Memory of the transfer function in MB, within `RELAY_LIMITS.transferMemorySize`
   * (128..10240); more memory also buys CPU and network.
   * @default RELAY_STEPS.transfer.memorySize (1024)
   */
  readonly transferMemorySize?: number;
  /**
   * Bus the finish and fail functions publish the outcome events to.
   * @default - a new bus with a generated name (the stack's `EventBusName` output)
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Overrides of the store table.
   * @default - retained, point-in-time recovery on, no deletion protection
   */
  readonly tableProps?: RelayTableProps;
  /**
   * Alarms on failed executions and on events in the dead-letter queue.
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * Retention of the functions' and the state machine's logs.
   * @default logs.RetentionDays.ONE_WEEK
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * X-Ray tracing on the functions and the state machine.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Check each chunk's ETag against the MD5 of the bytes sent, where the ETag looks like an
   * MD5. Turn off only if the provider's storage answers ETags that look like MD5s but are not
   * (S3 buckets encrypted with SSE-KMS or SSE-C); the provider still verifies every proof.
   * @default RELAY_DEFAULTS.verifyEtag (true)
   */
  readonly verifyEtag?: boolean;
  /**
   * TwelveLabs index every completed TwelveLabs upload's asset is indexed into
   * (`POST /indexes/{indexId}/indexed-assets`); a route's `indexId` overrides it. The relay
   * follows the indexing and publishes `Asset Indexed` or `Asset Indexing Failed`; a failed
   * indexing never fails the upload.
   * @default - assets are not indexed
   */
  readonly indexId?: string;
  /**
   * Wait between two reads of an indexing's status, whole seconds, within
   * `RELAY_LIMITS.indexPollIntervalSeconds` (1 s..1 h).
   * @default Duration.seconds(RELAY_DEFAULTS.indexPollIntervalSeconds) (30 s)
   */
  readonly indexPollInterval?: Duration;
  /**
   * Status reads before an indexing still pending is recorded failed (`RELAY_INDEX_TIMEOUT`),
   * within `RELAY_LIMITS.maxIndexPolls`.
   * @default RELAY_DEFAULTS.maxIndexPolls (240: 2 h at 30 s)
   */
  readonly maxIndexPolls?: number;
  /**
   * A CloudWatch dashboard of the relay's metrics, executions and functions.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * CloudWatch namespace of the functions' metrics (Powertools Metrics, EMF).
   * @default "Relay"
   */
  readonly metricsNamespace?: string;
}
