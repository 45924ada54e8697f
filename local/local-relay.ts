/**
 * The whole relay on the embedded local stack: the CDK-synthesized template's state machine,
 * run by a local ASL interpreter whose Lambda tasks call the very handler code that is deployed;
 * the local S3 server as the drop bucket, whose object events reach the start handler through a
 * local Step Functions endpoint and the real SFN client; the table created from the template's
 * own definition; and the TwelveLabs sandbox (or a real API, when given a key).
 */

import "./polyfills.js";
import { CreateTableCommand, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { makeHandler as makeAdmit } from "../functions/admit/handler.js";
import { RELAY_DEFAULTS } from "../functions/core/config.js";
import { createProvider } from "../functions/core/providers/create-provider.js";
import type { RelaySettings, StepDeps } from "../functions/core/steps/step-deps.js";
import { UploadStore } from "../functions/core/upload-store.js";
import { makeHandler as makeCreateSession } from "../functions/create-session/handler.js";
import { makeHandler as makeFail } from "../functions/fail/handler.js";
import { makeHandler as makeFinish } from "../functions/finish/handler.js";
import { makeHandler as makePoll } from "../functions/poll/handler.js";
import { makeHandler as makeReport } from "../functions/report/handler.js";
import { lambdaHandler } from "../functions/runtime/lambda-handler.js";
import { makeHandler as makeStart } from "../functions/start/handler.js";
import { makeHandler as makeTransfer } from "../functions/transfer/handler.js";
import { synthRelayTemplate } from "../infra/synth-template.js";
import {
  LOCAL_CREDENTIALS,
  type LocalS3Event,
  type LocalStack,
  startLocalStack,
} from "./local-stack.js";
import type { PublishedEventsSink } from "./published-events.js";
import { createPublishedEvents } from "./published-events.js";
import { startLocalSfnEndpoint } from "./step-functions/local-sfn-endpoint.js";
import { LocalStateMachine } from "./step-functions/local-state-machine.js";
import { resolveStateMachine } from "./step-functions/resolve-definition.js";
import type { CfnTemplate } from "./step-functions/resolve-intrinsics.js";
import {
  startTwelveLabsSandbox,
  type TwelveLabsSandbox,
  type TwelveLabsSandboxOptions,
} from "./twelvelabs-sandbox/index.js";

/** Options of {@link startLocalRelay}. */
export interface LocalRelayOptions {
  /** Drop bucket name. @default "relay-drop" */
  readonly bucket?: string;
  /** Table name. @default "relay-uploads" */
  readonly tableName?: string;
  /** Sandbox options (ignored with `remote`). */
  readonly sandbox?: Omit<TwelveLabsSandboxOptions, "s3" | "s3Endpoint">;
  /** A real TwelveLabs API instead of the sandbox. */
  readonly remote?: { readonly baseUrl: string; readonly apiKey: string };
  /**
   * Largest object the relay admits, in bytes; the sandbox gets the same limit. Tests lower it
   * to prove the over-limit rejection without writing 4 GB. @default the provider's limit
   */
  readonly maxFileSize?: number;
  /** Step tunables; the rest come from the synthesized functions' environment. */
  readonly settings?: Partial<RelaySettings>;
  /** Seconds every Wait state lasts locally. @default 0.2 */
  readonly waitSeconds?: number;
  /** Seconds between Step Functions retries locally. @default 0.05 */
  readonly retryIntervalSeconds?: number;
  /** Start an execution for every object created in the drop bucket. @default true */
  readonly watchBucket?: boolean;
}

/** A running local relay. */
export interface LocalRelay {
  readonly stack: LocalStack;
  readonly sandbox: TwelveLabsSandbox | undefined;
  readonly bucket: string;
  readonly store: UploadStore;
  readonly machine: LocalStateMachine;
  readonly stateMachineArn: string;
  readonly sfn: SFNClient;
  /** Every event the finish and fail steps published. */
  readonly events: PublishedEventsSink;
  /** The synthesized template the relay runs. */
  readonly template: CfnTemplate;
  /** Handles one S3 object event the way EventBridge and the start function would. */
  onObjectEvent(event: LocalS3Event): Promise<void>;
  /** Closes everything and removes every temp file. */
  stop(): Promise<void>;
}

/** Starts the relay on the embedded local stack. */
export async function startLocalRelay(options: LocalRelayOptions = {}): Promise<LocalRelay> {
  const bucket = options.bucket ?? "relay-drop";
  const tableName = options.tableName ?? "relay-uploads";
  const template = synthRelayTemplate() as CfnTemplate;
  const resolved = resolveStateMachine(template);
  const fnEnv = environmentOf(resolved.functionsByArn, "transfer");

  const stack = await startLocalStack({ buckets: [bucket] });
  const cleanups: (() => Promise<void>)[] = [() => stack.stop()];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    await stack.dynamodb.client.send(new CreateTableCommand(tableInputOf(template, tableName)));

    let sandbox: TwelveLabsSandbox | undefined;
    let api = options.remote;
    let allowedUrlHosts = (fnEnv.ALLOWED_URL_HOSTS ?? "").split(",").filter(Boolean);
    let insecureHosts: string[] = [];
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
      // The URL policy judges host names; the sandbox's part host carries its port.
      const partHostname = new URL(`http://${sandbox.partHost}`).hostname;
      allowedUrlHosts = [partHostname];
      insecureHosts = [partHostname];
    }
    const apiKey = api.apiKey;

    const store = UploadStore.fromClient(stack.dynamodb.client, { tableName });
    const events = createPublishedEvents();
    const settings: RelaySettings = {
      chunksPerBatch: Number(fnEnv.CHUNKS_PER_BATCH ?? RELAY_DEFAULTS.chunksPerBatch),
      transferConcurrency: Number(fnEnv.TRANSFER_CONCURRENCY ?? RELAY_DEFAULTS.transferConcurrency),
      maxPolls: Number(fnEnv.MAX_POLLS ?? RELAY_DEFAULTS.maxPolls),
      verifyEtag: (fnEnv.VERIFY_ETAG ?? String(RELAY_DEFAULTS.verifyEtag)) === "true",
      urlRefreshMarginMs: RELAY_DEFAULTS.urlRefreshMarginSeconds * 1000,
      ...options.settings,
    };
    const deps: StepDeps = {
      store,
      provider: createProvider({
        provider: "twelvelabs",
        baseUrl: api.baseUrl,
        apiKey: async () => apiKey,
        allowedUrlHosts,
        insecureHosts,
        ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
      }),
      s3: stack.s3.client,
      events,
      settings,
    };
    // The same wrapper as on Lambda, so local runs exercise (and tests search) the same logs.
    const local = <Out>(name: string, make: (d: StepDeps) => (e: unknown) => Promise<Out>) =>
      lambdaHandler(name, make, () => deps);
    const handlers = {
      admit: local("admit", makeAdmit),
      "create-session": local("create-session", makeCreateSession),
      transfer: local("transfer", makeTransfer),
      report: local("report", makeReport),
      poll: local("poll", makePoll),
      finish: local("finish", makeFinish),
      fail: local("fail", makeFail),
    };
    const machine = new LocalStateMachine({
      definition: resolved.definition,
      functionsByArn: resolved.functionsByArn,
      handlers,
      waitTimeOverride: options.waitSeconds ?? 0.2,
      retryIntervalOverride: options.retryIntervalSeconds ?? 0.05,
    });
    cleanups.push(async () => machine.abortAll());

    const stateMachineArn = resolved.stateMachineArn;
    const endpoint = await startLocalSfnEndpoint([{ arn: stateMachineArn, machine }]);
    cleanups.push(() => endpoint.stop());
    const sfn = new SFNClient({
      region: stack.region,
      endpoint: endpoint.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    cleanups.push(async () => sfn.destroy());
    const startHandler = lambdaHandler("start", makeStart, () => ({ sfn, stateMachineArn }));

    const onObjectEvent = async (event: LocalS3Event): Promise<void> => {
      if (event.bucket !== bucket || !event.eventName.startsWith("ObjectCreated:")) return;
      await startHandler(toEventBridgeEvent(event));
    };
    if (options.watchBucket ?? true) {
      stack.events.on("object", (event) => {
        onObjectEvent(event).catch((error: unknown) => {
          events.errors.push(error);
        });
      });
    }

    return {
      stack,
      sandbox,
      bucket,
      store,
      machine,
      stateMachineArn,
      sfn,
      events,
      template,
      onObjectEvent,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The EventBridge "Object Created" event S3 would send for a local object event. */
export function toEventBridgeEvent(event: LocalS3Event): Record<string, unknown> {
  return {
    version: "0",
    id: `local-${event.sequencer}`,
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "000000000000",
    time: event.eventTime,
    region: "us-east-1",
    resources: [`arn:aws:s3:::${event.bucket}`],
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

function environmentOf(
  functionsByArn: Record<
    string,
    { relayFunction: string | undefined; environment: Record<string, string> }
  >,
  relayFunction: string,
): Record<string, string | undefined> {
  const fn = Object.values(functionsByArn).find((f) => f.relayFunction === relayFunction);
  return fn?.environment ?? {};
}

/** CreateTable input from the template's own table definition. */
function tableInputOf(template: CfnTemplate, tableName: string): CreateTableCommandInput {
  const tables = Object.values(template.Resources ?? {}).filter(
    (r) => r.Type === "AWS::DynamoDB::Table",
  );
  if (tables.length !== 1) {
    throw new Error(`expected one DynamoDB table in the template, found ${tables.length}`);
  }
  const props = (tables[0]?.Properties ?? {}) as Pick<
    CreateTableCommandInput,
    "KeySchema" | "AttributeDefinitions"
  >;
  return {
    TableName: tableName,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    BillingMode: "PAY_PER_REQUEST",
  };
}
