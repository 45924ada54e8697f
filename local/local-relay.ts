/**
 * The whole relay on the embedded local stack, as a deployment of the synthesized cloud
 * assembly: every function runs its shipped esbuild bundle in its own worker, with exactly its
 * synthesized environment (plus local endpoints and its own credentials) and its timeout; every
 * AWS call a function makes passes an IAM gate that evaluates its role's synthesized policies;
 * the state machine's definition comes from the template and invokes functions only as its role
 * allows; S3 "Object Created" events reach the start function only through the template's
 * EventBridge rule. A wiring fault that would break the deployed stack breaks this one.
 */

import "./polyfills.js";
import { CreateTableCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { PROVIDER_DEFAULTS } from "../functions/core/config/defaults.js";
import { EVENT_SOURCE, type RelayEvents } from "../functions/core/event-publisher.js";
import { UploadStore } from "../functions/core/upload-store.js";
import { RELAY_CONTEXT_KEYS } from "../infra/relay-stack.js";
import { type RelayAssembly, synthRelayAssembly } from "../infra/synth-template.js";
import { type AwsFaultInjector, type AwsFaultOptions, createAwsFaults } from "./aws/aws-faults.js";
import {
  type GateDecision,
  type GatedService,
  type GatePrincipal,
  type IamGate,
  startIamGate,
} from "./aws/iam-gate.js";
import { type LocalEventBridge, startLocalEventBridge } from "./aws/local-eventbridge.js";
import { startLocalSecretsManager } from "./aws/local-secrets-manager.js";
import { type DeployedFunction, type DeployedStack, readDeployedStack } from "./deployed-stack.js";
import { LambdaConcurrency, LocalLambda } from "./lambda/local-lambda.js";
import { type LocalS3Event, type LocalStack, startLocalStack } from "./local-stack.js";
import { createPublishedEvents, type PublishedEventsSink } from "./published-events.js";
import {
  type SpatialGenSandbox,
  type SpatialGenSandboxOptions,
  startSpatialGenSandbox,
} from "./spatialgen-sandbox/index.js";
import { LocalDefinitionError } from "./step-functions/errors.js";
import { LOCAL_ACCOUNT_ID, LOCAL_ARN_REGION } from "./step-functions/local-arns.js";
import { startLocalSfnEndpoint } from "./step-functions/local-sfn-endpoint.js";
import { type LocalHandler, LocalStateMachine } from "./step-functions/local-state-machine.js";
import { resolveStateMachine } from "./step-functions/resolve-definition.js";
import type { CfnTemplate } from "./step-functions/resolve-intrinsics.js";
import { synthRelayAssemblyInChild } from "./synth-in-child.js";
import {
  startTwelveLabsSandbox,
  type TwelveLabsSandbox,
  type TwelveLabsSandboxOptions,
} from "./twelvelabs-sandbox/index.js";

/** Tunables passed to the synthesized app as its CDK context. */
export interface LocalRelaySettings {
  readonly chunksPerBatch?: number;
  readonly transferConcurrency?: number;
  readonly mapConcurrency?: number;
  readonly maxPolls?: number;
  readonly verifyEtag?: boolean;
}

/** A template as the local relay deploys it; tests may change it to break the wiring. */
export type MutableTemplate = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
};

