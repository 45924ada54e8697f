/**
 * The whole relay as one construct: drop bucket → EventBridge rule → start function → state
 * machine (admit, create session, transfer/report Map, poll loop, finish/fail) → outcome events.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy, Token } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import {
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  PROVIDER_DEFAULTS,
  RELAY_DEFAULTS,
  RELAY_LIMITS,
} from "../functions/core/config/defaults.js";
import type { ProviderName } from "../functions/core/config/environment.js";
import { S3_LIMITS } from "../functions/core/config/limits.js";
import {
  RELAY_FUNCTION_NAMES,
  RELAY_STEPS,
  type RelayEnvVar,
  type RelayFunctionName,
  type RelayResource,
  type StepSpec,
} from "../functions/core/step-registry.js";
import { MAX_UPLOAD_SLOTS } from "../functions/core/upload-slots.js";
import { isLoopbackHost } from "../functions/core/url-policy.js";
import { bundleFingerprint } from "./bundle-fingerprint.js";
import { suppressAcceptedNagFindings } from "./nag-suppressions.js";
import { buildRelayDefinition } from "./state-machine-definition.js";

export {
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  PROVIDER_DEFAULTS,
} from "../functions/core/config/defaults.js";
export { RELAY_FUNCTION_NAMES, type RelayFunctionName } from "../functions/core/step-registry.js";

/** Upload providers the relay can target. SpatialGen joins as a second member. */
export type RelayProvider = ProviderName;

/** Validated limits of the numeric props (shared with the handlers' env checks). */
export const RELAY_PROP_LIMITS = RELAY_LIMITS;

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

/** Props of {@link RelayPipeline}. */
export interface RelayPipelineProps {
  /**
   * Upload provider the relay targets.
   * @default "twelvelabs"
   */
  readonly provider?: RelayProvider;
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
   * @default "https://api.twelvelabs.io/v1.3" for TwelveLabs
   */
  readonly providerBaseUrl?: string;
  /**
   * Largest object relayed, in bytes; larger ones are rejected with a reason naming this limit
   * before any provider session opens. Raise it when the provider raises its own (the official
   * SDK 1.3.4 documents 10 GB for video), without a code change; at most S3's 5 TiB.
   * @default - the provider's documented limit (4 GiB for TwelveLabs, as its API reference says)
   */
  readonly maxFileSize?: number;
  /**
   * Hosts the provider's presigned URLs may point at; `*.` matches any subdomain. A URL on
   * any other host is refused (`UntrustedUrlError`). Only a listed loopback host may be plain
   * http (a local sandbox).
   * @default ["*.amazonaws.com"] for TwelveLabs
   */
  readonly allowedUrlHosts?: string[];
  /**
   * Existing drop bucket. Its EventBridge notifications must be on (`eventBridgeEnabled`),
   * or no upload is ever started. Mutually exclusive with `bucketProps`.
   * @default - a new bucket (see `bucketProps`)
   */
  readonly existingBucket?: s3.IBucket;
  /**
   * Props of the new drop bucket, merged over the defaults: EventBridge on, public access
   * blocked, TLS enforced, S3-managed encryption, versioned, retained on removal, incomplete
   * multipart uploads aborted after 7 days, noncurrent versions expired after 30 days.
   * `eventBridgeEnabled: false` is refused. Mutually exclusive with `existingBucket`.
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
   * Chunks moved by one transfer invocation (one Map item), 1..50. Fewer, larger batches mean
   * fewer state transitions per file.
   * @default RELAY_DEFAULTS.chunksPerBatch (8)
   */
  readonly chunksPerBatch?: number;
  /**
   * Chunks moving at once inside one transfer invocation, 1..32.
   * @default RELAY_DEFAULTS.transferConcurrency (4)
   */
  readonly transferConcurrency?: number;
  /**
   * Transfer invocations running at once per upload (the Map's `MaxConcurrency`), 1..40.
   * @default RELAY_DEFAULTS.mapConcurrency (8)
   */
  readonly mapConcurrency?: number;
  /**
   * Wait between two provider status polls, whole seconds, 1 s..1 h.
   * @default Duration.seconds(RELAY_DEFAULTS.pollIntervalSeconds) (5 s)
   */
  readonly pollInterval?: Duration;
  /**
   * Polls before the relay gives up on a session that stays active.
   * @default RELAY_DEFAULTS.maxPolls (720)
   */
  readonly maxPolls?: number;
  /**
   * Uploads in flight at once (admitted, until finished or failed), 1..1000; the others wait
   * their turn in order of arrival (`AcquireSlot`, polling every 10 s near the front of the
   * line, every 60 s farther back). A backfill of thousands of objects then never asks for
   * more than about `maxConcurrentUploads` × (`mapConcurrency` + 1) Lambda invocations at once.
   * @default 50: with the default `mapConcurrency` of 8, at most ~450 concurrent invocations,
   *   under half of a fresh account's 1,000, leaving room for the account's other functions
   */
  readonly maxConcurrentUploads?: number;
  /**
   * Memory of the transfer function in MB, 128..10240 (more memory also buys CPU and network).
   * @default 1024
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
   * @default true
   */
  readonly verifyEtag?: boolean;
}

