/**
 * The app's stack: one {@link RelayPipeline} with the app-level choices, and the outputs an
 * operator needs after `cdk deploy`.
 */

import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { RelayPipeline, type RelayPipelineProps } from "./relay-pipeline.js";

/** Props of {@link RelayStack}. */
export interface RelayStackProps extends StackProps {
  /**
   * Props of the pipeline.
   * @default - the pipeline's defaults
   */
  readonly pipeline?: RelayPipelineProps;
}

/** The relay, deployable on its own. */
export class RelayStack extends Stack {
  /** The pipeline this stack holds. */
  public readonly pipeline: RelayPipeline;

  constructor(scope: Construct, id: string, props: RelayStackProps = {}) {
    super(scope, id, {
      description: "The relay: S3 drop bucket → Step Functions → provider multipart upload",
      ...props,
    });
    this.pipeline = new RelayPipeline(this, "Pipeline", props.pipeline);

    new CfnOutput(this, "BucketName", {
      description: "Drop videos here",
      value: this.pipeline.bucket.bucketName,
    });
    new CfnOutput(this, "StateMachineArn", {
      description: "One execution per dropped object",
      value: this.pipeline.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, "ApiKeySecretName", {
      description: "Put the provider API key in this secret",
      value: this.pipeline.apiKeySecret.secretName,
    });
    for (const [name, secret] of Object.entries(this.pipeline.apiKeySecrets)) {
      if (!secret || secret === this.pipeline.apiKeySecret) continue;
      new CfnOutput(
        this,
        `${name === "spatialgen" ? "SpatialGen" : "TwelveLabs"}ApiKeySecretName`,
        {
          description: `Put the ${name} API key in this secret`,
          value: secret.secretName,
        },
      );
    }
    new CfnOutput(this, "TableName", {
      description: "Upload and chunk records (read by the relay CLI)",
      value: this.pipeline.table.tableName,
    });
    new CfnOutput(this, "EventBusName", {
      description: "Relay outcome events are published here",
      value: this.pipeline.eventBus.eventBusName,
    });
  }
}

/** Context keys the app reads (`cdk synth -c relay:keyPrefix=incoming/`, or cdk.json). */
export const RELAY_CONTEXT_KEYS = {
  provider: "relay:provider",
  /** JSON list of `RelayRoute`, e.g. `[{"keyPrefix":"spatialgen/","provider":"spatialgen"}]`. */
  routes: "relay:routes",
  /** JSON object of `RelayProviderProps` by provider (secret names, not secrets). */
  providers: "relay:providers",
  /** JSON `RelayGroupDefaults`. */
  groupDefaults: "relay:groupDefaults",
  keyPrefix: "relay:keyPrefix",
  keySuffixes: "relay:keySuffixes",
  apiKeySecretName: "relay:apiKeySecretName",
  providerBaseUrl: "relay:providerBaseUrl",
  allowedUrlHosts: "relay:allowedUrlHosts",
  maxFileSize: "relay:maxFileSize",
  maxPolls: "relay:maxPolls",
  maxConcurrentUploads: "relay:maxConcurrentUploads",
  chunksPerBatch: "relay:chunksPerBatch",
  transferConcurrency: "relay:transferConcurrency",
  mapConcurrency: "relay:mapConcurrency",
  pollIntervalSeconds: "relay:pollIntervalSeconds",
  alarms: "relay:alarms",
  verifyEtag: "relay:verifyEtag",
  indexId: "relay:indexId",
  indexPollIntervalSeconds: "relay:indexPollIntervalSeconds",
  maxIndexPolls: "relay:maxIndexPolls",
  dashboard: "relay:dashboard",
  metricsNamespace: "relay:metricsNamespace",
} as const;

/**
 * Pipeline props from the app's context. `-c` values arrive as strings, cdk.json values as
 * JSON: both are accepted. Unset keys leave the pipeline's defaults.
 */
export function pipelinePropsFromContext(scope: Construct): RelayPipelineProps {
  const read = (key: string): unknown => scope.node.tryGetContext(key);
  const str = (key: string): string | undefined => {
    const v = read(key);
    return v === undefined || v === null || v === "" ? undefined : String(v);
  };
  const num = (key: string): number | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`context ${key} must be a number, got ${v}`);
    return n;
  };
  const list = (key: string): string[] | undefined => {
    const v = read(key);
    if (Array.isArray(v)) return v.map(String);
    return str(key)
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  };
  const bool = (key: string): boolean | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    if (v !== "true" && v !== "false") {
      throw new Error(`context ${key} must be true or false, got ${v}`);
    }
    return v === "true";
  };

  const json = <T>(key: string): T | undefined => {
    const v = read(key);
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") return v as T;
    try {
      return JSON.parse(v) as T;
    } catch {
      throw new Error(`context ${key} must be JSON, got ${v}`);
    }
  };

  const k = RELAY_CONTEXT_KEYS;
  const pollIntervalSeconds = num(k.pollIntervalSeconds);
  const indexPollIntervalSeconds = num(k.indexPollIntervalSeconds);
  const props: RelayPipelineProps = {
    provider: str(k.provider) as RelayPipelineProps["provider"],
    routes: json<RelayPipelineProps["routes"]>(k.routes),
    providers: json<RelayPipelineProps["providers"]>(k.providers),
    groupDefaults: json<RelayPipelineProps["groupDefaults"]>(k.groupDefaults),
    keyPrefix: str(k.keyPrefix),
    keySuffixes: list(k.keySuffixes),
    apiKeySecretName: str(k.apiKeySecretName),
    providerBaseUrl: str(k.providerBaseUrl),
    allowedUrlHosts: list(k.allowedUrlHosts),
    maxFileSize: num(k.maxFileSize),
    maxPolls: num(k.maxPolls),
    maxConcurrentUploads: num(k.maxConcurrentUploads),
    chunksPerBatch: num(k.chunksPerBatch),
    transferConcurrency: num(k.transferConcurrency),
    mapConcurrency: num(k.mapConcurrency),
    pollInterval:
      pollIntervalSeconds === undefined ? undefined : Duration.seconds(pollIntervalSeconds),
    alarms: bool(k.alarms),
    verifyEtag: bool(k.verifyEtag),
    indexId: str(k.indexId),
    indexPollInterval:
      indexPollIntervalSeconds === undefined
        ? undefined
        : Duration.seconds(indexPollIntervalSeconds),
    maxIndexPolls: num(k.maxIndexPolls),
    dashboard: bool(k.dashboard),
    metricsNamespace: str(k.metricsNamespace),
  };
  // Drop unset keys so that the props read as what was chosen.
  return Object.fromEntries(
    Object.entries(props).filter(([, v]) => v !== undefined),
  ) as RelayPipelineProps;
}
