/**
 * The relay's cloud assembly, synthesized in a child process: aws-cdk-lib and esbuild then
 * leave nothing behind in the caller, whose memory stays the relay's (synthesis grows a
 * process by about 300 MiB that it never gives back).
 */

import { spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RelayAssembly } from "../infra/synth-template.js";

const ENTRY = fileURLToPath(new URL("./synth-child.ts", import.meta.url));

/** Synthesizes with `context` in a child; the assembly's directory is the caller's to dispose. */
export async function synthRelayAssemblyInChild(
  context: Record<string, unknown>,
): Promise<RelayAssembly> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (piece: Buffer) => {
    stdout += piece.toString();
  });
  child.stderr.on("data", (piece: Buffer) => {
    stderr += piece.toString();
  });
  child.stdin.end(JSON.stringify({ context }));
  const [code] = (await once(child, "close")) as [number | null];
  const line = stdout.trim().split("\n").pop() ?? "";
  if (code !== 0 || !line.startsWith("{")) {
    throw new Error(`synthesis failed (exit ${code}): ${stderr.trim().slice(-2000)}`);
  }
  const { template, directory } = JSON.parse(line) as {
    template: Record<string, unknown>;
    directory: string;
  };
  return {
    template,
    directory,
    dispose: () => rmSync(directory, { recursive: true, force: true }),
  };
}
