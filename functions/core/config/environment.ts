/**
 * A function's configuration, read from its Lambda environment once and validated, so that a
 * misconfigured deployment fails at its first invocation with a message naming the variable.
 * Each function reads exactly the variables its row of `RELAY_STEPS` names, and every one of
 * them is required: the construct sets them all, so a missing one is a wiring fault.
 */

import { z } from "zod";
import { InvalidInputError } from "../errors.js";
import {
  RELAY_STEPS,
  type RelayEnvVar,
  type RelayFunctionName,
  type StepEnvVar,
} from "../step-registry.js";
import { RELAY_LIMITS } from "./defaults.js";

/** Providers the relay can target. */
export const PROVIDER_NAMES = ["twelvelabs", "spatialgen"] as const;

/** Name of a provider. */
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** A JSON-valued variable: parsed, then checked with `schema`. */
function json<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** How the deployment reaches one provider: the `PROVIDERS` variable's entries. */
export const ProviderConfigSchema = z.strictObject({
  baseUrl: z.url(),
  /** Secrets Manager id (ARN or name) of the secret holding the API key. */
  secretId: z.string().min(1),
  allowedUrlHosts: z.array(z.string().min(1)).min(1),
  maxFileSize: z.int().positive(),
});

/** One entry of the `ROUTES` variable: which provider takes the keys under a prefix. */
export const RouteSchema = z.strictObject({
  /** Key prefix; `""` takes every key (the default route, last). */
  prefix: z.string(),
  provider: z.enum(PROVIDER_NAMES),
  /** Group defaults for providers with groups (SpatialGen), overridable by S3 metadata. */
  layout: z.string().min(1).optional(),
  perspective: z.string().min(1).optional(),
  folderName: z.string().min(1).optional(),
  /** TwelveLabs index the route's assets are indexed into once uploaded; none: not indexed. */
  indexId: z.string().min(1).optional(),
});

/** The `PROVIDERS` variable: each provider the deployment uses, by name. */
export const ProvidersSchema = z
  .partialRecord(z.enum(PROVIDER_NAMES), ProviderConfigSchema)
  .refine((providers) => Object.keys(providers).length > 0, "must name at least one provider");

/** How the deployment reaches one provider. */
export type ProviderConfig = z.output<typeof ProviderConfigSchema>;
/** One route: keys under `prefix` go to `provider`. */
export type Route = z.output<typeof RouteSchema>;
/** Every provider of a deployment, by name. */
export type ProvidersConfig = z.output<typeof ProvidersSchema>;

const count = ([min, max]: readonly [number, number]) => z.coerce.number().int().min(min).max(max);

/** How each variable is parsed: the one definition of its format. */
const ENV_SCHEMAS = {
  TABLE_NAME: z.string().min(1),
  PROVIDERS: json(ProvidersSchema),
  ROUTES: json(z.array(RouteSchema).min(1, "must hold at least one route")),
  CHUNKS_PER_BATCH: count(RELAY_LIMITS.chunksPerBatch),
  TRANSFER_CONCURRENCY: count(RELAY_LIMITS.transferConcurrency),
  MAX_POLLS: count(RELAY_LIMITS.maxPolls),
  MAX_INDEX_POLLS: count(RELAY_LIMITS.maxIndexPolls),
  VERIFY_ETAG: z.enum(["true", "false"]).transform((v) => v === "true"),
  EVENT_BUS_NAME: z.string().min(1),
  STATE_MACHINE_ARN: z.string().startsWith("arn:"),
} as const satisfies Record<RelayEnvVar, z.ZodType>;

/** Parsed value of every contract variable. */
export type EnvValues = { readonly [V in RelayEnvVar]: z.output<(typeof ENV_SCHEMAS)[V]> };

/** The configuration of one function: the parsed values of exactly the variables it reads. */
export type StepEnvironment<N extends RelayFunctionName> = Pick<EnvValues, StepEnvVar<N>>;

/**
 * Reads and validates the variables `functionName` reads, and only those.
 *
 * @example
 * const env = readStepEnvironment("finish"); // { TABLE_NAME, EVENT_BUS_NAME }
 */
export function readStepEnvironment<N extends RelayFunctionName>(
  functionName: N,
  env: NodeJS.ProcessEnv = process.env,
): StepEnvironment<N> {
  const names: readonly RelayEnvVar[] = RELAY_STEPS[functionName].env;
  const shape = Object.fromEntries(names.map((name) => [name, ENV_SCHEMAS[name]]));
  const parsed = z.object(shape).safeParse(env);
  if (!parsed.success) {
    throw new InvalidInputError(
      `bad environment of the ${functionName} function: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data as StepEnvironment<N>;
}
