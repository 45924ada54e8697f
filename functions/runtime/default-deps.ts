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
import type { EnvValues } from "../core/config/environment.js";
import { InvalidInputError } from "../core/errors.js";
import { EventBridgePublisher, type EventPublisher } from "../core/event-publisher.js";
import type { Provider } from "../core/provider.js";
import { createProvider } from "../core/providers/create-provider.js";
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

/** The provider's API client, its key read from the secret `API_KEY_SECRET_ID` names. */
export function providerFrom(
  env: Pick<
    EnvValues,
    "PROVIDER" | "PROVIDER_BASE_URL" | "API_KEY_SECRET_ID" | "ALLOWED_URL_HOSTS"
  > &
    Partial<Pick<EnvValues, "MAX_FILE_SIZE">>,
): Provider {
  const apiKey = async (): Promise<string> => {
    const key = await getSecret(env.API_KEY_SECRET_ID, { maxAge: SECRET_MAX_AGE_SECONDS });
    if (typeof key !== "string" || key.length === 0) {
      throw new InvalidInputError(`secret ${env.API_KEY_SECRET_ID} holds no API key`);
    }
    return key;
  };
  return createProvider({
    provider: env.PROVIDER,
    baseUrl: env.PROVIDER_BASE_URL,
    apiKey,
    allowedUrlHosts: env.ALLOWED_URL_HOSTS,
    // Plain http only to an allowed loopback host: a local sandbox, never a deployed service.
    insecureHosts: env.ALLOWED_URL_HOSTS.filter(isLoopbackHost),
    ...(env.MAX_FILE_SIZE !== undefined ? { maxFileSize: env.MAX_FILE_SIZE } : {}),
  });
}

/** The provider's name and size limit, for a step that makes no provider call. */
export function providerInfoFrom(
  env: Pick<EnvValues, "PROVIDER" | "MAX_FILE_SIZE">,
): Pick<Provider, "name" | "maxFileSize"> {
  return { name: env.PROVIDER, maxFileSize: env.MAX_FILE_SIZE };
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
