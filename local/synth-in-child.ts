/**
 * The relay's cloud assembly, synthesized in a child process: aws-cdk-lib and esbuild then
 * leave nothing behind in the caller, whose memory stays the relay's (synthesis grows a
 * process by about 300 MiB that it never gives back).
 */

import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RelayAssembly } from "../infra/synth-template.js";
import { runJsonChild } from "./run-json-child.js";

const ENTRY = fileURLToPath(new URL("./synth-child.ts", import.meta.url));
/** A synthesis that bundles every function from scratch takes well under this. */
const SYNTH_DEADLINE_MS = 300_000;

/** Synthesizes with `context` in a child; the assembly's directory is the caller's to dispose. */
export async function synthRelayAssemblyInChild(
  context: Record<string, unknown>,
): Promise<RelayAssembly> {
  const { template, directory } = await runJsonChild<{
    template: Record<string, unknown>;
    directory: string;
  }>(
    { context },
    {
      entry: ENTRY,
      label: "synthesis",
      deadlineMs: SYNTH_DEADLINE_MS,
    },
  );
  return {
    template,
    directory,
    dispose: () => rmSync(directory, { recursive: true, force: true }),
  };
}
