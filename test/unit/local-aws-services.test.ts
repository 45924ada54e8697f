/**
 * The local Secrets Manager and EventBridge against the real AWS SDK v3 clients (and Powertools
 * `getSecret` through `AWS_ENDPOINT_URL_SECRETS_MANAGER`, the way deployed bundles reach it).
 */

import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EventBridgeEvent,
  type LocalEventBridge,
  startLocalEventBridge,
} from "../../local/aws/local-eventbridge.js";
import {
  type LocalSecretsManager,
  startLocalSecretsManager,
} from "../../local/aws/local-secrets-manager.js";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const CREDENTIALS = { accessKeyId: "LOCAL", secretAccessKey: "LOCAL" } as const;
const SECRET_NAME = "relay/twelvelabs-api-key";
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_NAME}-AbCdEf`;

describe("local Secrets Manager", () => {
  let secrets: LocalSecretsManager;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    secrets = await startLocalSecretsManager({
      secrets: [{ arn: SECRET_ARN, name: SECRET_NAME, value: "tlk_local_key" }],
    });
    client = new SecretsManagerClient({
      region: REGION,
      endpoint: secrets.endpoint,
      credentials: CREDENTIALS,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await secrets?.stop();
  });

  it.each([
    ["the full ARN", SECRET_ARN],
    ["the name", SECRET_NAME],
    ["a partial ARN", SECRET_ARN.slice(0, -"-AbCdEf".length)],
  ])("GetSecretValue by %s", async (_, secretId) => {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    expect(answer.SecretString).toBe("tlk_local_key");
    expect(answer.ARN).toBe(SECRET_ARN);
    expect(answer.Name).toBe(SECRET_NAME);
    expect(answer.VersionStages).toEqual(["AWSCURRENT"]);
    expect(answer.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs((answer.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it("answers an unknown secret with ResourceNotFoundException", async () => {
    const error = await client
      .send(new GetSecretValueCommand({ SecretId: "relay/missing" }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toBe("Secrets Manager can't find the specified secret.");
    // A partial ARN must not reach a secret whose name merely starts the same.
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: SECRET_ARN.slice(0, -8) })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("refuses a version it does not have", async () => {
    await expect(
      client.send(
        new GetSecretValueCommand({ SecretId: SECRET_NAME, VersionStage: "AWSPREVIOUS" }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("refuses other operations by name", async () => {
    const response = await fetch(secrets.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "secretsmanager.PutSecretValue",
      },
      body: JSON.stringify({ SecretId: SECRET_NAME, SecretString: "x" }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe("UnknownOperationException");
    expect(body.message).toContain("PutSecretValue");
  });

  it("resolves a SecretId to the ARN for the IAM gate", () => {
    expect(secrets.resolveArn(SECRET_NAME)).toBe(SECRET_ARN);
    expect(secrets.resolveArn(SECRET_ARN)).toBe(SECRET_ARN);
    expect(secrets.resolveArn(SECRET_ARN.slice(0, -7))).toBe(SECRET_ARN);
    expect(secrets.resolveArn("relay/missing")).toBeUndefined();
  });

  it("serves a new value and version after setValue", async () => {
    const before = await client.send(new GetSecretValueCommand({ SecretId: SECRET_NAME }));
    secrets.setValue(SECRET_NAME, "tlk_rotated");
    const after = await client.send(new GetSecretValueCommand({ SecretId: SECRET_ARN }));
    expect(after.SecretString).toBe("tlk_rotated");
    expect(after.VersionId).not.toBe(before.VersionId);
    expect(() => secrets.setValue("relay/missing", "x")).toThrow();
    secrets.setValue(SECRET_ARN, "tlk_local_key");
  });

  it("refuses a secret whose ARN does not carry its name", async () => {
    await expect(
      startLocalSecretsManager({
        secrets: [{ arn: SECRET_ARN, name: "relay/other", value: "x" }],
      }),
    ).rejects.toThrow(/not a Secrets Manager ARN/);
  });

  describe("through Powertools getSecret and AWS_ENDPOINT_URL_SECRETS_MANAGER", () => {
    const variables = [
      "AWS_ENDPOINT_URL_SECRETS_MANAGER",
      "AWS_REGION",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
    ] as const;
    const saved = new Map<string, string | undefined>();

    beforeAll(() => {
      for (const name of variables) saved.set(name, process.env[name]);
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.endpoint;
      process.env.AWS_REGION = REGION;
      process.env.AWS_ACCESS_KEY_ID = "LOCAL";
      process.env.AWS_SECRET_ACCESS_KEY = "LOCAL";
      delete process.env.AWS_SESSION_TOKEN;
    });
    afterAll(() => {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    it("returns the secret's value", async () => {
      // Imported here so Powertools builds its client after the environment is set.
      const { getSecret } = await import("@aws-lambda-powertools/parameters/secrets");
      expect(await getSecret(SECRET_NAME)).toBe("tlk_local_key");
    });
  });
});

describe("local EventBridge", () => {
  let bridge: LocalEventBridge;
  let client: EventBridgeClient;

  beforeAll(async () => {
    bridge = await startLocalEventBridge({ region: REGION, account: ACCOUNT });
    client = new EventBridgeClient({
      region: REGION,
      endpoint: bridge.endpoint,
      credentials: CREDENTIALS,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await bridge?.stop();
  });

  it("records a PutEvents entry and delivers it to the matching rule only", async () => {
    const matched: EventBridgeEvent[] = [];
    const unmatched: EventBridgeEvent[] = [];
    bridge.addRule({
      name: "completed",
      eventBusName: "relay-bus",
      eventPattern: { source: ["the-relay"], "detail-type": ["Upload Completed"] },
      target: async (event) => {
        matched.push(event);
      },
    });
    bridge.addRule({
      name: "failed",
      eventBusName: "relay-bus",
      eventPattern: { source: ["the-relay"], "detail-type": ["Upload Failed"] },
      target: async (event) => {
        unmatched.push(event);
      },
    });
    const time = new Date("2025-01-02T03:04:05.678Z");
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "the-relay",
            DetailType: "Upload Completed",
            Detail: JSON.stringify({ assetId: "asset-1", size: 42 }),
            EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/relay-bus`,
            Resources: ["arn:aws:s3:::drop/incoming/a.mp4"],
            Time: time,
          },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    const eventId = answer.Entries?.[0]?.EventId;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

    const recorded = bridge.events.find((event) => event.id === eventId);
    expect(recorded).toMatchObject({
      busName: "relay-bus",
      source: "the-relay",
      detailType: "Upload Completed",
      detail: { assetId: "asset-1", size: 42 },
      time: "2025-01-02T03:04:05Z",
    });

    await bridge.settled();
    expect(unmatched).toEqual([]);
    expect(matched).toEqual([
      {
        version: "0",
        id: eventId,
        "detail-type": "Upload Completed",
        source: "the-relay",
        account: ACCOUNT,
        time: "2025-01-02T03:04:05Z",
        region: REGION,
        resources: ["arn:aws:s3:::drop/incoming/a.mp4"],
        detail: { assetId: "asset-1", size: 42 },
      },
    ]);
  });

  it("reports bad entries one by one, delivering the good ones", async () => {
    const before = bridge.events.length;
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: "the-relay", DetailType: "Upload Failed", Detail: "{not json" },
          { Source: "the-relay", DetailType: "Upload Failed", Detail: JSON.stringify({ ok: 1 }) },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]).toEqual({
      ErrorCode: "MalformedDetail",
      ErrorMessage: "Detail is malformed.",
    });
    expect(answer.Entries?.[1]?.EventId).toBeDefined();
    expect(bridge.events.length).toBe(before + 1);
    expect(bridge.events.at(-1)?.busName).toBe("default");
  });

  it("validates entries like EventBridge", async () => {
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          { DetailType: "x", Detail: "{}" },
          { Source: "the-relay", Detail: "{}" },
          { Source: "the-relay", DetailType: "x", Detail: "[1, 2]" },
          { Source: "aws.s3", DetailType: "Object Created", Detail: "{}" },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(4);
    expect(answer.Entries?.map((entry) => entry.ErrorCode)).toEqual([
      "InvalidArgument",
      "InvalidArgument",
      "MalformedDetail",
      "NotAuthorizedForSourceException",
    ]);
    const tooMany = Array.from({ length: 11 }, () => ({
      Source: "the-relay",
      DetailType: "x",
      Detail: "{}",
    }));
    await expect(client.send(new PutEventsCommand({ Entries: tooMany }))).rejects.toMatchObject({
      name: "ValidationException",
    });
  });

  it("delivers service events, emits every event and collects target failures", async () => {
    const seen: string[] = [];
    const listener = (event: { detailType: string }) => seen.push(event.detailType);
    bridge.emitter.on("event", listener);
    bridge.addRule({
      name: "s3-videos",
      eventPattern: {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: {
          bucket: { name: ["my-bucket"] },
          object: { key: [{ wildcard: "incoming/*.mp4" }, { wildcard: "incoming/*.mov" }] },
        },
      },
      target: async () => {
        throw new Error("target failed");
      },
    });
    const event = bridge.putEvent({
      source: "aws.s3",
      detailType: "Object Created",
      detail: { bucket: { name: "my-bucket" }, object: { key: "incoming/a.mp4", size: 1 } },
      resources: ["arn:aws:s3:::my-bucket"],
    });
    expect(event).toMatchObject({ source: "aws.s3", account: ACCOUNT, region: REGION });
    expect(bridge.events.at(-1)?.event).toBe(event);
    await bridge.settled();
    expect(seen).toEqual(["Object Created"]);
    expect(bridge.targetErrors).toHaveLength(1);
    expect(String(bridge.targetErrors[0])).toContain("target failed");
    bridge.emitter.off("event", listener);
  });

  it("refuses an invalid pattern and a duplicate rule", () => {
    const target = async () => {};
    expect(() =>
      bridge.addRule({ name: "bad", eventPattern: { source: [{ contains: "x" }] }, target }),
    ).toThrow(/contains/);
    expect(() =>
      bridge.addRule({ name: "s3-videos", eventPattern: { source: ["x"] }, target }),
    ).toThrow(/already exists/);
  });

  it("answers other operations with UnknownOperationException", async () => {
    const response = await fetch(bridge.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSEvents.PutRule",
      },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe(
      "UnknownOperationException",
    );
  });
});