/** Options of {@link startLocalRelay}. */
export interface LocalRelayOptions {
  /** Drop bucket name (the local physical name of the template's bucket). @default "relay-drop" */
  readonly bucket?: string;
  /** Sandbox options (ignored with `remote`). */
  readonly sandbox?: Omit<TwelveLabsSandboxOptions, "s3" | "s3Endpoint">;
  /**
   * Start a SpatialGen sandbox too, with these options, and point the deployment's SpatialGen
   * connection at it: the default provider's when the context's `relay:provider` is
   * `spatialgen`, else `relay:providers.spatialgen` (for `relay:routes` that name it).
   * @default - started when the context names spatialgen, with the sandbox's defaults
   */
  readonly spatialgen?: Omit<SpatialGenSandboxOptions, "s3" | "s3Endpoint">;
  /** A real TwelveLabs API instead of the sandbox. */
  readonly remote?: { readonly baseUrl: string; readonly apiKey: string };
  /**
   * Hosts presigned URLs may point at, besides the provider's own (the `allowedUrlHosts` prop):
   * for a remote API whose URLs are not on AWS, such as `npm run sandbox`'s 127.0.0.1.
   * @default none
   */
  readonly allowUrlHosts?: readonly string[];
  /**
   * Largest object the relay admits, in bytes (the `maxFileSize` prop); the sandbox gets the
   * same limit. @default the provider's limit
   */
  readonly maxFileSize?: number;
  /** Pipeline tunables, synthesized into the template as the app's context. */
  readonly settings?: LocalRelaySettings;
  /** More CDK context for the synthesized app (`relay:*` keys). */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Changes the synthesized template before it is deployed locally (the bundles stay those
   * of the assembly). For tests that break the wiring on purpose.
   */
  readonly alterTemplate?: (template: MutableTemplate) => void;
  /** Seconds every Wait state lasts locally. @default 0.2 */
  readonly waitSeconds?: number;
  /**
   * Seconds of the first retry of every Step Functions Retry rule locally; each rule keeps its
   * backoff, its `MaxDelaySeconds` (scaled alike), its jitter and its attempts. @default 0.05
   */
  readonly retryIntervalSeconds?: number;
  /**
   * The account's Lambda concurrency limit: invocations running at once over every function.
   * A Task over it (or over its function's `ReservedConcurrentExecutions`) fails with
   * `Lambda.TooManyRequestsException`; an event for `start` waits in the async queue.
   * @default 1000, a fresh account's
   */
  readonly lambdaConcurrencyLimit?: number;
  /**
   * Run the local S3 and DynamoDB servers in a process of their own (see `startLocalStack`),
   * so the fake cloud's work does not queue behind the relay's. @default false
   */
  readonly separateStorageProcess?: boolean;
  /**
   * Synthesize the app in a child process, so that aws-cdk-lib and esbuild leave nothing in
   * this one (synthesis grows a process by about 300 MiB for good). @default false
   */
  readonly synthInChildProcess?: boolean;
  /**
   * Run each function environment as a child process of its own, as Lambda gives each a
   * sandbox, instead of a worker thread of this process: its memory is then its own RSS and
   * its garbage collection and CPU are not this process's. @default false (threads start quicker)
   */
  readonly functionProcesses?: boolean;
  /** Start an execution for every object created in the drop bucket. @default true */
  readonly watchBucket?: boolean;
  /** Receives every line a function writes (its CloudWatch Logs). @default kept in `logs` */
  readonly onLog?: (line: string, functionName: string) => void;
  /**
   * AWS-side faults (S3 `SlowDown`, DynamoDB throttling) the IAM gate injects into the
   * functions' allowed calls; `principals` defaults to the functions. @default none
   */
  readonly awsFaults?: AwsFaultOptions;
}

/** A running local relay. */
export interface LocalRelay {
  readonly stack: LocalStack;
  readonly sandbox: TwelveLabsSandbox | undefined;
  /** The SpatialGen sandbox, when the deployment sends to SpatialGen. */
  readonly spatialgen: SpatialGenSandbox | undefined;
  readonly bucket: string;
  /** The upload store, read directly (an operator's view, not a function's). */
  readonly store: UploadStore;
  readonly machine: LocalStateMachine;
  readonly stateMachineArn: string;
  /** Every event the relay published on its bus. */
  readonly events: PublishedEventsSink;
  /** The synthesized template the relay runs, as deployed (after `alterTemplate`). */
  readonly template: CfnTemplate;
  /** What the template deploys, resolved to local names. */
  readonly deployed: DeployedStack;
  /** Every decision of the IAM gate, in order. */
  readonly decisions: readonly GateDecision[];
  /** The gate's AWS fault injector: its `counts()`, and `set()` to change rates mid-run. */
  readonly awsFaults: AwsFaultInjector;
  /** An operator's admin access through the IAM gate, as the `relay` CLI reaches the stack. */
  readonly operator: LocalOperator;
  /** The running functions, by logical id. */
  readonly lambdas: ReadonlyMap<string, LocalLambda>;
  /** The account's Lambda concurrency: its `stats` count throttles and the peak in flight. */
  readonly lambdaConcurrency: LambdaConcurrency;
  /** Every line the functions wrote, prefixed with the function's logical id. */
  readonly logs: readonly string[];
  /** Events the rule could not deliver to its target (its dead-letter queue). */
  readonly deadLetters: readonly unknown[];
  /** Handles one S3 object event the way S3, EventBridge and the start function would. */
  onObjectEvent(event: LocalS3Event): Promise<void>;
  /**
   * Resolves once every event put on a bus so far has reached its rules' targets and their
   * invocations have ended, retries and throttling waits included: after it, the executions
   * the S3 events seen so far start exist. No timeout: a slow machine waits longer.
   */
  delivered(): Promise<void>;
  /** Closes everything and removes every temp file. */
  stop(): Promise<void>;
}

