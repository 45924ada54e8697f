/**
 * The app's CloudFormation template, synthesized in-process. The local runner executes the
 * state machine of this very template, so local and AWS run one definition.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { pipelinePropsFromContext, RelayStack } from "./relay-stack.js";

/** Options of {@link synthRelayTemplate}. */
export interface SynthRelayTemplateOptions {
  /**
   * Bundle the functions with esbuild. The local runner maps functions to local code by their
   * `RELAY_FUNCTION` env var and needs no bundles, so skipping them saves seconds.
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
 * Synthesizes the app's `RelayStack` with its functions bundled, exactly as `cdk synth` does,
 * into a temp directory that stays until `dispose()`: what the local stack runs.
 */
export function synthRelayAssembly(
  options: Omit<SynthRelayTemplateOptions, "bundle"> = {},
): RelayAssembly {
  const outdir = mkdtempSync(join(tmpdir(), "relay-assembly-"));
  try {
    const app = new App({ outdir, context: { ...options.context } });
    const stack = new RelayStack(app, "Relay", {
      env: DUMMY_ENV,
      pipeline: pipelinePropsFromContext(app),
    });
    const template = app.synth().getStackArtifact(stack.artifactId).template as Record<
      string,
      unknown
    >;
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
