/**
 * How {@link RelayPipelineProps} become complete settings: every unset prop replaced by its
 * default. Pure functions, no constructs. The relay's tunable defaults are owned by
 * `functions/core/config/defaults.ts` (the handlers read the same table) and the functions'
 * sizes by the steps table; only the defaults that concern AWS resources alone (bucket, table,
 * logs, alarms, tracing) are set here.
 */

import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import {
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  DEFAULT_PROVIDER,
  PROVIDER_DEFAULTS,
  RELAY_DEFAULTS,
} from "../functions/core/config/defaults.js";
import type { Route } from "../functions/core/config/environment.js";
import { RELAY_METRICS_NAMESPACE } from "../functions/core/metrics.js";
import { RELAY_STEPS } from "../functions/core/step-registry.js";
import type {
  RelayGroupDefaults,
  RelayPipelineProps,
  RelayProvider,
  RelayProviderProps,
  RelayTableProps,
} from "./relay-pipeline-props.js";

/**
 * Time an upload is allowed for its transfers, in seconds, on top of its polls: part of the
 * slot lease (see {@link RelayPipelineSettings.slotLease}).
 */
const TRANSFER_ALLOWANCE_SECONDS = 3600;

/** {@link RelayPipelineProps} with every default applied: what the construct builds from. */
export interface RelayPipelineSettings {
  /** Upload provider. */
  readonly provider: RelayProvider;
  /** Provider API base URL. */
  readonly providerBaseUrl: string;
  /** Hosts the provider's presigned URLs may point at. */
  readonly allowedUrlHosts: readonly string[];
  /** Largest object relayed, in bytes. */
  readonly maxFileSize: number;
  /**
   * Every provider the pipeline sends to, the default one first, each with its connection
   * resolved (the secret is the construct's to make).
   */
  readonly providers: readonly ResolvedProvider[];
  /** The routes the admit step reads: the props' routes, then the default route (`""`). */
  readonly routes: readonly Route[];
  /** Key prefix of the relayed objects; undefined for every key (an empty prefix included). */
  readonly keyPrefix: string | undefined;
  /** Key suffixes of the relayed objects; undefined for every key (an empty list included). */
  readonly keySuffixes: readonly string[] | undefined;
  /** Chunks moved by one transfer invocation. */
  readonly chunksPerBatch: number;
  /** Chunks moving at once inside one transfer invocation. */
  readonly transferConcurrency: number;
  /** Transfer invocations running at once per upload. */
  readonly mapConcurrency: number;
  /** Wait between two provider status polls. */
  readonly pollInterval: Duration;
  /** Polls before the relay gives up on a session that stays active. */
  readonly maxPolls: number;
  /** Wait between two reads of an indexing's status. */
  readonly indexPollInterval: Duration;
  /** Status reads before a pending indexing is given up. */
  readonly maxIndexPolls: number;
  /** Whether the pipeline has its dashboard. */
  readonly dashboard: boolean;
  /** Namespace of the functions' metrics. */
  readonly metricsNamespace: string;
  /** Uploads in flight at once. */
  readonly maxConcurrentUploads: number;
  /**
   * The longest an upload plausibly runs: every poll it may make, and an hour for its
   * transfers. Only a slot never released (a stopped execution) is held that long.
   */
  readonly slotLease: Duration;
  /** Memory of the transfer function in MB. */
  readonly transferMemorySize: number;
  /** Compare each chunk's MD5-looking ETag with the MD5 of the bytes sent. */
  readonly verifyEtag: boolean;
  /** Props of a new drop bucket: `bucketProps` merged over {@link defaultBucketProps}. */
  readonly bucketProps: s3.BucketProps;
  /** The store table's overrides, each resolved. */
  readonly table: Required<RelayTableProps>;
  /** Alarms on failed executions and on the dead-letter queue. */
  readonly alarms: boolean;
  /** Retention of every log group. */
  readonly logRetention: logs.RetentionDays;
  /** X-Ray tracing. */
  readonly tracing: boolean;
}

/** One provider of the pipeline with its connection resolved. */
export interface ResolvedProvider {
  readonly name: RelayProvider;
  readonly baseUrl: string;
  readonly allowedUrlHosts: readonly string[];
  readonly maxFileSize: number;
  /** Props of its API-key secret, as given. */
  readonly secret: Pick<RelayProviderProps, "apiKeySecret" | "apiKeySecretName">;
}

/** Every provider of the pipeline, the default first, each once. */
function resolveProviders(props: RelayPipelineProps, provider: RelayProvider): ResolvedProvider[] {
  const names = [provider, ...(props.routes ?? []).map((r) => r.provider)].filter(
    (name, i, all) => all.indexOf(name) === i,
  );
  return names.map((name) => {
    const defaults = PROVIDER_DEFAULTS[name];
    if (name === provider) {
      return {
        name,
        baseUrl: props.providerBaseUrl ?? defaults.baseUrl,
        allowedUrlHosts: props.allowedUrlHosts ?? defaults.allowedUrlHosts,
        maxFileSize: props.maxFileSize ?? defaults.maxFileSize,
        secret: { apiKeySecret: props.apiKeySecret, apiKeySecretName: props.apiKeySecretName },
      };
    }
    const own = props.providers?.[name] ?? {};
    return {
      name,
      baseUrl: own.baseUrl ?? defaults.baseUrl,
      allowedUrlHosts: own.allowedUrlHosts ?? defaults.allowedUrlHosts,
      maxFileSize: own.maxFileSize ?? defaults.maxFileSize,
      secret: { apiKeySecret: own.apiKeySecret, apiKeySecretName: own.apiKeySecretName },
    };
  });
}