/** An operator's credentials (admin: Allow `*` on `*`) and the IAM gate's endpoint per service. */
export interface LocalOperator {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly endpoints: Partial<Record<GatedService, string>>;
}

/**
 * The operator principal: an IAM user with admin rights, as whoever runs `relay` against a
 * deployed stack has. Its calls pass the gate like any caller's, so a request the gate cannot
 * map still fails locally as an unknown one; awsFaults never fault it (not a function).
 */
const OPERATOR: GatePrincipal = {
  name: "Operator",
  principalArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/relay-operator`,
  accessKeyId: "LOCALOPERATOR",
  identityPolicies: [
    {
      name: "AdministratorAccess",
      policy: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
      },
    },
  ],
};

/** Starts the relay on the embedded local stack. */
export async function startLocalRelay(options: LocalRelayOptions = {}): Promise<LocalRelay> {
  const bucket = options.bucket ?? "relay-drop";
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse())
      await Promise.resolve(cleanup()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const stack = await startLocalStack({
      buckets: [bucket],
      separateProcess: options.separateStorageProcess ?? false,
    });
    cleanups.push(() => stack.stop());

    let sandbox: TwelveLabsSandbox | undefined;
    let api = options.remote;
    const context: Record<string, unknown> = { ...contextOf(options.settings) };
    if (options.maxFileSize !== undefined)
      context[RELAY_CONTEXT_KEYS.maxFileSize] = options.maxFileSize;
    if (!api) {
      sandbox = await startTwelveLabsSandbox({
        ...(options.maxFileSize !== undefined ? { maxTotalSize: options.maxFileSize } : {}),
        ...options.sandbox,
        s3: stack.s3.client,
        s3Endpoint: stack.s3.endpoint,
      });
      const started = sandbox;
      cleanups.push(() => started.stop());
      api = { baseUrl: sandbox.baseUrl, apiKey: sandbox.apiKey };
      // The deployment points at the sandbox like any other provider endpoint: its props.
      context[RELAY_CONTEXT_KEYS.providerBaseUrl] = sandbox.baseUrl;
      context[RELAY_CONTEXT_KEYS.allowedUrlHosts] = new URL(`http://${sandbox.partHost}`).hostname;
    } else {
      context[RELAY_CONTEXT_KEYS.providerBaseUrl] = api.baseUrl;
    }
    if (options.allowUrlHosts && options.allowUrlHosts.length > 0) {
      const current = context[RELAY_CONTEXT_KEYS.allowedUrlHosts];
      const base =
        typeof current === "string" ? [current] : PROVIDER_DEFAULTS.twelvelabs.allowedUrlHosts;
      context[RELAY_CONTEXT_KEYS.allowedUrlHosts] = [...base, ...options.allowUrlHosts];
    }
    let spatialgen: SpatialGenSandbox | undefined;
    const named = JSON.stringify(options.context ?? {}).includes("spatialgen");
    if (options.spatialgen || named) {
      spatialgen = await startSpatialGenSandbox({
        ...options.spatialgen,
        s3: stack.s3.client,
        s3Endpoint: stack.s3.endpoint,
      });
      const started = spatialgen;
      cleanups.push(() => started.stop());
    }
    Object.assign(context, options.context);
    if (spatialgen) {
      const connection = {
        baseUrl: spatialgen.baseUrl,
        allowedUrlHosts: [new URL(`http://${spatialgen.partHost}`).hostname],
      };
      if (context[RELAY_CONTEXT_KEYS.provider] === "spatialgen") {
        context[RELAY_CONTEXT_KEYS.providerBaseUrl] = connection.baseUrl;
        context[RELAY_CONTEXT_KEYS.allowedUrlHosts] = connection.allowedUrlHosts;
      } else {
        const providers = parseContextJson(context[RELAY_CONTEXT_KEYS.providers]) ?? {};
        context[RELAY_CONTEXT_KEYS.providers] = {
          ...providers,
          spatialgen: { ...connection, ...(providers.spatialgen ?? {}) },
        };
      }
    }

    const assembly: RelayAssembly = options.synthInChildProcess
      ? await synthRelayAssemblyInChild(context)
      : synthRelayAssembly({ context });
    cleanups.push(() => assembly.dispose());
    const template = structuredClone(assembly.template) as MutableTemplate;
    options.alterTemplate?.(template);
    const bucketLogicalId = onlyOfType(template, "AWS::S3::Bucket");
    const localTemplate: CfnTemplate = {
      ...(template as CfnTemplate),
      LocalPhysicalNames: { [bucketLogicalId]: bucket },
    };
    const deployed = readDeployedStack(localTemplate, assembly.directory);
    const resolved = resolveStateMachine(localTemplate);

    for (const table of deployed.tables) {
      await stack.dynamodb.client.send(new CreateTableCommand(tableInputOf(table)));
    }
    // The operator's step after deploy: put each provider's API key in its secret. Which
    // secret is whose, the functions' own PROVIDERS variable says.
    const keyOf = secretProviders(deployed);
    const apiKeys: Record<string, string> = {
      twelvelabs: api.apiKey,
      ...(spatialgen ? { spatialgen: spatialgen.apiKey } : {}),
    };
    const secrets = await startLocalSecretsManager({
      secrets: deployed.secrets.map((s) => ({
        arn: s.arn,
        name: s.name,
        value: apiKeys[keyOf.get(s.arn) ?? keyOf.get(s.name) ?? "twelvelabs"] ?? api.apiKey,
      })),
    });
    cleanups.push(() => secrets.stop());
    const eventBridge: LocalEventBridge = await startLocalEventBridge({
      region: LOCAL_ARN_REGION,
      account: LOCAL_ACCOUNT_ID,
    });
    cleanups.push(() => eventBridge.stop());

    // Each Task invokes its function with the state machine's role, as Step Functions does.
    // The gate and the functions come later (the gate fronts this machine's endpoint); the
    // handlers reach them only when an execution runs.
    const lambdas = new Map<string, LocalLambda>();
    const lambdaConcurrency = new LambdaConcurrency({
      accountLimit: options.lambdaConcurrencyLimit,
    });
    let gate: IamGate | undefined;
    const taskHandlers: Record<string, LocalHandler> = {};
    for (const [arn, fn] of Object.entries(resolved.functionsByArn)) {
      if (fn.relayFunction === undefined) continue;
      taskHandlers[fn.relayFunction] = async (input) => {
        const lambda = lambdas.get(fn.logicalId);
        if (!gate || !lambda) throw new LocalDefinitionError(`${fn.logicalId} is not deployed`);
        const decision = await gate.authorize(
          resolved.logicalId,
          "lambda",
          "lambda:InvokeFunction",
          arn,
        );
        if (!decision.allowed) {
          const error = new Error(decision.reason ?? "not authorized to invoke the function");
          error.name = "Lambda.AWSLambdaException";
          throw error;
        }
        return lambda.invoke(input);
      };
    }
    const machine = new LocalStateMachine({
      definition: resolved.definition,
      functionsByArn: resolved.functionsByArn,
      handlers: taskHandlers,
      stateMachineArn: resolved.stateMachineArn,
      waitTimeOverride: options.waitSeconds ?? 0.2,
      retryIntervalOverride: options.retryIntervalSeconds ?? 0.05,
    });
    cleanups.push(() => machine.abortAll());
    const sfnEndpoint = await startLocalSfnEndpoint([{ arn: resolved.stateMachineArn, machine }]);
    cleanups.push(() => sfnEndpoint.stop());

    const bucketPolicy = deployed.buckets.find((b) => b.bucketName === bucket)?.policy;
    const machineRole = deployed.stateMachineRoles[resolved.logicalId];
    // Only the functions' calls are faulted: the harness's and the state machine's are not.
    const awsFaults = createAwsFaults({
      principals: deployed.functions.map((fn) => fn.logicalId),
      ...options.awsFaults,
    });
    const iamGate = await startIamGate({
      account: LOCAL_ACCOUNT_ID,
      region: LOCAL_ARN_REGION,
      upstreams: {
        s3: stack.s3.endpoint,
        dynamodb: stack.dynamodb.endpoint,
        secretsmanager: secrets.endpoint,
        events: eventBridge.endpoint,
        states: sfnEndpoint.endpoint,
      },
      principals: [
        ...deployed.functions.map((fn) => ({
          name: fn.logicalId,
          principalArn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${fn.role.roleName}/${fn.logicalId}`,
          accessKeyId: `LOCAL${fn.logicalId.toUpperCase()}`.slice(0, 128),
          identityPolicies: fn.role.policies,
        })),
        ...(machineRole
          ? [
              {
                name: resolved.logicalId,
                principalArn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${machineRole.roleName}/states`,
                accessKeyId: `LOCAL${resolved.logicalId.toUpperCase()}`,
                identityPolicies: machineRole.policies,
              },
            ]
          : []),
        OPERATOR,
      ],
      resourcePolicy: (service, arn) =>
        service === "s3" && arn.startsWith(`arn:aws:s3:::${bucket}`) ? bucketPolicy : undefined,
      resolveSecretArn: (id) => secrets.resolveArn(id),
      faults: awsFaults,
    });
    gate = iamGate;
    cleanups.push(() => iamGate.stop());

    // Lambda delivers a function's lines to its log group with the function's role: a role
    // that may not write there loses them, silently, as on AWS.
    const logs: string[] = [];
    const logDelivery = new Map<string, Promise<boolean>>();
    const mayLog = (fn: DeployedFunction): Promise<boolean> => {
      let allowed = logDelivery.get(fn.logicalId);
      if (!allowed) {
        const stream = `arn:aws:logs:${LOCAL_ARN_REGION}:${LOCAL_ACCOUNT_ID}:log-group:${fn.logGroupName}:log-stream:local`;
        allowed = Promise.all(
          ["logs:CreateLogStream", "logs:PutLogEvents"].map((action) =>
            iamGate.authorize(fn.logicalId, "logs", action, stream),
          ),
        ).then((decisions) => decisions.every((d) => d.allowed));
        logDelivery.set(fn.logicalId, allowed);
      }
      return allowed;
    };
    const onLog = (fn: DeployedFunction) => (line: string) => {
      void mayLog(fn).then((allowed) => {
        if (!allowed) return;
        logs.push(`${fn.logicalId} ${line}`);
        options.onLog?.(line, fn.logicalId);
      });
    };
    for (const fn of deployed.functions) {
      const lambda = new LocalLambda({
        functionName: fn.logicalId,
        codeDirectory: fn.codeDirectory,
        handler: fn.handler,
        environment: {
          ...lambdaRuntimeEnvironment(fn),
          ...fn.environment,
          ...iamGate.envFor(fn.logicalId),
        },
        timeoutSeconds: fn.timeoutSeconds,
        memorySizeMb: fn.memorySizeMb,
        onLog: onLog(fn),
        concurrency: lambdaConcurrency,
        reservedConcurrency: reservedConcurrencyOf(localTemplate, fn.logicalId),
        isolation: options.functionProcesses ? "process" : "thread",
      });
      lambdas.set(fn.logicalId, lambda);
      cleanups.push(() => lambda.stop());
    }

    const events = createPublishedEvents();
    const relayBuses = new Set(deployed.eventBuses.map((b) => b.name));
    eventBridge.emitter.on("event", (event) => {
      if (event.source !== EVENT_SOURCE || !relayBuses.has(event.busName)) return;
      void events.publish(
        event.detailType as keyof RelayEvents,
        event.detail as RelayEvents[keyof RelayEvents],
      );
    });

    // The template's rules, each delivering to the functions it has permission to invoke.
    const deadLetters: unknown[] = [];
    for (const rule of deployed.rules) {
      for (const target of rule.targetFunctions) {
        const lambda = lambdas.get(target);
        const fn = deployed.functions.find((f) => f.logicalId === target);
        if (!lambda || !fn) continue;
        eventBridge.addRule({
          name: rule.logicalId,
          eventBusName: rule.eventBusName,
          eventPattern: rule.eventPattern,
          target: (event) =>
            lambda
              .invokeAsync(event, { retryAttempts: fn.asyncRetryAttempts })
              .catch((error: unknown) => {
                deadLetters.push({ event, error });
                events.errors.push(error);
              }),
        });
      }
    }

    const eventBridgeBuckets = new Set(
      deployed.buckets.filter((b) => b.eventBridgeEnabled).map((b) => b.bucketName),
    );
    const onObjectEvent = async (event: LocalS3Event): Promise<void> => {
      // S3 sends to EventBridge only for buckets whose notifications say so.
      if (!eventBridgeBuckets.has(event.bucket) || !event.eventName.startsWith("ObjectCreated:")) {
        return;
      }
      eventBridge.putEvent(toEventBridgeEntry(event));
      // The rule's targets run asynchronously; callers wait for their deliveries.
      await eventBridge.settled();
    };
    if (options.watchBucket ?? true) {
      stack.events.on("object", (event) => {
        onObjectEvent(event).catch((error: unknown) => events.errors.push(error));
      });
    }

    const table = deployed.tables[0];
    if (!table) throw new LocalDefinitionError("the template has no DynamoDB table");

    return {
      stack,
      sandbox,
      spatialgen,
      bucket,
      store: UploadStore.fromClient(stack.dynamodb.client, { tableName: table.tableName }),
      machine,
      stateMachineArn: resolved.stateMachineArn,
      events,
      template: localTemplate,
      deployed,
      decisions: iamGate.decisions,
      operator: {
        accessKeyId: OPERATOR.accessKeyId,
        secretAccessKey: iamGate.envFor(OPERATOR.name).AWS_SECRET_ACCESS_KEY ?? "",
        endpoints: iamGate.endpoints,
      },
      awsFaults,
      lambdas,
      lambdaConcurrency,
      logs,
      deadLetters,
      onObjectEvent,
      delivered: () => eventBridge.settled(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A function's `ReservedConcurrentExecutions` in the template, if it sets one. */
function reservedConcurrencyOf(template: CfnTemplate, logicalId: string): number | undefined {
  const value = template.Resources?.[logicalId]?.Properties?.ReservedConcurrentExecutions;
  if (value === undefined) return undefined;
  if (typeof value !== "number") {
    throw new LocalDefinitionError(`${logicalId}: ReservedConcurrentExecutions is not a number`);
  }
  return value;
}

/** The variables Lambda itself sets in every function's environment. */
function lambdaRuntimeEnvironment(fn: DeployedFunction): Record<string, string> {
  return {
    AWS_REGION: LOCAL_ARN_REGION,
    AWS_DEFAULT_REGION: LOCAL_ARN_REGION,
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.logicalId}`,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    LAMBDA_TASK_ROOT: fn.codeDirectory,
    TZ: ":UTC",
  };
}

/** A context value that is JSON text or already an object. */
function parseContextJson(value: unknown): Record<string, Record<string, unknown>> | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return (typeof value === "string" ? JSON.parse(value) : value) as Record<
    string,
    Record<string, unknown>
  >;
}

/** Provider of each secret id (ARN or name), from the deployed functions' `PROVIDERS`. */
function secretProviders(deployed: DeployedStack): Map<string, string> {
  const found = new Map<string, string>();
  for (const fn of deployed.functions) {
    const text = fn.environment.PROVIDERS;
    if (!text) continue;
    const providers = JSON.parse(text) as Record<string, { secretId?: string }>;
    for (const [name, config] of Object.entries(providers)) {
      if (config.secretId) found.set(config.secretId, name);
    }
  }
  return found;
}

/** The relay context keys of the given tunables. */
function contextOf(settings: LocalRelaySettings = {}): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  const keys = RELAY_CONTEXT_KEYS as Readonly<Record<string, string>>;
  for (const [name, value] of Object.entries(settings)) {
    const key = keys[name];
    if (key === undefined) throw new Error(`unknown relay setting ${name}`);
    if (value !== undefined) context[key] = typeof value === "boolean" ? String(value) : value;
  }
  return context;
}

/** The PutEvents entry S3 sends to EventBridge for a local object event. */
function toEventBridgeEntry(event: LocalS3Event) {
  return {
    source: "aws.s3",
    detailType: "Object Created",
    resources: [`arn:aws:s3:::${event.bucket}`],
    time: event.eventTime,
    detail: {
      version: "0",
      bucket: { name: event.bucket },
      object: { key: event.key, size: event.size, etag: event.etag, sequencer: event.sequencer },
      reason: event.eventName.endsWith("CompleteMultipartUpload")
        ? "CompleteMultipartUpload"
        : "PutObject",
    },
  };
}

function onlyOfType(template: MutableTemplate, type: string): string {
  const ids = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);
  if (ids.length !== 1) {
    throw new LocalDefinitionError(`expected one ${type} in the template, found ${ids.length}`);
  }
  return ids[0] as string;
}

/** CreateTable input from the template's own table definition. */
function tableInputOf(table: DeployedStack["tables"][number]): CreateTableCommandInput {
  const props = table.properties as Pick<
    CreateTableCommandInput,
    "KeySchema" | "AttributeDefinitions"
  >;
  return {
    TableName: table.tableName,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    BillingMode: "PAY_PER_REQUEST",
  };
}
