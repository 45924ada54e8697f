/**
 * The handlers' configuration, read from the Lambda environment once and validated, so that a
 * misconfigured deployment fails at its first invocation with a message naming the variable.
 */

import { z } from "zod";
import { RELAY_DEFAULTS, RELAY_LIMITS } from "./config.js";
import { InvalidInputError } from "./errors.js";
import type { RelaySettings } from "./steps/step-deps.js";

const count = (fallback: number, [min, max]: readonly [number, number]) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const Environment = z.object({
  TABLE_NAME: z.string().min(1),
  PROVIDER: z.enum(["twelvelabs"]).default("twelvelabs"),
  PROVIDER_BASE_URL: z.url().default("https://api.twelvelabs.io/v1.3"),
  API_KEY_SECRET_ID: z.string().min(1),
  ALLOWED_URL_HOSTS: z.string().default("*.amazonaws.com"),
  CHUNKS_PER_BATCH: count(RELAY_DEFAULTS.chunksPerBatch, RELAY_LIMITS.chunksPerBatch),
  TRANSFER_CONCURRENCY: count(RELAY_DEFAULTS.transferConcurrency, RELAY_LIMITS.transferConcurrency),
  MAX_POLLS: count(RELAY_DEFAULTS.maxPolls, RELAY_LIMITS.maxPolls),
  VERIFY_ETAG: z
    .enum(["true", "false"])
    .default(RELAY_DEFAULTS.verifyEtag ? "true" : "false")
    .transform((v) => v === "true"),
  EVENT_BUS_NAME: z.string().min(1).default("default"),
});

/** Validated handler configuration. */
export interface HandlerConfig {
  readonly tableName: string;
  readonly provider: "twelvelabs";
  readonly providerBaseUrl: string;
  readonly apiKeySecretId: string;
  readonly allowedUrlHosts: string[];
  readonly eventBusName: string;
  readonly settings: RelaySettings;
}

/** Reads and validates the handler configuration from `env`. */
export function readHandlerConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    throw new InvalidInputError(`bad environment: ${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  return {
    tableName: e.TABLE_NAME,
    provider: e.PROVIDER,
    providerBaseUrl: e.PROVIDER_BASE_URL,
    apiKeySecretId: e.API_KEY_SECRET_ID,
    allowedUrlHosts: e.ALLOWED_URL_HOSTS.split(",")
      .map((h) => h.trim())
      .filter(Boolean),
    eventBusName: e.EVENT_BUS_NAME,
    settings: {
      chunksPerBatch: e.CHUNKS_PER_BATCH,
      transferConcurrency: e.TRANSFER_CONCURRENCY,
      maxPolls: e.MAX_POLLS,
      verifyEtag: e.VERIFY_ETAG,
      urlRefreshMarginMs: RELAY_DEFAULTS.urlRefreshMarginSeconds * 1000,
    },
  };
}