/** The routes of the props, each with the group defaults it leaves unset, then the default. */
function resolveRoutes(props: RelayPipelineProps, provider: RelayProvider): Route[] {
  const withDefaults = (
    route: Omit<Route, "layout" | "perspective" | "folderName"> & RelayGroupDefaults,
  ): Route => {
    if (route.provider === "twelvelabs") {
      const indexId = route.indexId ?? props.indexId;
      return {
        prefix: route.prefix,
        provider: route.provider,
        ...(indexId !== undefined ? { indexId } : {}),
      };
    }
    if (route.provider !== "spatialgen") return { prefix: route.prefix, provider: route.provider };
    const layout = route.layout ?? props.groupDefaults?.layout;
    const perspective = route.perspective ?? props.groupDefaults?.perspective;
    const folderName = route.folderName ?? props.groupDefaults?.folderName;
    return {
      prefix: route.prefix,
      provider: route.provider,
      ...(layout !== undefined ? { layout } : {}),
      ...(perspective !== undefined ? { perspective } : {}),
      ...(folderName !== undefined ? { folderName } : {}),
    };
  };
  return [
    ...(props.routes ?? []).map(({ keyPrefix, ...rest }) =>
      withDefaults({ ...rest, prefix: keyPrefix }),
    ),
    withDefaults({ prefix: "", provider }),
  ];
}

/**
 * The settings of a pipeline with `props`: each prop, or its default. Expects props that
 * passed `validateRelayPipelineProps` (an unknown provider has no defaults).
 */
export function resolveRelayPipelineSettings(props: RelayPipelineProps): RelayPipelineSettings {
  const provider = props.provider ?? DEFAULT_PROVIDER;
  const providerDefaults = PROVIDER_DEFAULTS[provider];
  const pollInterval = props.pollInterval ?? Duration.seconds(RELAY_DEFAULTS.pollIntervalSeconds);
  const maxPolls = props.maxPolls ?? RELAY_DEFAULTS.maxPolls;
  return {
    provider,
    providerBaseUrl: props.providerBaseUrl ?? providerDefaults.baseUrl,
    allowedUrlHosts: props.allowedUrlHosts ?? providerDefaults.allowedUrlHosts,
    maxFileSize: props.maxFileSize ?? providerDefaults.maxFileSize,
    providers: resolveProviders(props, provider),
    routes: resolveRoutes(props, provider),
    // Empty filters mean no filter: the rule and the read grant then cover every key.
    keyPrefix: props.keyPrefix || undefined,
    keySuffixes: props.keySuffixes?.length ? props.keySuffixes : undefined,
    chunksPerBatch: props.chunksPerBatch ?? RELAY_DEFAULTS.chunksPerBatch,
    transferConcurrency: props.transferConcurrency ?? RELAY_DEFAULTS.transferConcurrency,
    mapConcurrency: props.mapConcurrency ?? RELAY_DEFAULTS.mapConcurrency,
    pollInterval,
    maxPolls,
    indexPollInterval:
      props.indexPollInterval ?? Duration.seconds(RELAY_DEFAULTS.indexPollIntervalSeconds),
    maxIndexPolls: props.maxIndexPolls ?? RELAY_DEFAULTS.maxIndexPolls,
    dashboard: props.dashboard ?? true,
    metricsNamespace: props.metricsNamespace ?? RELAY_METRICS_NAMESPACE,
    maxConcurrentUploads: props.maxConcurrentUploads ?? DEFAULT_MAX_CONCURRENT_UPLOADS,
    slotLease: Duration.seconds(pollInterval.toSeconds() * maxPolls + TRANSFER_ALLOWANCE_SECONDS),
    transferMemorySize: props.transferMemorySize ?? RELAY_STEPS.transfer.memorySize,
    verifyEtag: props.verifyEtag ?? RELAY_DEFAULTS.verifyEtag,
    bucketProps: { ...defaultBucketProps(), ...props.bucketProps },
    table: {
      removalPolicy: props.tableProps?.removalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: props.tableProps?.deletionProtection ?? false,
      pointInTimeRecovery: props.tableProps?.pointInTimeRecovery ?? true,
    },
    alarms: props.alarms ?? true,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
    tracing: props.tracing ?? false,
  };
}

/** Defaults of a new drop bucket; `bucketProps` is merged over them. */
export function defaultBucketProps(): s3.BucketProps {
  return {
    // The relay starts on the bucket's EventBridge events: validation refuses turning them off.
    eventBridgeEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        id: "relay-housekeeping",
        abortIncompleteMultipartUploadAfter: Duration.days(7),
        noncurrentVersionExpiration: Duration.days(30),
      },
    ],
  };
}