/** Banner that gives ESM bundles a `require` (bundled AWS SDK v3 code calls it). */
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** How every function is bundled. */
const BUNDLING = {
  format: nodejs.OutputFormat.ESM,
  banner: ESM_REQUIRE_BANNER,
  mainFields: ["module", "main"],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: "node22",
  // Bundle the AWS SDK too: the deployed code runs the SDK version it was tested with.
  externalModules: [],
} as const satisfies nodejs.BundlingOptions;

/**
 * The relay pipeline: a drop bucket whose "Object Created" events start one Step Functions
 * execution per object, which carries the object chunk by chunk into the provider's
 * presigned-URL multipart upload and publishes the outcome on an event bus.
 *
 * @example
 * new RelayPipeline(this, "Relay", { keyPrefix: "incoming/", keySuffixes: [".mp4", ".mov"] });
 */
export class RelayPipeline extends Construct {
  /** The drop bucket. */
  public readonly bucket: s3.IBucket;
  /** The store: one item per upload and per chunk. */
  public readonly table: dynamodb.Table;
  /** The relay's state machine. */
  public readonly stateMachine: sfn.StateMachine;
  /** Every function, by its `RELAY_FUNCTION` name. */
  public readonly functions: Readonly<Record<RelayFunctionName, nodejs.NodejsFunction>>;
  /** Bus the outcome events go to. */
  public readonly eventBus: events.IEventBus;
  /** Secret holding the provider API key. */
  public readonly apiKeySecret: secretsmanager.ISecret;
  /** Rule that sends the bucket's "Object Created" events to the start function. */
  public readonly rule: events.Rule;
  /** Events the rule or the start function could not deliver. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Alarm on failed executions, when `alarms` is on. */
  public readonly executionsFailedAlarm?: cloudwatch.Alarm;
  /** Alarm on messages in the dead-letter queue, when `alarms` is on. */
  public readonly deadLetterAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: RelayPipelineProps = {}) {
    super(scope, id);

    // 1. Validate: collect every problem, throw once.
    const problems = validateRelayPipelineProps(props);
    if (problems.length > 0) {
      throw new Error(
        `RelayPipeline ${this.node.path}: invalid props:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      );
    }

    const provider = props.provider ?? "twelvelabs";
    const defaults = PROVIDER_DEFAULTS[provider];
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_WEEK;
    const tracing = props.tracing ?? false;
    const keySuffixes = props.keySuffixes?.length ? props.keySuffixes : undefined;
    const keyPrefix = props.keyPrefix || undefined;

    // 2. Build.
    this.bucket =
      props.existingBucket ??
      new s3.Bucket(this, "Bucket", { ...defaultBucketProps(), ...props.bucketProps });

    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "sk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: "ttl",
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: props.tableProps?.pointInTimeRecovery ?? true,
      },
      deletionProtection: props.tableProps?.deletionProtection ?? false,
      removalPolicy: props.tableProps?.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    let apiKeySecretId: string;
    if (props.apiKeySecret) {
      this.apiKeySecret = props.apiKeySecret;
      apiKeySecretId = props.apiKeySecret.secretArn;
    } else if (props.apiKeySecretName) {
      this.apiKeySecret = secretsmanager.Secret.fromSecretNameV2(
        this,
        "ApiKeySecret",
        props.apiKeySecretName,
      );
      // A name, not the partial ARN an import by name yields: GetSecretValue resolves names.
      apiKeySecretId = props.apiKeySecretName;
    } else {
      // No fixed name: a second pipeline in the same account and region must not collide.
      const secret = new secretsmanager.Secret(this, "ApiKeySecret", {
        description: `API key of the relay's ${provider} account. The generated value is a placeholder: put the real key here.`,
        // A random placeholder, so that no guessable value ever authenticates anywhere.
        generateSecretString: { passwordLength: 32, excludePunctuation: true },
      });
      this.apiKeySecret = secret;
      apiKeySecretId = secret.secretArn;
    }

    // A generated name, unique per pipeline, for the same reason as the secret's.
    this.eventBus = props.eventBus ?? new events.EventBus(this, "EventBus");

    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const fns = {} as Record<RelayFunctionName, nodejs.NodejsFunction>;
    for (const name of RELAY_FUNCTION_NAMES) {
      const spec = RELAY_STEPS[name];
      const pascal = toPascalCase(name);
      const logGroup = new logs.LogGroup(this, `${pascal}Logs`, { retention: logRetention });
      // An explicit role: AWSLambdaBasicExecutionRole would let it write to every log group.
      const role = new iam.Role(this, `${pascal}Role`, {
        assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
        description: `Role of the relay's ${name} function`,
      });
      logGroup.grantWrite(role);
      fns[name] = new nodejs.NodejsFunction(this, `${pascal}Function`, {
        entry: join(PROJECT_ROOT, spec.entry),
        handler: "handler",
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        role,
        memorySize:
          name === "transfer" ? (props.transferMemorySize ?? spec.memorySize) : spec.memorySize,
        timeout: Duration.seconds(spec.timeoutSeconds),
        tracing: tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
        logGroup,
        environment: {
          RELAY_FUNCTION: name,
          POWERTOOLS_SERVICE_NAME: "relay",
          NODE_OPTIONS: "--enable-source-maps",
        },
        bundling: {
          ...BUNDLING,
          // The same inputs make the same bundle: CDK then skips bundling a staged one.
          assetHash: bundleFingerprint(PROJECT_ROOT, { entry: spec.entry, ...BUNDLING }),
        },
        // The start function is invoked asynchronously by EventBridge: an event it fails on
        // twice goes to the dead-letter queue instead of vanishing.
        ...(name === "start"
          ? { retryAttempts: 2, onFailure: new destinations.SqsDestination(this.deadLetterQueue) }
          : {}),
      });
    }
    this.functions = fns;

    const pollInterval = props.pollInterval ?? Duration.seconds(RELAY_DEFAULTS.pollIntervalSeconds);
    const stateMachineLogs = new logs.LogGroup(this, "StateMachineLogs", {
      retention: logRetention,
    });
    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildRelayDefinition(this, {
          functions: fns,
          mapConcurrency: props.mapConcurrency ?? RELAY_DEFAULTS.mapConcurrency,
          pollInterval,
          maxConcurrentUploads: props.maxConcurrentUploads ?? DEFAULT_MAX_CONCURRENT_UPLOADS,
          // The longest an upload plausibly runs: every poll it may make, and an hour for its
          // transfers. Only a slot never released (a stopped execution) is held that long.
          slotLease: Duration.seconds(
            pollInterval.toSeconds() * (props.maxPolls ?? RELAY_DEFAULTS.maxPolls) + 3600,
          ),
        }),
      ),
      // Errors only and no execution data: payloads hold no secrets, but the logs stay lean.
      logs: {
        destination: stateMachineLogs,
        level: sfn.LogLevel.ERROR,
        includeExecutionData: false,
      },
      tracingEnabled: tracing,
    });

    this.rule = new events.Rule(this, "ObjectCreatedRule", {
      description: "Starts one relay execution per object created in the drop bucket",
      eventPattern: objectCreatedPattern(this.bucket.bucketName, keyPrefix, keySuffixes),
    });

    if (props.alarms ?? true) {
      this.executionsFailedAlarm = new cloudwatch.Alarm(this, "ExecutionsFailedAlarm", {
        alarmDescription: "A relay execution failed (the upload record holds the reason)",
        metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: "Sum" }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.deadLetterAlarm = new cloudwatch.Alarm(this, "DeadLetterAlarm", {
        alarmDescription: "An object-created event never started a relay execution",
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: "Maximum",
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    // 3. Wire: env and least-privilege grants from the steps table, the rule's target.
    const envValues: Record<RelayEnvVar, string> = {
      TABLE_NAME: this.table.tableName,
      PROVIDER: provider,
      PROVIDER_BASE_URL: props.providerBaseUrl ?? defaults.baseUrl,
      API_KEY_SECRET_ID: apiKeySecretId,
      ALLOWED_URL_HOSTS: (props.allowedUrlHosts ?? defaults.allowedUrlHosts).join(","),
      MAX_FILE_SIZE: String(props.maxFileSize ?? defaults.maxFileSize),
      CHUNKS_PER_BATCH: String(props.chunksPerBatch ?? RELAY_DEFAULTS.chunksPerBatch),
      TRANSFER_CONCURRENCY: String(props.transferConcurrency ?? RELAY_DEFAULTS.transferConcurrency),
      MAX_POLLS: String(props.maxPolls ?? RELAY_DEFAULTS.maxPolls),
      VERIFY_ETAG: String(props.verifyEtag ?? RELAY_DEFAULTS.verifyEtag),
      EVENT_BUS_NAME: this.eventBus.eventBusName,
      STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
    };
    // A secret imported by name has a partial ARN; its full ARN ends in a random 6-char suffix.
    const secretArn = props.apiKeySecretName
      ? `${this.apiKeySecret.secretArn}-??????`
      : this.apiKeySecret.secretArn;
    const resourceArns: Record<RelayResource, string> = {
      table: this.table.tableArn,
      // The objects only (no List*, no bucket-level reads), under the prefix only.
      sourceObjects: this.bucket.arnForObjects(`${keyPrefix ?? ""}*`),
      apiKeySecret: secretArn,
      eventBus: this.eventBus.eventBusArn,
      stateMachine: this.stateMachine.stateMachineArn,
    };
    for (const name of RELAY_FUNCTION_NAMES) {
      const fn = fns[name];
      const spec: StepSpec = RELAY_STEPS[name];
      for (const envVar of spec.env) fn.addEnvironment(envVar, envValues[envVar]);
      for (const [resource, actions] of Object.entries(spec.access) as [
        RelayResource,
        readonly string[],
      ][]) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: [...actions], resources: [resourceArns[resource]] }),
        );
      }
      // Customer-managed keys, when the user brought them: reading needs their Decrypt.
      if (spec.access.sourceObjects) this.bucket.encryptionKey?.grantDecrypt(fn);
      if (spec.access.apiKeySecret) this.apiKeySecret.encryptionKey?.grantDecrypt(fn);
    }

    this.rule.addTarget(
      new targets.LambdaFunction(fns.start, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      }),
    );

    suppressAcceptedNagFindings(this, {
      tracing,
      bucketCreated: !props.existingBucket,
      keyPrefix: keyPrefix ?? "",
    });
  }
}

