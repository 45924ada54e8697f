import { App, Duration, Lazy, RemovalPolicy, Stack, Token } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as events from "aws-cdk-lib/aws-events";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { describe, expect, it } from "vitest";
import { RELAY_FUNCTION_NAMES } from "../../functions/core/step-registry.js";
import {
  objectCreatedPattern,
  RelayPipeline,
  type RelayPipelineProps,
  validateRelayPipelineProps,
} from "../../infra/relay-pipeline.js";
import { pipelinePropsFromContext, RelayStack } from "../../infra/relay-stack.js";
import { synthRelayTemplate } from "../../infra/synth-template.js";
import {
  actionsOf,
  buildStack,
  providersEnv,
  relayFunctions,
  resolveDefinition,
  resourcesOfType,
  roleStatements,
  TEST_ENV,
} from "./template-helpers.js";

/** Builds a bare pipeline (no bundling) and returns what it threw, or undefined. */
function constructError(props: RelayPipelineProps): Error | undefined {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new Stack(app, "S", { env: TEST_ENV });
  try {
    new RelayPipeline(stack, "Relay", props);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe("Construct: RelayPipeline, props validation", () => {
  it("rejects existingBucket together with bucketProps, naming both", () => {
    const stack = new Stack();
    const existingBucket = s3.Bucket.fromBucketName(stack, "B", "drop");
    expect(() => new RelayPipeline(stack, "Relay", { existingBucket, bucketProps: {} })).toThrow(
      /existingBucket and bucketProps are mutually exclusive/,
    );
  });

  it("rejects apiKeySecret together with apiKeySecretName, naming both", () => {
    const stack = new Stack();
    const apiKeySecret = secretsmanager.Secret.fromSecretNameV2(stack, "S", "k");
    expect(
      () => new RelayPipeline(stack, "Relay", { apiKeySecret, apiKeySecretName: "k" }),
    ).toThrow(/apiKeySecret and apiKeySecretName are mutually exclusive/);
  });

  it.each([
    [{ chunksPerBatch: 0 }, /chunksPerBatch must be an integer in 1\.\.50, got 0/],
    [{ chunksPerBatch: 51 }, /chunksPerBatch/],
    [{ chunksPerBatch: 2.5 }, /chunksPerBatch/],
    [{ transferConcurrency: 33 }, /transferConcurrency must be an integer in 1\.\.32/],
    [{ mapConcurrency: 0 }, /mapConcurrency must be an integer in 1\.\.40/],
    [{ mapConcurrency: 41 }, /mapConcurrency/],
    [{ maxPolls: 0 }, /maxPolls/],
    [{ maxFileSize: 0 }, /maxFileSize must be an integer in 1\.\.5497558138880, got 0/],
    [{ maxFileSize: 5 * 1024 ** 4 + 1 }, /maxFileSize/],
    [{ maxConcurrentUploads: 0 }, /maxConcurrentUploads must be an integer in 1\.\.1000, got 0/],
    [{ maxConcurrentUploads: 1001 }, /maxConcurrentUploads/],
    [{ maxConcurrentUploads: 2.5 }, /maxConcurrentUploads/],
    [{ transferMemorySize: 64 }, /transferMemorySize/],
    [{ pollInterval: Duration.millis(1500) }, /pollInterval must be whole seconds/],
    [
      { indexPollInterval: Duration.hours(2) },
      /indexPollInterval must be whole seconds in 1\.\.3600/,
    ],
    [{ maxIndexPolls: 0 }, /maxIndexPolls must be an integer in 1\.\.100000/],
    [{ indexId: " " }, /indexId must not be empty/],
    [{ metricsNamespace: "AWS/Relay" }, /metricsNamespace must not start with AWS\//],
    [{ metricsNamespace: "a b" }, /metricsNamespace must be 1\.\.255/],
    [
      { routes: [{ keyPrefix: "sg/", provider: "spatialgen", indexId: "i" }] },
      /routes\[0\]: indexId is TwelveLabs' only/,
    ],
    [{ pollInterval: Duration.hours(2) }, /pollInterval/],
    [{ providerBaseUrl: "http://api.twelvelabs.io/v1.3" }, /providerBaseUrl must be https/],
    [{ providerBaseUrl: "not a url" }, /providerBaseUrl is not a URL/],
    [{ allowedUrlHosts: [] }, /allowedUrlHosts must not be empty/],
    [{ allowedUrlHosts: ["a.com,b.com"] }, /allowedUrlHosts entry "a.com,b.com"/],
    [{ allowedUrlHosts: ["*"] }, /allowedUrlHosts entry "\*"/],
    [{ keySuffixes: [".mp4", ""] }, /keySuffixes must not contain an empty string/],
    [{ apiKeySecretName: " " }, /apiKeySecretName must not be empty/],
    [
      { bucketProps: { eventBridgeEnabled: false } },
      /bucketProps.eventBridgeEnabled cannot be false/,
    ],
    [{ provider: "vimeo" as "twelvelabs" }, /provider must be one of twelvelabs, spatialgen/],
    [
      { routes: [{ keyPrefix: "", provider: "spatialgen" as const }] },
      /routes\[0\]\.keyPrefix must not be empty/,
    ],
    [
      {
        routes: [
          { keyPrefix: "sg/", provider: "spatialgen" as const },
          { keyPrefix: "sg/", provider: "spatialgen" as const },
        ],
      },
      /routes\[1\]\.keyPrefix "sg\/" is routed twice/,
    ],
    [
      { routes: [{ keyPrefix: "tl/", provider: "twelvelabs" as const, layout: "SBS" }] },
      /routes\[0\]: layout, perspective and folderName are SpatialGen's only/,
    ],
    [{ providers: { spatialgen: {} } }, /providers\.spatialgen: no route sends keys to spatialgen/],
    [
      { providers: { twelvelabs: {} } },
      /providers\.twelvelabs: twelvelabs is the default provider/,
    ],
    [
      {
        routes: [{ keyPrefix: "sg/", provider: "spatialgen" as const }],
        providers: { spatialgen: { baseUrl: "http://spatialgen.example" } },
      },
      /providers\.spatialgen\.baseUrl must be https/,
    ],
  ] as [RelayPipelineProps, RegExp][])("rejects %o", (props, message) => {
    expect(constructError(props)?.message).toMatch(message);
  });

  it("reports every problem at once, before building anything", () => {
    const error = constructError({ chunksPerBatch: 0, mapConcurrency: 99, maxPolls: -1 });
    expect(error?.message).toMatch(/chunksPerBatch/);
    expect(error?.message).toMatch(/mapConcurrency/);
    expect(error?.message).toMatch(/maxPolls/);
    expect(error?.message).toMatch(/^RelayPipeline S\/Relay: invalid props/);
  });

  it("accepts the bounds", () => {
    expect(
      constructError({
        chunksPerBatch: 50,
        transferConcurrency: 1,
        mapConcurrency: 40,
        maxConcurrentUploads: 1000,
        pollInterval: Duration.seconds(1),
        allowedUrlHosts: ["*.amazonaws.com", "uploads.example.com"],
      }),
    ).toBeUndefined();
  });
});

describe("Function: validateRelayPipelineProps", () => {
  it("finds nothing wrong with no props", () => {
    expect(validateRelayPipelineProps({})).toEqual([]);
  });

  it.each(["http://localhost:9000/v1.3", "http://127.0.0.1:9000/v1.3", "http://[::1]:9000/v1.3"])(
    "accepts plain http on the loopback host of %s (a local sandbox)",
    (providerBaseUrl) => {
      expect(validateRelayPipelineProps({ providerBaseUrl })).toEqual([]);
    },
  );

  it.each(["localhost", "[::1]", "127.0.0.1"])(
    "accepts the loopback host %s in allowedUrlHosts, as a local sandbox's URLs need",
    (host) => {
      expect(
        validateRelayPipelineProps({
          providerBaseUrl: `http://${host}:9000/v1.3`,
          allowedUrlHosts: [host],
        }),
      ).toEqual([]);
    },
  );

  it.each([
    [{ transferConcurrency: 0 }, "transferConcurrency must be an integer in 1..32, got 0"],
    [{ maxPolls: 100_001 }, "maxPolls must be an integer in 1..100000, got 100001"],
    [
      { transferMemorySize: 10_241 },
      "transferMemorySize must be an integer in 128..10240, got 10241",
    ],
    [
      { pollInterval: Duration.seconds(0) },
      "pollInterval must be whole seconds in 1..3600 s, got 0 seconds",
    ],
  ] as [RelayPipelineProps, string][])(
    "rejects %o with the bound in the message",
    (props, problem) => {
      expect(validateRelayPipelineProps(props)).toEqual([problem]);
    },
  );

  it("leaves values that are unresolved tokens to deployment", () => {
    const n = Token.asNumber(Lazy.number({ produce: () => 0 }));
    const text = Lazy.string({ produce: () => "not a url" });
    expect(
      validateRelayPipelineProps({
        chunksPerBatch: n,
        maxFileSize: n,
        pollInterval: Duration.seconds(n),
        providerBaseUrl: text,
        allowedUrlHosts: [text],
      }),
    ).toEqual([]);
  });
});

describe("Function: objectCreatedPattern", () => {
  const base = { source: ["aws.s3"], detailType: ["Object Created"] };

  it("matches every key of the bucket without filters", () => {
    expect(objectCreatedPattern("drop")).toEqual({
      ...base,
      detail: { bucket: { name: ["drop"] } },
    });
    expect(objectCreatedPattern("drop", "", [])).toEqual({
      ...base,
      detail: { bucket: { name: ["drop"] } },
    });
  });

  it("uses a prefix filter for a prefix alone", () => {
    expect(objectCreatedPattern("drop", "in/")).toEqual({
      ...base,
      detail: { bucket: { name: ["drop"] }, object: { key: [{ prefix: "in/" }] } },
    });
  });

  it("uses one suffix filter per suffix (EventBridge ORs them)", () => {
    expect(objectCreatedPattern("drop", undefined, [".mp4", ".mov"]).detail).toEqual({
      bucket: { name: ["drop"] },
      object: { key: [{ suffix: ".mp4" }, { suffix: ".mov" }] },
    });
  });

  it("ANDs a prefix with suffixes through one wildcard per suffix, escaping * and \\", () => {
    expect(objectCreatedPattern("drop", "in/*raw\\", [".mp4", ".m*v"]).detail).toEqual({
      bucket: { name: ["drop"] },
      object: { key: [{ wildcard: "in/\\*raw\\\\*.mp4" }, { wildcard: "in/\\*raw\\\\*.m\\*v" }] },
    });
  });
});

describe("Construct: RelayPipeline, props", () => {
  it("filters the rule by prefix and suffixes, and scopes S3 reads to the prefix", () => {
    const { template } = buildStack({ keyPrefix: "incoming/", keySuffixes: [".mp4", ".mov"] });
    const bucketId = Object.keys(resourcesOfType(template, "AWS::S3::Bucket"))[0];
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: {
          bucket: { name: [{ Ref: bucketId }] },
          object: { key: [{ wildcard: "incoming/*.mp4" }, { wildcard: "incoming/*.mov" }] },
        },
      },
    });
    const transfer = relayFunctions(template).transfer;
    const s3Reads = roleStatements(template, transfer?.roleId ?? "").filter((s) =>
      actionsOf(s).includes("s3:GetObject"),
    );
    expect(s3Reads.map((s) => s.Resource)).toEqual([
      { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/incoming/*"]] },
    ]);
  });

  it("uses an existing bucket without creating one", () => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    const stack = new Stack(app, "S", { env: TEST_ENV });
    const existingBucket = s3.Bucket.fromBucketName(stack, "Drop", "my-drop-bucket");
    const pipeline = new RelayPipeline(stack, "Relay", { existingBucket, keyPrefix: "v/" });
    const template = Template.fromStack(stack);
    expect(pipeline.bucket).toBe(existingBucket);
    template.resourceCountIs("AWS::S3::Bucket", 0);
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: Match.objectLike({
        detail: { bucket: { name: ["my-drop-bucket"] }, object: { key: [{ prefix: "v/" }] } },
      }),
    });
    const transfer = relayFunctions(template).transfer;
    const resources = roleStatements(template, transfer?.roleId ?? "")
      .filter((s) => actionsOf(s).includes("s3:GetObject"))
      .map((s) => JSON.stringify(s.Resource));
    expect(resources).toEqual([expect.stringContaining(":s3:::my-drop-bucket/v/*")]);
  });

  it("merges bucketProps over the secure defaults", () => {
    const { template } = buildStack({
      bucketProps: { removalPolicy: RemovalPolicy.DESTROY, bucketName: "named-drop" },
    });
    template.hasResource("AWS::S3::Bucket", {
      DeletionPolicy: "Delete",
      Properties: Match.objectLike({
        BucketName: "named-drop",
        VersioningConfiguration: { Status: "Enabled" },
        PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true }),
      }),
    });
  });

  it("uses a secret named by apiKeySecretName, passing the name, without creating one", () => {
    const { template } = buildStack({ apiKeySecretName: "prod/twelvelabs" });
    template.resourceCountIs("AWS::SecretsManager::Secret", 0);
    const functions = relayFunctions(template);
    expect(providersEnv(functions.poll?.env.PROVIDERS).twelvelabs?.secretId).toBe(
      "prod/twelvelabs",
    );
    const reads = roleStatements(template, functions.poll?.roleId ?? "").filter((s) =>
      actionsOf(s).includes("secretsmanager:GetSecretValue"),
    );
    expect(JSON.stringify(reads.map((s) => s.Resource))).toContain(
      ":secret:prod/twelvelabs-??????",
    );
  });

  it("uses a given secret and event bus", () => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    const stack = new Stack(app, "S", { env: TEST_ENV });
    const apiKeySecret = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      "Key",
      "arn:aws:secretsmanager:us-east-1:111111111111:secret:tl-AbCdEf",
    );
    const eventBus = events.EventBus.fromEventBusName(stack, "Bus", "shared-bus");
    const pipeline = new RelayPipeline(stack, "Relay", { apiKeySecret, eventBus });
    const template = Template.fromStack(stack);
    expect(pipeline.apiKeySecret).toBe(apiKeySecret);
    expect(pipeline.eventBus).toBe(eventBus);
    template.resourceCountIs("AWS::SecretsManager::Secret", 0);
    template.resourceCountIs("AWS::Events::EventBus", 0);
    const functions = relayFunctions(template);
    expect(providersEnv(functions.transfer?.env.PROVIDERS).twelvelabs?.secretId).toBe(
      apiKeySecret.secretArn,
    );
    expect(functions.fail?.env.EVENT_BUS_NAME).toBe("shared-bus");
    const puts = roleStatements(template, functions.fail?.roleId ?? "").filter((s) =>
      actionsOf(s).includes("events:PutEvents"),
    );
    expect(JSON.stringify(puts.map((s) => s.Resource))).toContain(":event-bus/shared-bus");
  });

  it("carries the numbers into env and definition", () => {
    const { template } = buildStack({
      chunksPerBatch: 16,
      transferConcurrency: 6,
      mapConcurrency: 3,
      pollInterval: Duration.seconds(10),
      maxPolls: 100,
      transferMemorySize: 2048,
      providerBaseUrl: "https://api.example.com/v9",
      allowedUrlHosts: ["*.amazonaws.com", "cdn.example.com"],
      verifyEtag: false,
      // Above the documented 4 GB: an operator following the service's 10 GB needs no code change.
      maxFileSize: 10_000_000_000,
    });
    const functions = relayFunctions(template);
    expect(functions["create-session"]?.env.CHUNKS_PER_BATCH).toBe("16");
    expect(functions.poll?.env.CHUNKS_PER_BATCH).toBe("16");
    expect(functions.poll?.env.MAX_POLLS).toBe("100");
    expect(functions.transfer?.env.TRANSFER_CONCURRENCY).toBe("6");
    expect(functions.transfer?.env.VERIFY_ETAG).toBe("false");
    expect(providersEnv(functions.admit?.env.PROVIDERS).twelvelabs).toMatchObject({
      maxFileSize: 10_000_000_000,
      baseUrl: "https://api.example.com/v9",
      allowedUrlHosts: ["*.amazonaws.com", "cdn.example.com"],
    });
    expect(functions.transfer?.properties.MemorySize).toBe(2048);
    const states = resolveDefinition(template).States as Record<string, Record<string, unknown>>;
    expect(states.TransferChunks?.MaxConcurrency).toBe(3);
    expect(states.WaitForProvider?.Seconds).toBe(10);
    // Default admission: 50 uploads; the lease covers every poll (100 × 10 s) and an hour.
    expect(states.AcquireSlot?.Parameters).toMatchObject({
      maxConcurrentUploads: 50,
      slotLeaseSeconds: 100 * 10 + 3600,
    });
  });

  it("carries maxConcurrentUploads into AcquireSlot's parameters", () => {
    const { template } = buildStack({ maxConcurrentUploads: 7 });
    const states = resolveDefinition(template).States as Record<string, Record<string, unknown>>;
    expect(states.AcquireSlot?.Parameters).toMatchObject({ maxConcurrentUploads: 7 });
  });

  it("routes TwelveLabs keys to the pipeline's index unless a route names its own, and sets the namespace", () => {
    const { template } = buildStack({
      indexId: "main-index",
      maxIndexPolls: 9,
      indexPollInterval: Duration.seconds(12),
      metricsNamespace: "Acme/Relay",
      routes: [
        { keyPrefix: "clips/", provider: "twelvelabs", indexId: "clips-index" },
        { keyPrefix: "sg/", provider: "spatialgen" },
      ],
      providers: { spatialgen: {} },
    });
    const functions = relayFunctions(template);
    expect(JSON.parse(functions.admit?.env.ROUTES as string)).toEqual([
      { prefix: "clips/", provider: "twelvelabs", indexId: "clips-index" },
      { prefix: "sg/", provider: "spatialgen" },
      { prefix: "", provider: "twelvelabs", indexId: "main-index" },
    ]);
    expect(functions.index?.env.MAX_INDEX_POLLS).toBe("9");
    for (const f of Object.values(functions)) {
      expect(f.env.POWERTOOLS_METRICS_NAMESPACE).toBe("Acme/Relay");
    }
    const states = resolveDefinition(template).States as Record<string, Record<string, unknown>>;
    expect(states.WaitForIndex).toMatchObject({ Seconds: 12, Next: "IndexAsset" });
    const body = JSON.stringify(template.findResources("AWS::CloudWatch::Dashboard"));
    expect(body).toContain("Acme/Relay");
  });

  it("has a dashboard by default and none with dashboard: false", () => {
    buildStack({}).template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    buildStack({ dashboard: false }).template.resourceCountIs("AWS::CloudWatch::Dashboard", 0);
  });

  it("leaves the alarms out with alarms: false", () => {
    const { template } = buildStack({ alarms: false });
    template.resourceCountIs("AWS::CloudWatch::Alarm", 0);
  });

  it("turns tracing on everywhere with tracing: true", () => {
    const { template } = buildStack({ tracing: true });
    const functions = Object.values(relayFunctions(template));
    // An empty list would pass the loop below without checking anything.
    expect(functions).toHaveLength(RELAY_FUNCTION_NAMES.length);
    for (const f of functions) {
      expect(f.properties.TracingConfig).toEqual({ Mode: "Active" });
    }
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      TracingConfiguration: { Enabled: true },
    });
  });

  it("applies tableProps", () => {
    const { template } = buildStack({
      tableProps: { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true },
    });
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Delete",
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});

describe("Function: pipelinePropsFromContext", () => {
  it("reads -c strings and cdk.json values", () => {
    const app = new App({
      context: {
        "relay:keyPrefix": "in/",
        "relay:keySuffixes": ".mp4, .mov",
        "relay:chunksPerBatch": "12",
        "relay:mapConcurrency": 4,
        "relay:pollIntervalSeconds": "7",
        "relay:alarms": "false",
        "relay:verifyEtag": false,
      },
    });
    const props = pipelinePropsFromContext(app);
    expect({ ...props, pollInterval: props.pollInterval?.toSeconds() }).toEqual({
      keyPrefix: "in/",
      keySuffixes: [".mp4", ".mov"],
      chunksPerBatch: 12,
      mapConcurrency: 4,
      pollInterval: 7,
      alarms: false,
      verifyEtag: false,
    });
  });

  it("returns no props without context, and refuses junk", () => {
    expect(pipelinePropsFromContext(new App())).toEqual({});
    expect(() =>
      pipelinePropsFromContext(new App({ context: { "relay:chunksPerBatch": "many" } })),
    ).toThrow(/relay:chunksPerBatch must be a number/);
  });
});

describe("Function: synthRelayTemplate", () => {
  it("returns the app's template, with its state machine, honouring context", () => {
    const template = synthRelayTemplate({ context: { "relay:mapConcurrency": 5 } });
    const resources = template.Resources as Record<string, { Type: string }>;
    const types = Object.values(resources).map((r) => r.Type);
    expect(types).toContain("AWS::StepFunctions::StateMachine");
    expect(types.filter((t) => t === "AWS::Lambda::Function").length).toBeGreaterThanOrEqual(8);
    expect(JSON.stringify(template)).toContain('\\"MaxConcurrency\\":5');
  });
});

describe("Construct: RelayPipeline, two in one account", () => {
  it("gives each its own event bus and secret name, so they do not collide", () => {
    const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
    const env = { account: "111111111111", region: "us-east-1" };
    const stacks = ["RelayA", "RelayB"].map((id) => new RelayStack(app, id, { env }));
    const names = stacks.map((stack) => {
      const id = stack.stackName;
      const template = Template.fromStack(stack);
      const [bus] = Object.values(template.findResources("AWS::Events::EventBus"));
      const [secret] = Object.values(template.findResources("AWS::SecretsManager::Secret"));
      expect(secret?.Properties?.Name, id).toBeUndefined();
      return bus?.Properties?.Name as string;
    });
    expect(names[0]).not.toEqual(names[1]);
  });
});

describe("RelayPipeline: routes to a second provider", () => {
  it("gives each provider its own secret, routes the prefix, and lets only fail read the cancelling provider's key", () => {
    const { template } = buildStack({
      routes: [{ keyPrefix: "spatialgen/", provider: "spatialgen", layout: "SBS" }],
      groupDefaults: { perspective: "180" },
    });
    template.resourceCountIs("AWS::SecretsManager::Secret", 2);
    const functions = relayFunctions(template);
    const providers = providersEnv(functions.transfer?.env.PROVIDERS);
    expect(Object.keys(providers)).toEqual(["twelvelabs", "spatialgen"]);
    expect(providers.spatialgen).toMatchObject({
      baseUrl: "https://spatialgen.com",
      allowedUrlHosts: ["*.spatialgen.com"],
    });
    expect(providers.spatialgen?.secretId).not.toEqual(providers.twelvelabs?.secretId);
    expect(JSON.parse(String(functions.admit?.env.ROUTES))).toEqual([
      { prefix: "spatialgen/", provider: "spatialgen", layout: "SBS", perspective: "180" },
      { prefix: "", provider: "twelvelabs" },
    ]);
    const secretReads = (name: string) =>
      roleStatements(template, functions[name]?.roleId ?? "")
        .filter((s) => actionsOf(s).includes("secretsmanager:GetSecretValue"))
        .flatMap((s) => [s.Resource].flat());
    expect(secretReads("transfer")).toHaveLength(2);
    expect(secretReads("fail")).toEqual([
      { Ref: String(providers.spatialgen?.secretId).slice(4, -1) },
    ]);
    expect(secretReads("admit")).toEqual([]);
  });
});
