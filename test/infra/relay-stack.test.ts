import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { beforeAll, describe, expect, it } from "vitest";
import { RELAY_STEPS, type RelayFunctionName } from "../../functions/core/step-registry.js";
import {
  actionsOf,
  buildStack,
  providersEnv,
  type RelayFunctionResource,
  relayFunctions,
  resourcesOfType,
  roleActions,
  roleStatements,
} from "./template-helpers.js";

/** Logical id of the only resource of `type`. */
function onlyId(template: Template, type: string): string {
  const ids = Object.keys(resourcesOfType(template, type));
  expect(ids, type).toHaveLength(1);
  return ids[0] as string;
}

describe("Stack: RelayStack (defaults, bundled)", () => {
  let template: Template;
  let assembly: CloudAssembly;
  let stackArtifactId: string;
  let functions: Record<string, RelayFunctionResource>;
  let bucketId: string;
  let tableId: string;
  let secretId: string;
  let busId: string;
  let machineId: string;
  let queueId: string;

  beforeAll(() => {
    // GIVEN the app's stack, bundled with esbuild as `cdk synth` does (once for this file)
    const built = buildStack(undefined, { bundle: true });
    template = built.template;
    assembly = built.app.synth();
    stackArtifactId = built.stack.artifactId;
    functions = relayFunctions(template);
    bucketId = onlyId(template, "AWS::S3::Bucket");
    tableId = onlyId(template, "AWS::DynamoDB::Table");
    secretId = onlyId(template, "AWS::SecretsManager::Secret");
    busId = onlyId(template, "AWS::Events::EventBus");
    machineId = onlyId(template, "AWS::StepFunctions::StateMachine");
    queueId = onlyId(template, "AWS::SQS::Queue");
  });

  describe("drop bucket", () => {
    it("blocks public access, encrypts, versions and is retained", () => {
      template.hasResource("AWS::S3::Bucket", {
        DeletionPolicy: "Retain",
        Properties: Match.objectLike({
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
            ],
          },
          VersioningConfiguration: { Status: "Enabled" },
        }),
      });
    });

    it("denies every request without TLS", () => {
      template.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: "Deny",
              Principal: { AWS: "*" },
              Action: "s3:*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          ]),
        },
      });
    });

    it("sends its events to EventBridge", () => {
      template.hasResourceProperties("Custom::S3BucketNotifications", {
        BucketName: { Ref: bucketId },
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      });
    });
  });

  describe("rule", () => {
    it("matches Object Created events of the drop bucket, every key by default", () => {
      template.hasResourceProperties("AWS::Events::Rule", {
        EventPattern: {
          source: ["aws.s3"],
          "detail-type": ["Object Created"],
          detail: { bucket: { name: [{ Ref: bucketId }] } },
        },
      });
    });

    it("targets the start function with retries and a dead-letter queue", () => {
      template.hasResourceProperties("AWS::Events::Rule", {
        Targets: [
          Match.objectLike({
            Arn: { "Fn::GetAtt": [functions.start?.logicalId, "Arn"] },
            DeadLetterConfig: { Arn: { "Fn::GetAtt": [queueId, "Arn"] } },
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          }),
        ],
      });
    });

    it("lets failed asynchronous start invocations land in the dead-letter queue", () => {
      template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: functions.start?.logicalId },
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queueId, "Arn"] } } },
      });
    });
  });

  describe("store and secret", () => {
    it("is one pk/sk table, on demand, with TTL and point-in-time recovery, retained", () => {
      template.hasResource("AWS::DynamoDB::Table", {
        DeletionPolicy: "Retain",
        Properties: Match.objectLike({
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "sk", AttributeType: "S" },
          ],
          BillingMode: "PAY_PER_REQUEST",
          TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      });
    });

    it("creates the API key secret with a generated placeholder", () => {
      template.hasResourceProperties("AWS::SecretsManager::Secret", {
        GenerateSecretString: Match.objectLike({ PasswordLength: 32 }),
      });
      // No fixed name: a second pipeline in the same account and region must not collide.
      template.hasResourceProperties("AWS::SecretsManager::Secret", { Name: Match.absent() });
    });

    it("creates the outcome event bus", () => {
      const [bus] = Object.values(resourcesOfType(template, "AWS::Events::EventBus"));
      // A name generated from the construct path, unique per pipeline.
      expect(bus?.Properties?.Name).toMatch(/^RelayPipelineEventBus/);
    });
  });

  describe("functions", () => {
    it("are the ten relay functions", () => {
      expect(Object.keys(functions).sort()).toEqual(
        [
          "acquire-slot",
          "admit",
          "create-session",
          "fail",
          "finish",
          "index",
          "poll",
          "report",
          "start",
          "transfer",
        ].sort(),
      );
    });

    it("run Node.js 22 on arm64 with the documented sizes", () => {
      const sizes: Record<string, [number, number]> = {
        start: [128, 30],
        admit: [256, 60],
        "acquire-slot": [256, 60],
        "create-session": [256, 60],
        transfer: [1024, 900],
        report: [256, 60],
        poll: [256, 60],
        finish: [256, 60],
        fail: [256, 60],
        index: [256, 60],
      };
      for (const [name, f] of Object.entries(functions)) {
        expect(f.properties.Runtime, name).toBe("nodejs22.x");
        expect(f.properties.Architectures, name).toEqual(["arm64"]);
        expect([f.properties.MemorySize, f.properties.Timeout], name).toEqual(sizes[name]);
        // Tracing is off by default: no TracingConfig (Active) on any function.
        expect(f.properties.TracingConfig, name).toBeUndefined();
      }
    });

    it("log to a log group kept one week", () => {
      for (const [name, f] of Object.entries(functions)) {
        const group = (f.properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        const resource = resourcesOfType(template, "AWS::Logs::LogGroup")[group];
        expect(resource?.Properties?.RetentionInDays, name).toBe(7);
      }
    });

    it("carry exactly the env vars of their row in the steps table", () => {
      const base = [
        "NODE_OPTIONS",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_SERVICE_NAME",
        "RELAY_FUNCTION",
      ];
      for (const [name, f] of Object.entries(functions)) {
        expect(Object.keys(f.env).sort(), name).toEqual(
          [...base, ...RELAY_STEPS[name as RelayFunctionName].env].sort(),
        );
        expect(f.env.RELAY_FUNCTION).toBe(name);
        expect(f.env.POWERTOOLS_SERVICE_NAME).toBe("relay");
        expect(f.env.POWERTOOLS_METRICS_NAMESPACE).toBe("Relay");
      }
      // The two defects this table closed: admit, finish and fail lacked variables they read.
      expect(Object.keys(functions.admit?.env ?? {})).toEqual(
        expect.arrayContaining(["TABLE_NAME", "PROVIDERS", "ROUTES"]),
      );
    });

    it("get the contract's values", () => {
      const transfer = functions.transfer?.env ?? {};
      expect(transfer).toMatchObject({
        TABLE_NAME: { Ref: tableId },
        TRANSFER_CONCURRENCY: "4",
        VERIFY_ETAG: "true",
      });
      expect(providersEnv(transfer.PROVIDERS)).toEqual({
        twelvelabs: {
          baseUrl: "https://api.twelvelabs.io/v1.3",
          secretId: `Ref(${secretId})`,
          allowedUrlHosts: ["*.amazonaws.com"],
          maxFileSize: 4 * 1024 ** 3,
        },
      });
      expect(JSON.parse(String(functions.admit?.env.ROUTES))).toEqual([
        { prefix: "", provider: "twelvelabs" },
      ]);
      expect(functions["create-session"]?.env.CHUNKS_PER_BATCH).toBe("8");
      expect(functions.poll?.env.MAX_POLLS).toBe("720");
      expect(functions.finish?.env.EVENT_BUS_NAME).toEqual({ Ref: busId });
      expect(functions.start?.env.STATE_MACHINE_ARN).toEqual({ Ref: machineId });
    });

    it("never carry the secret's value, only its id", () => {
      for (const [name, f] of Object.entries(functions)) {
        expect(JSON.stringify(f.env), name).not.toMatch(/resolve:secretsmanager|SecretString/);
      }
      // Nothing in the whole template resolves the secret's value.
      expect(JSON.stringify(template.toJSON())).not.toContain("resolve:secretsmanager");
    });

    it("are bundled as ESM with the createRequire banner", () => {
      const artifact = assembly.getStackArtifact(stackArtifactId);
      for (const [name, f] of Object.entries(functions)) {
        expect(f.properties.Handler, name).toBe("index.handler");
        const key = (f.properties.Code as { S3Key: string }).S3Key;
        const bundle = join(
          artifact.assembly.directory,
          `asset.${key.replace(/\.zip$/, "")}`,
          "index.mjs",
        );
        expect(existsSync(bundle), `${name}: ${bundle}`).toBe(true);
        expect(readFileSync(bundle, "utf8").slice(0, 200), name).toContain(
          "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        );
      }
    });
  });

  describe("least privilege", () => {
    const role = (name: string): string => {
      const f = functions[name];
      if (!f) throw new Error(`no function ${name}`);
      return f.roleId;
    };

    /** The resource each row of the access table is granted on. */
    const grantResource = (resource: string): unknown =>
      ({
        table: { "Fn::GetAtt": [tableId, "Arn"] },
        sourceObjects: { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/*"]] },
        apiKeySecret: { Ref: secretId },
        eventBus: { "Fn::GetAtt": [busId, "Arn"] },
        stateMachine: { Ref: machineId },
      })[resource];

    it("grants each function exactly the actions of its row, each on its one resource", () => {
      for (const name of Object.keys(functions) as RelayFunctionName[]) {
        const statements = roleStatements(template, role(name)).filter(
          (s) => !actionsOf(s).some((a) => a.startsWith("logs:") || a.startsWith("sqs:")),
        );
        // fail reads an API key only to cancel a session; TwelveLabs (the default) has no cancel.
        const rows = Object.entries(RELAY_STEPS[name].access).filter(
          ([resource]) => !(name === "fail" && resource === "apiKeySecret"),
        );
        const expected = rows.map(([resource, actions]) => ({
          Effect: "Allow",
          Action: actions.length === 1 ? actions[0] : [...actions],
          Resource: grantResource(resource),
        }));
        expect(statements, name).toEqual(expected);
      }
    });

    it("no function can scan or batch on the table; only acquire-slot deletes (its waiter items)", () => {
      expect(Object.keys(functions)).toHaveLength(10);
      for (const name of Object.keys(functions)) {
        const actions = roleActions(template, role(name));
        for (const forbidden of ["Scan", "BatchWriteItem", "BatchGetItem"]) {
          expect(actions, name).not.toContain(`dynamodb:${forbidden}`);
        }
        expect(actions.includes("dynamodb:DeleteItem"), name).toBe(name === "acquire-slot");
      }
    });

    it("only admit and transfer read S3, and only they read object versions", () => {
      for (const name of Object.keys(functions)) {
        const s3 = roleActions(template, role(name)).filter((a) => a.startsWith("s3:"));
        expect(s3.sort(), name).toEqual(
          name === "admit" || name === "transfer" ? ["s3:GetObject", "s3:GetObjectVersion"] : [],
        );
      }
    });

    it("start's only other grant is the dead-letter queue of its failed async invocations", () => {
      const sqs = roleStatements(template, role("start")).filter((s) =>
        actionsOf(s).some((a) => a.startsWith("sqs:")),
      );
      for (const s of sqs) expect(s.Resource).toEqual({ "Fn::GetAtt": [queueId, "Arn"] });
      expect(sqs.length).toBe(1);
    });

    it("no function gets a wildcard action, a wildcard resource, states:* or iam:*", () => {
      for (const name of Object.keys(functions)) {
        const statements = roleStatements(template, role(name));
        for (const s of statements) {
          for (const action of actionsOf(s)) {
            expect(action, name).not.toContain("*");
            expect(action, name).not.toMatch(/^iam:/);
          }
          expect(s.Resource, name).not.toBe("*");
          expect(s.Effect, name).toBe("Allow");
        }
        const states = roleActions(template, role(name)).filter((a) => a.startsWith("states:"));
        expect(states, name).toEqual(name === "start" ? ["states:StartExecution"] : []);
      }
    });

    it("each role has no managed policy, and writes only to its own log group", () => {
      const roles = resourcesOfType(template, "AWS::IAM::Role");
      for (const [name, f] of Object.entries(functions)) {
        expect(roles[f.roleId]?.Properties?.ManagedPolicyArns, name).toBeUndefined();
        const logs = roleStatements(template, f.roleId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith("logs:")),
        );
        const group = (f.properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(logs, name).toEqual([
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: { "Fn::GetAtt": [group, "Arn"] },
          },
        ]);
      }
    });
  });

  describe("operations", () => {
    it("alarms on failed executions of the machine", () => {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/States",
        MetricName: "ExecutionsFailed",
        Dimensions: [{ Name: "StateMachineArn", Value: { Ref: machineId } }],
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      });
    });

    it("alarms on events in the dead-letter queue", () => {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queueId, "QueueName"] } }],
      });
    });

    it("outputs the bucket, machine, secret, bus and table names (the relay CLI reads them)", () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(Object.keys(outputs).sort()).toEqual(
        ["ApiKeySecretName", "BucketName", "EventBusName", "StateMachineArn", "TableName"].sort(),
      );
      expect(outputs.TableName?.Value).toEqual({ Ref: expect.stringMatching(/Table/) });
      expect(outputs.BucketName?.Value).toEqual({ Ref: bucketId });
      expect(outputs.StateMachineArn?.Value).toEqual({ Ref: machineId });
      expect(outputs.EventBusName?.Value).toEqual({ Ref: busId });
    });
  });
});