/**
 * Every problem with `props`, as messages naming the props; empty when they are fine.
 * Values that are unresolved tokens are not checked.
 */
export function validateRelayPipelineProps(props: RelayPipelineProps): string[] {
  const problems: string[] = [];
  const provider = props.provider ?? "twelvelabs";
  const defaults = PROVIDER_DEFAULTS[provider];
  if (!defaults) {
    problems.push(
      `provider must be one of ${Object.keys(PROVIDER_DEFAULTS).join(", ")}, got ${JSON.stringify(provider)}`,
    );
  }
  if (props.existingBucket && props.bucketProps) {
    problems.push("existingBucket and bucketProps are mutually exclusive: pass one or neither");
  }
  if (props.bucketProps?.eventBridgeEnabled === false) {
    problems.push("bucketProps.eventBridgeEnabled cannot be false: the relay starts on its events");
  }
  if (props.apiKeySecret && props.apiKeySecretName !== undefined) {
    problems.push("apiKeySecret and apiKeySecretName are mutually exclusive: pass one or neither");
  }
  if (props.apiKeySecretName !== undefined && props.apiKeySecretName.trim() === "") {
    problems.push("apiKeySecretName must not be empty");
  }

  const checkInt = (
    name: string,
    value: number | undefined,
    [min, max]: readonly [number, number],
  ): void => {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer in ${min}..${max}, got ${value}`);
    }
  };
  const chunkCeiling = Math.min(
    RELAY_PROP_LIMITS.chunksPerBatch[1],
    defaults?.maxChunksPerCall ?? RELAY_PROP_LIMITS.chunksPerBatch[1],
  );
  checkInt("chunksPerBatch", props.chunksPerBatch, [
    RELAY_PROP_LIMITS.chunksPerBatch[0],
    chunkCeiling,
  ]);
  checkInt("transferConcurrency", props.transferConcurrency, RELAY_PROP_LIMITS.transferConcurrency);
  checkInt("mapConcurrency", props.mapConcurrency, RELAY_PROP_LIMITS.mapConcurrency);
  checkInt("maxPolls", props.maxPolls, RELAY_PROP_LIMITS.maxPolls);
  checkInt("maxConcurrentUploads", props.maxConcurrentUploads, [1, MAX_UPLOAD_SLOTS]);
  checkInt("transferMemorySize", props.transferMemorySize, RELAY_PROP_LIMITS.transferMemorySize);
  checkInt("maxFileSize", props.maxFileSize, [1, S3_LIMITS.maxObjectSize]);
  if (props.pollInterval && !props.pollInterval.isUnresolved()) {
    const ms = props.pollInterval.toMilliseconds();
    const [min, max] = RELAY_PROP_LIMITS.pollIntervalSeconds;
    // A Wait state takes whole seconds.
    if (ms % 1000 !== 0 || ms < min * 1000 || ms > max * 1000) {
      problems.push(
        `pollInterval must be whole seconds in ${min}..${max} s, got ${props.pollInterval.toHumanString()}`,
      );
    }
  }

  if (props.providerBaseUrl !== undefined && !Token.isUnresolved(props.providerBaseUrl)) {
    if (!URL.canParse(props.providerBaseUrl)) {
      problems.push(`providerBaseUrl is not a URL: ${props.providerBaseUrl}`);
    } else {
      const url = new URL(props.providerBaseUrl);
      if (
        url.protocol !== "https:" &&
        !(url.protocol === "http:" && isLoopbackHost(url.hostname))
      ) {
        problems.push(
          `providerBaseUrl must be https (http only on a loopback host), got ${props.providerBaseUrl}`,
        );
      }
    }
  }
  if (props.allowedUrlHosts !== undefined) {
    if (props.allowedUrlHosts.length === 0) {
      problems.push("allowedUrlHosts must not be empty: no presigned URL could be used");
    }
    for (const host of props.allowedUrlHosts) {
      if (!Token.isUnresolved(host) && !HOST_PATTERN.test(host)) {
        problems.push(
          `allowedUrlHosts entry ${JSON.stringify(host)} is not a host name (optionally starting with "*.")`,
        );
      }
    }
  }
  for (const suffix of props.keySuffixes ?? []) {
    if (suffix === "") problems.push("keySuffixes must not contain an empty string");
  }
  return problems;
}

/** A host name, or `*.` and a host name of at least two labels. */
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

/**
 * Event pattern of S3 "Object Created" events of `bucketName`, optionally only for keys with
 * `keyPrefix` and ending with one of `keySuffixes`.
 *
 * EventBridge ORs the filters in one list, so a prefix and suffixes together become one
 * `wildcard` filter per suffix (`<prefix>*<suffix>`, with `*` and `\` in them escaped).
 */
export function objectCreatedPattern(
  bucketName: string,
  keyPrefix?: string,
  keySuffixes?: readonly string[],
): events.EventPattern {
  const suffixes = keySuffixes?.length ? keySuffixes : undefined;
  let key: unknown[] | undefined;
  if (keyPrefix && suffixes) {
    key = suffixes.map((s) => ({
      wildcard: `${escapeWildcard(keyPrefix)}*${escapeWildcard(s)}`,
    }));
  } else if (keyPrefix) {
    key = [{ prefix: keyPrefix }];
  } else if (suffixes) {
    key = suffixes.map((s) => ({ suffix: s }));
  }
  return {
    source: ["aws.s3"],
    detailType: ["Object Created"],
    detail: {
      bucket: { name: [bucketName] },
      ...(key ? { object: { key } } : {}),
    },
  };
}

/** Escapes the characters EventBridge's `wildcard` filter treats specially. */
function escapeWildcard(literal: string): string {
  return literal.replace(/[\\*]/g, (c) => `\\${c}`);
}

/** Defaults of a new drop bucket; `bucketProps` is merged over them. */
function defaultBucketProps(): s3.BucketProps {
  return {
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

/** `create-session` → `CreateSession`, for construct ids. */
function toPascalCase(name: string): string {
  return name
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}
