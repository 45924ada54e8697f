/**
 * The clients a deployed handler uses, each built from the part of the environment that names
 * it. A function builds only what its row of `RELAY_STEPS` gives it variables for. The API key
 * is read from Secrets Manager through Powertools (cached for five minutes), never from an env
 * var, and only when a provider call needs it.
 */

import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { RELAY_DEFAULTS } from "../core/config/defaults.js";
import {
  type EnvValues,
  PROVIDER_NAMES,
  type ProviderConfig,
  type ProviderName,
} from "../core/config/environment.js";
import { InvalidInputError } from "../core/errors.js";
import { EventBridgePublisher, type EventPublisher } from "../core/event-publisher.js";
import { createProvider } from "../core/providers/create-provider.js";
import { ProviderRegistry } from "../core/providers/provider-registry.js";
import { UploadSlots } from "../core/upload-slots.js";
import { UploadStore } from "../core/upload-store.js";
import { isLoopbackHost } from "../core/url-policy.js";

const SECRET_MAX_AGE_SECONDS = 300;

/** The store on the table `TABLE_NAME` names. */
export function storeFrom(env: Pick<EnvValues, "TABLE_NAME">): UploadStore {
  return UploadStore.fromClient(new DynamoDBClient({}), { tableName: env.TABLE_NAME });
}

/** The upload slots (admission control) on the table `TABLE_NAME` names. */
export function slotsFrom(env: Pick<EnvValues, "TABLE_NAME">): UploadSlots {
  return UploadSlots.fromClient(new DynamoDBClient({}), { tableName: env.TABLE_NAME });
}

/**
 * The providers `PROVIDERS` names, each with its own API key read from its own secret when a
 * call needs it. Building them makes no call, so a step that only checks (admit) reads no key.
 */
export function providersFrom(env: Pick<EnvValues, "PROVIDERS">): ProviderRegistry {
  const configs = env.PROVIDERS;
  const names = PROVIDER_NAMES.filter((name) => configs[name] !== undefined);
  return new ProviderRegistry(names, (name) => {
    const provider = name as ProviderName;
    const config = configs[provider] as ProviderConfig;
    const apiKey = async (): Promise<string> => {
      const key = await getSecret(config.secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
      if (typeof key !== "string" || key.length === 0) {
        throw new InvalidInputError(`secret ${config.secretId} holds no ${provider} API key`);
      }
      return key;
    };
    return createProvider({
      provider,
      baseUrl: config.baseUrl,
      apiKey,
      allowedUrlHosts: config.allowedUrlHosts,
      // Plain http only to an allowed loopback host: a local sandbox, never a deployed service.
      insecureHosts: config.allowedUrlHosts.filter(isLoopbackHost),
      maxFileSize: config.maxFileSize,
    });
  });
}

/** The publisher to the bus `EVENT_BUS_NAME` names. */
export function eventsFrom(env: Pick<EnvValues, "EVENT_BUS_NAME">): EventPublisher {
  return new EventBridgePublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME);
}

/** A default S3 client (the endpoint comes from the standard AWS variables). */
export function s3Client(): S3Client {
  return new S3Client({});
}

/** A default Step Functions client. */
export function sfnClient(): SFNClient {
  return new SFNClient({});
}

/** How early a stored presigned URL is refreshed: a fixed margin, not a deployment choice. */
export const URL_REFRESH_MARGIN_MS = RELAY_DEFAULTS.urlRefreshMarginSeconds * 1000;
