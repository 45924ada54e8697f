/**
 * A local Secrets Manager endpoint: a node:http server on 127.0.0.1 speaking the AWS JSON 1.1
 * protocol (`POST /`, `X-Amz-Target: secretsmanager.<Op>`), so the real `SecretsManagerClient`
 * (and Powertools `getSecret`, through `AWS_ENDPOINT_URL_SECRETS_MANAGER`) reads secrets from
 * it unchanged. Only GetSecretValue is served; any other operation is refused by name, so a
 * bundle that starts needing more fails loudly instead of getting a made-up answer.
 *
 * A `SecretId` is resolved as Secrets Manager does: the full ARN, the secret's name, or a
 * partial ARN (the ARN without the 6-character random suffix).
 */

import { randomUUID } from "node:crypto";
import { AwsServiceError, startAwsJsonServer } from "./aws-json-server.js";

/** A secret the endpoint serves. */
export interface LocalSecret {
  /** Full ARN, e.g. `arn:aws:secretsmanager:us-east-1:123456789012:secret:relay/key-AbCdEf`. */
  readonly arn: string;
  readonly name: string;
  readonly value: string;
}

/** Options for {@link startLocalSecretsManager}. */
export interface LocalSecretsManagerOptions {
  readonly secrets: readonly LocalSecret[];
}

/** A running local Secrets Manager endpoint. */
export interface LocalSecretsManager {
  /** Base URL for the SDK's `endpoint` option or `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly endpoint: string;
  /** The full ARN a `SecretId` (ARN, name or partial ARN) names, or undefined if none. */
  resolveArn(secretId: string): string | undefined;
  /** Stores a new current version of a secret (by ARN, name or partial ARN); throws if unknown. */
  setValue(arnOrName: string, value: string): void;
  /** Closes the server and its connections. Safe to call twice. */
  stop(): Promise<void>;
}

/** One stored secret and its current version. */
interface SecretRecord {
  readonly arn: string;
  /** The ARN without the random suffix, as callers may name the secret. */
  readonly partialArn: string;
  readonly name: string;
  value: string;
  versionId: string;
  createdDate: Date;
}

type Body = Record<string, unknown>;

/** The ARN of a secret: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>[-XXXXXX]`. */
const SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:(.+)$/;
/** The random suffix Secrets Manager appends to a secret's name in its ARN. */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

/** Starts the endpoint on 127.0.0.1 and a free port. */
export async function startLocalSecretsManager(
  options: LocalSecretsManagerOptions,
): Promise<LocalSecretsManager> {
  const records = options.secrets.map(toRecord);
  assertUnique(records);
  const find = (secretId: string): SecretRecord | undefined => findSecret(records, secretId);

  const server = await startAwsJsonServer({
    targetPrefix: "secretsmanager",
    jsonVersion: "1.1",
    operations: { GetSecretValue: (body) => getSecretValue(find, body) },
    internalErrorType: "InternalServiceError",
    unknownOperationMessage: (target) =>
      `Operation ${target} is not supported by the local Secrets Manager`,
    // A body that is not an object names no secret: GetSecretValue's validation answers it.
    nonObjectBody: "empty",
  });
  return {
    endpoint: server.endpoint,
    resolveArn: (secretId) => find(secretId)?.arn,
    setValue: (arnOrName, value) => {
      const record = find(arnOrName);
      if (!record) throw new Error(`No local secret ${arnOrName}`);
      record.value = value;
      record.versionId = randomUUID();
      record.createdDate = new Date();
    },
    stop: () => server.stop(),
  };
}

function toRecord(secret: LocalSecret): SecretRecord {
  const resource = SECRET_ARN.exec(secret.arn)?.[1];
  // Catch a wrong ARN/name pairing here rather than as a puzzling "not found" later.
  if (
    resource === undefined ||
    (resource !== secret.name && resource.replace(RANDOM_SUFFIX, "") !== secret.name)
  ) {
    throw new Error(`Secret ARN ${secret.arn} is not a Secrets Manager ARN for "${secret.name}"`);
  }
  // Built from the name, not by cutting a suffix: a name may itself end like "-abcdef".
  const partialArn = secret.arn.slice(0, secret.arn.length - resource.length) + secret.name;
  return { ...secret, partialArn, versionId: randomUUID(), createdDate: new Date() };
}

function assertUnique(records: readonly SecretRecord[]): void {
  const seen = new Set<string>();
  for (const { arn, name } of records) {
    for (const key of [`arn ${arn}`, `name ${name}`]) {
      if (seen.has(key)) throw new Error(`Duplicate local secret ${key}`);
      seen.add(key);
    }
  }
}

/** Full ARN, then partial ARN (ARN without the random suffix), then name. */
function findSecret(records: readonly SecretRecord[], secretId: string): SecretRecord | undefined {
  if (secretId.startsWith("arn:")) {
    return (
      records.find((record) => record.arn === secretId) ??
      records.find((record) => record.partialArn === secretId)
    );
  }
  return records.find((record) => record.name === secretId);
}

function getSecretValue(find: (secretId: string) => SecretRecord | undefined, body: Body): Body {
  const { SecretId: secretId, VersionId: versionId, VersionStage: versionStage } = body;
  if (typeof secretId !== "string" || secretId === "") {
    throw new AwsServiceError(
      "ValidationException",
      "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
    );
  }
  const record = find(secretId);
  if (!record) {
    throw new AwsServiceError(
      "ResourceNotFoundException",
      "Secrets Manager can't find the specified secret.",
    );
  }
  // Only the current version exists locally; asking for another must not get it silently.
  if (versionId !== undefined && versionId !== record.versionId) {
    throw new AwsServiceError(
      "ResourceNotFoundException",
      `Secrets Manager can't find the specified secret value for VersionId: ${String(versionId)}`,
    );
  }
  if (versionStage !== undefined && versionStage !== "AWSCURRENT") {
    throw new AwsServiceError(
      "ResourceNotFoundException",
      `Secrets Manager can't find the specified secret value for staging label: ${String(versionStage)}`,
    );
  }
  return {
    ARN: record.arn,
    Name: record.name,
    SecretString: record.value,
    VersionId: record.versionId,
    VersionStages: ["AWSCURRENT"],
    // Dates travel as epoch seconds in the AWS JSON protocol.
    CreatedDate: record.createdDate.getTime() / 1000,
  };
}
