import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { beforeAll, describe, expect, it } from "vitest";
import {
  actionsOf,
  buildStack,
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
        Name: "relay/twelvelabs-api-key",
        GenerateSecretString: Match.objectLike({ PasswordLength: 32 }),
      });
    });

    it("creates the outcome event bus", () => {
      template.hasResourceProperties("AWS::Events::EventBus", { Name: "relay-events" });
    });
  });

  describe("functions", () => {
    it("are the eight relay functions", () => {
      expect(Object.keys(functions).sort()).toEqual(
        ["admit", "create-session", "fail", "finish", "poll", "report", "start", "transfer"].sort(),
      );
    });

    it("run Node.js 22 on arm64 with the documented sizes", () => {
      const sizes: Record<string, [number, number]> = {
        start: [128, 30],
        admit: [256, 60],
        "create-session": [256, 60],
        transfer: [1024, 900],
        report: [256, 60],
        poll: [256, 60],
        finish: [256, 60],
        fail: [256, 60],
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

    it("carry exactly the env vars they need", () => {
      const base = ["NODE_OPTIONS", "POWERTOOLS_SERVICE_NAME", "RELAY_FUNCTION"];
      const providerApi = ["API_KEY_SECRET_ID", "PROVIDER", "PROVIDER_BASE_URL", "TABLE_NAME"];
      const expected: Record<string, string[]> = {
        start: ["STATE_MACHINE_ARN"],
        admit: ["PROVIDER", "TABLE_NAME"],
        "create-session": [...providerApi, "ALLOWED_URL_HOSTS", "CHUNKS_PER_BATCH"],
        transfer: [...providerApi, "ALLOWED_URL_HOSTS", "TRANSFER_CONCURRENCY", "VERIFY_ETAG"],
        report: providerApi,
        poll: [...providerApi, "CHUNKS_PER_BATCH", "MAX_POLLS"],
        finish: ["EVENT_BUS_NAME", "PROVIDER", "TABLE_NAME"],
        fail: ["EVENT_BUS_NAME", "PROVIDER", "TABLE_NAME"],
      };
      for (const [name, f] of Object.entries(functions)) {
        expect(Object.keys(f.env).sort(), name).toEqual(
          [...base, ...(expected[name] ?? [])].sort(),
        );
        expect(f.env.RELAY_FUNCTION).toBe(name);
        expect(f.env.POWERTOOLS_SERVICE_NAME).toBe("relay");
      }
    });

    it("get the contract's values", () => {
      const transfer = functions.transfer?.env ?? {};
      expect(transfer).toMatchObject({
        TABLE_NAME: { Ref: tableId },
        PROVIDER: "twelvelabs",
        PROVIDER_BASE_URL: "https://api.twelvelabs.io/v1.3",
        API_KEY_SECRET_ID: { Ref: secretId },
        ALLOWED_URL_HOSTS: "*.amazonaws.com",
        TRANSFER_CONCURRENCY: "4",
        VERIFY_ETAG: "true",
      });
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

    it("start can only start executions of the machine (and dead-letter its failures)", () => {
      const statements = roleStatements(template, role("start"));
      const start = statements.filter((s) => actionsOf(s).includes("states:StartExecution"));
      expect(start).toEqual([
        { Effect: "Allow", Action: "states:StartExecution", Resource: { Ref: machineId } },
      ]);
      expect(roleActions(template, role("start")).sort()).toEqual(
        [
          "sqs:GetQueueAttributes",
          "sqs:GetQueueUrl",
          "sqs:SendMessage",
          "states:StartExecution",
        ].sort(),
      );
      for (const s of statements.filter((s) => actionsOf(s).some((a) => a.startsWith("sqs:")))) {
        expect(s.Resource).toEqual({ "Fn::GetAtt": [queueId, "Arn"] });
      }
    });

    it("transfer reads the bucket's objects, nothing more of S3", () => {
      const statements = roleStatements(template, role("transfer"));
      const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("s3:")));
      expect(s3).toEqual([
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:GetObjectVersion"],
          Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/*"]] },
        },
      ]);
      expect(roleActions(template, role("transfer"))).not.toContain("s3:PutObject");
    });

    it("only transfer touches S3", () => {
      for (const name of Object.keys(functions).filter((n) => n !== "transfer")) {
        expect(
          roleActions(template, role(name)).filter((a) => a.startsWith("s3:")),
          name,
        ).toEqual([]);
      }
    });

    it("only the provider-calling functions read the secret, and only it", () => {
      const readers = ["create-session", "poll", "report", "transfer"];
      for (const name of Object.keys(functions)) {
        const statements = roleStatements(template, role(name)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith("secretsmanager:")),
        );
        if (readers.includes(name)) {
          expect(statements, name).toEqual([
            {
              Effect: "Allow",
              Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
              Resource: { Ref: secretId },
            },
          ]);
        } else {
          expect(statements, name).toEqual([]);
        }
      }
    });

    it("only finish and fail put events, on the relay bus only", () => {
      for (const name of Object.keys(functions)) {
        const statements = roleStatements(template, role(name)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith("events:")),
        );
        if (name === "finish" || name === "fail") {
          expect(statements, name).toEqual([
            {
              Effect: "Allow",
              Action: "events:PutEvents",
              Resource: { "Fn::GetAtt": [busId, "Arn"] },
            },
          ]);
        } else {
          expect(statements, name).toEqual([]);
        }
      }
    });

    it("every function but start uses the table, and only the table", () => {
      for (const name of Object.keys(functions)) {
        const statements = roleStatements(template, role(name)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith("dynamodb:")),
        );
        if (name === "start") {
          expect(statements).toEqual([]);
          continue;
        }
        expect(statements.length, name).toBeGreaterThan(0);
        expect(actionsOf(statements[0] as (typeof statements)[0])).toContain("dynamodb:UpdateItem");
        for (const s of statements) {
          expect(s.Resource, name).toEqual([{ "Fn::GetAtt": [tableId, "Arn"] }]);
        }
      }
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

    it("each role has only the basic execution managed policy", () => {
      const roles = resourcesOfType(template, "AWS::IAM::Role");
      for (const name of Object.keys(functions)) {
        const managed = roles[role(name)]?.Properties?.ManagedPolicyArns;
        expect(JSON.stringify(managed), name).toMatch(/AWSLambdaBasicExecutionRole"/);
        expect((managed as unknown[]).length, name).toBe(1);
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

    it("outputs the bucket, machine, secret and bus names", () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(Object.keys(outputs).sort()).toEqual(
        ["ApiKeySecretName", "BucketName", "EventBusName", "StateMachineArn"].sort(),
      );
      expect(outputs.BucketName?.Value).toEqual({ Ref: bucketId });
      expect(outputs.StateMachineArn?.Value).toEqual({ Ref: machineId });
      expect(outputs.EventBusName?.Value).toEqual({ Ref: busId });
    });
  });
});
