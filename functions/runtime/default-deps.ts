/**
 * The clients a deployed handler uses, built from the Lambda environment. The API key is read
 * from Secrets Manager through Powertools (cached for five minutes), never from an env var.
 */

import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { InvalidInputError } from "../core/errors.js";
import { EventBridgePublisher } from "../core/event-publisher.js";
import { createProvider } from "../core/providers/create-provider.js";
import { readHandlerConfig } from "../core/settings.js";
import type { StartDeps } from "../core/steps/start.js";
import type { StepDeps } from "../core/steps/step-deps.js";
import { UploadStore } from "../core/upload-store.js";

const SECRET_MAX_AGE_SECONDS = 300;

/** Clients for every state machine step, from `process.env`. */
export function defaultStepDeps(): StepDeps {
  const config = readHandlerConfig();
  const apiKey = async (): Promise<string> => {
    const key = await getSecret(config.apiKeySecretId, { maxAge: SECRET_MAX_AGE_SECONDS });
    if (typeof key !== "string" || key.length === 0) {
      throw new InvalidInputError(`secret ${config.apiKeySecretId} holds no API key`);
    }
    return key;
  };
  return {
    store: UploadStore.fromClient(new DynamoDBClient({}), { tableName: config.tableName }),
    provider: createProvider({
      provider: config.provider,
      baseUrl: config.providerBaseUrl,
      apiKey,
      allowedUrlHosts: config.allowedUrlHosts,
    }),
    s3: new S3Client({}),
    events: new EventBridgePublisher(new EventBridgeClient({}), config.eventBusName),
    settings: config.settings,
  };
}

/** Clients for the start step, from `process.env`. */
export function defaultStartDeps(): StartDeps {
  const stateMachineArn = process.env.STATE_MACHINE_ARN;
  if (!stateMachineArn)
    throw new InvalidInputError("bad environment: STATE_MACHINE_ARN is not set");
  return { sfn: new SFNClient({}), stateMachineArn };
}
