/**
 * The app's CloudFormation template, synthesized in-process. The local runner executes the
 * state machine of this very template, so local and AWS run one definition.
 */

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { App } from "aws-cdk-lib";
import { pipelinePropsFromContext, RelayStack } from "./relay-stack.js";

/** Options of {@link synthRelayTemplate}. */
export interface SynthRelayTemplateOptions {
  /**
   * Bundle the functions with esbuild. Template-only readers (infra tests) skip it to save
   * seconds; the local stack runs bundles and uses {@link synthRelayAssembly}.
   * @default false
   */
  readonly bundle?: boolean;
  /**
   * CDK context, e.g. `{ "relay:chunksPerBatch": 4 }` (see `RELAY_CONTEXT_KEYS`).
   * @default - none: the pipeline's defaults
   */
  readonly context?: Record<string, unknown>;
}

/** Dummy environment: synthesis needs one, nothing is deployed. */
const DUMMY_ENV = { account: "111111111111", region: "us-east-1" } as const;

/** A synthesized cloud assembly on disk: the template and the function bundles beside it. */
export interface RelayAssembly {
  /** The `Relay` stack's template. */
  readonly template: Record<string, unknown>;
  /** The assembly's directory; each function's `aws:asset:path` is relative to it. */
  readonly directory: string;
  /** Removes the directory. */
  dispose(): void;
}

/**
 * Where bundles are kept between synths, by asset hash (which fingerprints their inputs).
 * Outside the project on purpose: a bundle run from there cannot resolve a package it left out
 * from the project's node_modules, just as on Lambda.
 */
const BUNDLE_CACHE = join(
  tmpdir(),
  `relay-bundles-${createHash("sha256")
    .update(fileURLToPath(new URL("..", import.meta.url)))
    .digest("hex")
    .slice(0, 12)}`,
);

/**
 * Synthesizes the app's `RelayStack` with its functions bundled, exactly as `cdk synth` does,
 * into a temp directory that stays until `dispose()`: what the local stack runs.
 *
 * Bundles staged by an earlier synth are linked in first: the functions' asset hashes
 * fingerprint every bundle input, so CDK skips bundling one whose folder exists, and bundles
 * only what changed. New bundles are kept for the next synth (in the OS temp folder).
 */
export function synthRelayAssembly(
  options: Omit<SynthRelayTemplateOptions, "bundle"> = {},
): RelayAssembly {
  const outdir = mkdtempSync(join(tmpdir(), "relay-assembly-"));
  try {
    mkdirSync(BUNDLE_CACHE, { recursive: true });
    for (const asset of readdirSync(BUNDLE_CACHE)) {
      if (asset.startsWith("asset.")) symlinkSync(join(BUNDLE_CACHE, asset), join(outdir, asset));
    }
    const app = new App({ outdir, context: { ...options.context } });
    const stack = new RelayStack(app, "Relay", {
      env: DUMMY_ENV,
      pipeline: pipelinePropsFromContext(app),
    });
    const template = app.synth().getStackArtifact(stack.artifactId).template as Record<
      string,
      unknown
    >;
    keepNewBundles(outdir, template);
    return {
      template,
      directory: outdir,
      dispose: () => rmSync(outdir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

/** Builds the app's `RelayStack` with a dummy account/region and returns its template JSON. */
export function synthRelayTemplate(
  options: SynthRelayTemplateOptions = {},
): Record<string, unknown> {
  // An explicit temp outdir: under the CDK CLI the default would be the CLI's own cdk.out.
  const outdir = mkdtempSync(join(tmpdir(), "relay-synth-"));
  const app = new App({
    outdir,
    context: {
      ...options.context,
      // An empty list of stacks to bundle skips esbuild (the code asset is a placeholder).
      ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
    },
  });
  const stack = new RelayStack(app, "Relay", {
    env: DUMMY_ENV,
    pipeline: pipelinePropsFromContext(app),
  });
  const assembly = app.synth();
  try {
    return assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>;
  } finally {
    // Nothing needs the assembly once the template is read.
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Moves the bundles this synth built into the cache (linking them back), and drops stale ones. */
function keepNewBundles(outdir: string, template: Record<string, unknown>): void {
  const used = new Set<string>();
  for (const resource of Object.values((template.Resources ?? {}) as Record<string, CfnLike>)) {
    const key = resource.Properties?.Code?.S3Key;
    if (typeof key === "string") used.add(`asset.${key.replace(/\.zip$/, "")}`);
  }
  for (const entry of readdirSync(outdir, { withFileTypes: true })) {
    if (!entry.name.startsWith("asset.") || !entry.isDirectory() || !used.has(entry.name)) continue;
    const cached = join(BUNDLE_CACHE, entry.name);
    try {
      // Atomic: a parallel synth that kept the same bundle first wins, ours stays local.
      renameSync(join(outdir, entry.name), cached);
      symlinkSync(cached, join(outdir, entry.name));
    } catch {
      // Kept by another process already; this assembly keeps its own copy.
    }
  }
  for (const asset of readdirSync(BUNDLE_CACHE)) {
    if (!used.has(asset)) rmSync(join(BUNDLE_CACHE, asset), { recursive: true, force: true });
  }
}

interface CfnLike {
  readonly Properties?: { readonly Code?: { readonly S3Key?: unknown } };
}
