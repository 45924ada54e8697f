/**
 * The whole relay as one construct: drop bucket → EventBridge rule → start function → state
 * machine (admit, create session, transfer/report Map, poll loop, finish/fail) → outcome events.
 *
 * This file builds and wires the resources, nothing else. The props and their docs are in
 * `relay-pipeline-props.ts`, their defaults in `relay-pipeline-defaults.ts`, their checks in
 * `relay-pipeline-validation.ts`, the rule's event pattern in `relay-pipeline-event-pattern.ts`.
 * What this module exported before that split is re-exported below.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, Stack } from "aws-cdk-lib";
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
import { PROVIDER_DEFAULTS as PROVIDERS_KNOWN } from "../functions/core/config/defaults.js";
import {
  RELAY_FUNCTION_NAMES,
  RELAY_STEPS,
  type RelayEnvVar,
  type RelayFunctionName,
  type RelayResource,
  type StepSpec,
} from "../functions/core/step-registry.js";
import { bundleFingerprint } from "./bundle-fingerprint.js";
import { suppressAcceptedNagFindings } from "./nag-suppressions.js";
import { RelayDashboard } from "./relay-dashboard.js";
import { resolveRelayPipelineSettings } from "./relay-pipeline-defaults.js";
import { objectCreatedPattern } from "./relay-pipeline-event-pattern.js";
import type { RelayPipelineProps, RelayProvider } from "./relay-pipeline-props.js";
import { assertValidRelayPipelineProps } from "./relay-pipeline-validation.js";
import { buildRelayDefinition } from "./state-machine-definition.js";

// Importers (relay-stack.ts, the tests, local/) keep this one entry point.
export {
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  PROVIDER_DEFAULTS,
} from "../functions/core/config/defaults.js";
export { RELAY_FUNCTION_NAMES, type RelayFunctionName } from "../functions/core/step-registry.js";
export { objectCreatedPattern } from "./relay-pipeline-event-pattern.js";
export type {
  RelayPipelineProps,
  RelayProvider,
  RelayTableProps,
} from "./relay-pipeline-props.js";
export { RELAY_PROP_LIMITS, validateRelayPipelineProps } from "./relay-pipeline-validation.js";

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
  /** Secret holding the default provider's (`provider`'s) API key. */
  public readonly apiKeySecret: secretsmanager.ISecret;
  /** The API-key secret of every provider the pipeline sends to, by provider name. */
  public readonly apiKeySecrets: { readonly [P in RelayProvider]?: secretsmanager.ISecret };
  /** Rule that sends the bucket's "Object Created" events to the start function. */
  public readonly rule: events.Rule;
  /** Events the rule or the start function could not deliver. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Alarm on failed executions, when `alarms` is on. */
  public readonly executionsFailedAlarm?: cloudwatch.Alarm;
  /** Alarm on messages in the dead-letter queue, when `alarms` is on. */
  public readonly deadLetterAlarm?: cloudwatch.Alarm;
  /** The relay's CloudWatch dashboard, when `dashboard` is on. */
  public readonly dashboard?: RelayDashboard;

  constructor(scope: Construct, id: string, props: RelayPipelineProps = {}) {
    super(scope, id);

    // 1. Validate: collect every problem, throw once. Then fill in the defaults.
    assertValidRelayPipelineProps(this.node.path, props);
    const settings = resolveRelayPipelineSettings(props);
    const { provider, logRetention, tracing, keyPrefix } = settings;

    // 2. Build.
    this.bucket = props.existingBucket ?? new s3.Bucket(this, "Bucket", settings.bucketProps);

    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "sk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: "ttl",
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: settings.table.pointInTimeRecovery,
      },
      deletionProtection: settings.table.deletionProtection,
      removalPolicy: settings.table.removalPolicy,
    });

    // One API-key secret per provider; the default provider's keeps the id it always had.
    const secrets = new Map<
      RelayProvider,
      { secret: secretsmanager.ISecret; id: string; arn: string }
    >();
    for (const resolved of settings.providers) {
      const id =
        resolved.name === provider ? "ApiKeySecret" : `${PROVIDER_IDS[resolved.name]}ApiKeySecret`;
      const { apiKeySecret, apiKeySecretName } = resolved.secret;
      if (apiKeySecret) {
        secrets.set(resolved.name, {
          secret: apiKeySecret,
          id: apiKeySecret.secretArn,
          arn: apiKeySecret.secretArn,
        });
      } else if (apiKeySecretName) {
        const imported = secretsmanager.Secret.fromSecretNameV2(this, id, apiKeySecretName);
        // A name, not the partial ARN an import by name yields: GetSecretValue resolves names.
        // Its full ARN ends in a random 6-character suffix.
        secrets.set(resolved.name, {
          secret: imported,
          id: apiKeySecretName,
          arn: `${imported.secretArn}-??????`,
        });
      } else {
        // No fixed name: a second pipeline in the same account and region must not collide.
        const secret = new secretsmanager.Secret(this, id, {
          description: `API key of the relay's ${resolved.name} account. The generated value is a placeholder: put the real key here.`,
          // A random placeholder, so that no guessable value ever authenticates anywhere.
          generateSecretString: { passwordLength: 32, excludePunctuation: true },
        });
        secrets.set(resolved.name, { secret, id: secret.secretArn, arn: secret.secretArn });
      }
    }
    this.apiKeySecrets = Object.fromEntries(
      [...secrets].map(([name, { secret }]) => [name, secret]),
    );
    this.apiKeySecret = secrets.get(provider)?.secret as secretsmanager.ISecret;

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
        memorySize: name === "transfer" ? settings.transferMemorySize : spec.memorySize,
        timeout: Duration.seconds(spec.timeoutSeconds),
        tracing: tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
        logGroup,
        environment: {
          RELAY_FUNCTION: name,
          POWERTOOLS_SERVICE_NAME: "relay",
          POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
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

    const stateMachineLogs = new logs.LogGroup(this, "StateMachineLogs", {
      retention: logRetention,
    });
    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildRelayDefinition(this, {
          functions: fns,
          mapConcurrency: settings.mapConcurrency,
          pollInterval: settings.pollInterval,
          indexPollInterval: settings.indexPollInterval,
          maxConcurrentUploads: settings.maxConcurrentUploads,
          slotLease: settings.slotLease,
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
      eventPattern: objectCreatedPattern(this.bucket.bucketName, keyPrefix, settings.keySuffixes),
    });

    if (settings.alarms) {
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

    if (settings.dashboard) {
      this.dashboard = new RelayDashboard(this, "Dashboard", {
        namespace: settings.metricsNamespace,
        stateMachine: this.stateMachine,
        functions: fns,
        alarms: [this.executionsFailedAlarm, this.deadLetterAlarm].filter(
          (alarm): alarm is cloudwatch.Alarm => alarm !== undefined,
        ),
      });
    }

    // 3. Wire: env and least-privilege grants from the steps table, the rule's target.
    const envValues: Record<RelayEnvVar, string> = {
      TABLE_NAME: this.table.tableName,
      // JSON, with the secrets' ARNs as tokens: toJsonString resolves them at deploy time.
      PROVIDERS: Stack.of(this).toJsonString(
        Object.fromEntries(
          settings.providers.map((p) => [
            p.name,
            {
              baseUrl: p.baseUrl,
              secretId: secrets.get(p.name)?.id,
              allowedUrlHosts: p.allowedUrlHosts,
              maxFileSize: p.maxFileSize,
            },
          ]),
        ),
      ),
      ROUTES: JSON.stringify(settings.routes),
      CHUNKS_PER_BATCH: String(settings.chunksPerBatch),
      TRANSFER_CONCURRENCY: String(settings.transferConcurrency),
      MAX_POLLS: String(settings.maxPolls),
      MAX_INDEX_POLLS: String(settings.maxIndexPolls),
      VERIFY_ETAG: String(settings.verifyEtag),
      EVENT_BUS_NAME: this.eventBus.eventBusName,
      STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
    };
    const resourceArns: Record<RelayResource, string[]> = {
      table: [this.table.tableArn],
      // The objects only (no List*, no bucket-level reads), under the prefix only.
      sourceObjects: [this.bucket.arnForObjects(`${keyPrefix ?? ""}*`)],
      apiKeySecret: [...secrets.values()].map((s) => s.arn),
      eventBus: [this.eventBus.eventBusArn],
      stateMachine: [this.stateMachine.stateMachineArn],
    };
    for (const name of RELAY_FUNCTION_NAMES) {
      const fn = fns[name];
      const spec: StepSpec = RELAY_STEPS[name];
      for (const envVar of spec.env) fn.addEnvironment(envVar, envValues[envVar]);
      for (const [resource, actions] of Object.entries(spec.access) as [
        RelayResource,
        readonly string[],
      ][]) {
        // fail reads a key only to cancel a session: only the keys of providers that can.
        const resources =
          name === "fail" && resource === "apiKeySecret"
            ? settings.providers
                .filter((p) => PROVIDERS_KNOWN[p.name].cancelsSessions)
                .map((p) => secrets.get(p.name)?.arn as string)
            : resourceArns[resource];
        if (resources.length === 0) continue;
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources }));
      }
      // Customer-managed keys, when the user brought them: reading needs their Decrypt.
      if (spec.access.sourceObjects) this.bucket.encryptionKey?.grantDecrypt(fn);
      if (spec.access.apiKeySecret) {
        for (const { secret } of secrets.values()) secret.encryptionKey?.grantDecrypt(fn);
      }
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

/** Construct-id spelling of each provider. */
const PROVIDER_IDS: { readonly [P in RelayProvider]: string } = {
  twelvelabs: "TwelveLabs",
  spatialgen: "SpatialGen",
};

/** `create-session` → `CreateSession`, for construct ids. */
function toPascalCase(name: string): string {
  return name
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}
