/**
 * The checks of {@link RelayPipelineProps}, run before anything is built: every problem is
 * collected and reported at once, each message naming the props at fault. Pure functions, no
 * constructs. The bounds are owned by `functions/core/config/defaults.ts` (the handlers refuse
 * the same values in their env), `limits.ts` and the admission-control store.
 */

import { Token } from "aws-cdk-lib";
import {
  DEFAULT_PROVIDER,
  PROVIDER_DEFAULTS,
  RELAY_LIMITS,
} from "../functions/core/config/defaults.js";
import { S3_LIMITS } from "../functions/core/config/limits.js";
import { MAX_UPLOAD_SLOTS } from "../functions/core/upload-slots.js";
import { isLoopbackHost } from "../functions/core/url-policy.js";
import type { RelayPipelineProps } from "./relay-pipeline-props.js";

/** Validated limits of the numeric props (shared with the handlers' env checks). */
export const RELAY_PROP_LIMITS = RELAY_LIMITS;

/** A host name, or `*.` and a host name of at least two labels (loopback hosts are let through apart). */
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

/**
 * Throws one error listing every problem with `props` (see {@link validateRelayPipelineProps}),
 * prefixed with the construct's path; returns when they are fine.
 */
export function assertValidRelayPipelineProps(
  constructPath: string,
  props: RelayPipelineProps,
): void {
  const problems = validateRelayPipelineProps(props);
  if (problems.length > 0) {
    throw new Error(
      `RelayPipeline ${constructPath}: invalid props:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

/**
 * Every problem with `props`, as messages naming the props; empty when they are fine.
 * Values that are unresolved tokens are not checked.
 */
export function validateRelayPipelineProps(props: RelayPipelineProps): string[] {
  const problems: string[] = [];
  const provider = props.provider ?? DEFAULT_PROVIDER;
  // Undefined for a provider outside the type (plain JavaScript, or a cast).
  const defaults = PROVIDER_DEFAULTS[provider];
  if (!defaults) {
    problems.push(
      `provider must be one of ${Object.keys(PROVIDER_DEFAULTS).join(", ")}, got ${JSON.stringify(provider)}`,
    );
  }
  if (props.existingBucket && props.bucketProps) {
    problems.push("existingBucket and bucketProps are mutually exclusive: pass one or neither");
  }
  if (props.bucketProps?.eventBridgeEnabled === false) {
    problems.push("bucketProps.eventBridgeEnabled cannot be false: the relay starts on its events");
  }
  if (props.apiKeySecret && props.apiKeySecretName !== undefined) {
    problems.push("apiKeySecret and apiKeySecretName are mutually exclusive: pass one or neither");
  }
  if (props.apiKeySecretName !== undefined && props.apiKeySecretName.trim() === "") {
    problems.push("apiKeySecretName must not be empty");
  }

  const checkInt = (
    name: string,
    value: number | undefined,
    [min, max]: readonly [number, number],
  ): void => {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer in ${min}..${max}, got ${value}`);
    }
  };
  // One batch's URLs and report go out in one provider call each, whichever provider it is.
  const used = [provider, ...(props.routes ?? []).map((r) => r.provider)];
  const chunkCeiling = Math.min(
    RELAY_PROP_LIMITS.chunksPerBatch[1],
    ...used.map(
      (p) => PROVIDER_DEFAULTS[p]?.maxChunksPerCall ?? RELAY_PROP_LIMITS.chunksPerBatch[1],
    ),
  );
  checkInt("chunksPerBatch", props.chunksPerBatch, [
    RELAY_PROP_LIMITS.chunksPerBatch[0],
    chunkCeiling,
  ]);
  checkInt("transferConcurrency", props.transferConcurrency, RELAY_PROP_LIMITS.transferConcurrency);
  checkInt("mapConcurrency", props.mapConcurrency, RELAY_PROP_LIMITS.mapConcurrency);
  checkInt("maxPolls", props.maxPolls, RELAY_PROP_LIMITS.maxPolls);
  checkInt("maxIndexPolls", props.maxIndexPolls, RELAY_PROP_LIMITS.maxIndexPolls);
  if (props.indexId !== undefined && props.indexId.trim() === "") {
    problems.push("indexId must not be empty: leave it out not to index");
  }
  if (
    props.metricsNamespace !== undefined &&
    !/^[A-Za-z0-9._/#:-]{1,255}$/.test(props.metricsNamespace)
  ) {
    problems.push(
      `metricsNamespace must be 1..255 of A-Z a-z 0-9 . _ / # : -, got ${JSON.stringify(props.metricsNamespace)}`,
    );
  } else if (props.metricsNamespace?.startsWith("AWS/")) {
    problems.push("metricsNamespace must not start with AWS/ (reserved for AWS services)");
  }
  checkInt("maxConcurrentUploads", props.maxConcurrentUploads, [1, MAX_UPLOAD_SLOTS]);
  checkInt("transferMemorySize", props.transferMemorySize, RELAY_PROP_LIMITS.transferMemorySize);
  checkInt("maxFileSize", props.maxFileSize, [1, S3_LIMITS.maxObjectSize]);
  for (const [name, interval, [min, max]] of [
    ["pollInterval", props.pollInterval, RELAY_PROP_LIMITS.pollIntervalSeconds],
    ["indexPollInterval", props.indexPollInterval, RELAY_PROP_LIMITS.indexPollIntervalSeconds],
  ] as const) {
    if (!interval || interval.isUnresolved()) continue;
    const ms = interval.toMilliseconds();
    // A Wait state takes whole seconds.
    if (ms % 1000 !== 0 || ms < min * 1000 || ms > max * 1000) {
      problems.push(
        `${name} must be whole seconds in ${min}..${max} s, got ${interval.toHumanString()}`,
      );
    }
  }

  checkConnection(problems, "", {
    baseUrl: props.providerBaseUrl,
    allowedUrlHosts: props.allowedUrlHosts,
  });
  checkRoutes(problems, props, provider);
  for (const suffix of props.keySuffixes ?? []) {
    if (suffix === "") problems.push("keySuffixes must not contain an empty string");
  }
  return problems;
}

