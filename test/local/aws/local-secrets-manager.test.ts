/**
 * The local Secrets Manager against the real AWS SDK v3 client (and Powertools
 * `getSecret` through `AWS_ENDPOINT_URL_SECRETS_MANAGER`, the way deployed bundles reach it).
 */

import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LocalSecretsManager,
  startLocalSecretsManager,
} from "../../../local/aws/local-secrets-manager.js";

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
