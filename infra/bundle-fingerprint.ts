/**
 * The fingerprint of everything a function bundle is built from: every file under `functions/`,
 * the lockfile (which pins every bundled package), the esbuild version and the bundling options.
 * Given to the functions as their asset hash, it lets CDK skip bundling when a bundle with the
 * same inputs is already staged, and it changes whenever any input does.
 */

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

let cached: { readonly key: string; readonly fingerprint: string } | undefined;

/** Fingerprint of the bundle inputs under `projectRoot`, with `options` (JSON) mixed in. */
export function bundleFingerprint(projectRoot: string, options: unknown): string {
  const key = `${projectRoot}\n${JSON.stringify(options)}`;
  if (cached?.key === key) return cached.fingerprint;
  const hash = createHash("sha256");
  const esbuild = createRequire(join(projectRoot, "package.json"))("esbuild/package.json") as {
    version: string;
  };
  hash.update(`esbuild ${esbuild.version}\n${JSON.stringify(options)}\n`);
  const files = [
    ...listFiles(join(projectRoot, "functions")),
    join(projectRoot, "package-lock.json"),
  ].sort();
  for (const file of files) {
    hash.update(`${relative(projectRoot, file)}\n`);
    hash.update(readFileSync(file));
  }
  const fingerprint = hash.digest("hex");
  cached = { key, fingerprint };
  return fingerprint;
}

function listFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}