/** A provider connection's URL and hosts; `at` prefixes the prop names (`providers.x.`). */
function checkConnection(
  problems: string[],
  at: string,
  connection: { baseUrl?: string; allowedUrlHosts?: readonly string[] },
): void {
  const urlProp = at ? `${at}baseUrl` : "providerBaseUrl";
  const { baseUrl, allowedUrlHosts } = connection;
  if (baseUrl !== undefined && !Token.isUnresolved(baseUrl)) {
    if (!URL.canParse(baseUrl)) {
      problems.push(`${urlProp} is not a URL: ${baseUrl}`);
    } else {
      const url = new URL(baseUrl);
      if (
        url.protocol !== "https:" &&
        !(url.protocol === "http:" && isLoopbackHost(url.hostname))
      ) {
        problems.push(`${urlProp} must be https (http only on a loopback host), got ${baseUrl}`);
      }
    }
  }
  if (allowedUrlHosts !== undefined) {
    if (allowedUrlHosts.length === 0) {
      problems.push(`${at}allowedUrlHosts must not be empty: no presigned URL could be used`);
    }
    for (const host of allowedUrlHosts) {
      if (!Token.isUnresolved(host) && !HOST_PATTERN.test(host) && !isLoopbackHost(host)) {
        problems.push(
          `${at}allowedUrlHosts entry ${JSON.stringify(host)} is not a host name (optionally starting with "*.")`,
        );
      }
    }
  }
}

/** Routes name known providers, distinct non-empty prefixes; `providers` only routed ones. */
function checkRoutes(problems: string[], props: RelayPipelineProps, provider: string): void {
  const prefixes = new Set<string>();
  const routed = new Set<string>();
  for (const [i, route] of (props.routes ?? []).entries()) {
    if (!PROVIDER_DEFAULTS[route.provider]) {
      problems.push(
        `routes[${i}].provider must be one of ${Object.keys(PROVIDER_DEFAULTS).join(", ")}, got ${JSON.stringify(route.provider)}`,
      );
    }
    if (!route.keyPrefix) {
      problems.push(`routes[${i}].keyPrefix must not be empty: every other key goes to provider`);
    }
    if (prefixes.has(route.keyPrefix)) {
      problems.push(`routes[${i}].keyPrefix ${JSON.stringify(route.keyPrefix)} is routed twice`);
    }
    if (props.keyPrefix && !route.keyPrefix.startsWith(props.keyPrefix)) {
      problems.push(
        `routes[${i}].keyPrefix ${JSON.stringify(route.keyPrefix)} is outside keyPrefix ${JSON.stringify(props.keyPrefix)}: no event would reach it`,
      );
    }
    const group = route.layout ?? route.perspective ?? route.folderName;
    if (group !== undefined && route.provider !== "spatialgen") {
      problems.push(`routes[${i}]: layout, perspective and folderName are SpatialGen's only`);
    }
    if (route.indexId !== undefined && route.provider !== "twelvelabs") {
      problems.push(`routes[${i}]: indexId is TwelveLabs' only (SpatialGen has no indexes)`);
    }
    if (route.indexId !== undefined && route.indexId.trim() === "") {
      problems.push(`routes[${i}].indexId must not be empty`);
    }
    prefixes.add(route.keyPrefix);
    routed.add(route.provider);
  }
  for (const [name, connection] of Object.entries(props.providers ?? {})) {
    const at = `providers.${name}.`;
    if (name === provider) {
      problems.push(
        `providers.${name}: ${name} is the default provider; set its connection with apiKeySecret, apiKeySecretName, providerBaseUrl, allowedUrlHosts and maxFileSize`,
      );
    } else if (!routed.has(name)) {
      problems.push(`providers.${name}: no route sends keys to ${name}`);
    }
    if (!connection) continue;
    if (connection.apiKeySecret && connection.apiKeySecretName !== undefined) {
      problems.push(`${at}apiKeySecret and ${at}apiKeySecretName are mutually exclusive`);
    }
    if (connection.apiKeySecretName !== undefined && connection.apiKeySecretName.trim() === "") {
      problems.push(`${at}apiKeySecretName must not be empty`);
    }
    const size = connection.maxFileSize;
    if (
      size !== undefined &&
      !Token.isUnresolved(size) &&
      (!Number.isInteger(size) || size < 1 || size > S3_LIMITS.maxObjectSize)
    ) {
      problems.push(
        `${at}maxFileSize must be an integer in 1..${S3_LIMITS.maxObjectSize}, got ${size}`,
      );
    }
    checkConnection(problems, at, connection);
  }
}
