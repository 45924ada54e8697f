/** Runs the `relay` CLI as a user does: `node bin/relay.mjs ...`, a process of its own. */

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const running = new Set<ChildProcess>();

/** What a finished run left. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A run in progress: its output so far, and its end. */
export interface Running {
  readonly child: ChildProcess;
  /** Resolves once stdout has matched `pattern` (checked as output arrives). */
  stdoutMatches(pattern: RegExp): Promise<void>;
  readonly done: Promise<Run>;
}

/**
 * Starts `relay ...args` with exactly `env` (plus PATH), from the repository root. Only a
 * safety net ends a hung run (`killAfterMs`, SIGKILL): no test measures time with it.
 */
export function startRelay(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  killAfterMs = 90_000,
): Running {
  const child = spawn(process.execPath, ["bin/relay.mjs", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  const watchers = new Set<{ pattern: RegExp; resolve: () => void }>();
  child.stdout?.on("data", (data: Buffer) => {
    stdout += data.toString();
    for (const watcher of watchers) {
      if (!watcher.pattern.test(stdout)) continue;
      watchers.delete(watcher);
      watcher.resolve();
    }
  });
  child.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  const done = (async (): Promise<Run> => {
    const [code] = (await once(child, "close")) as [number | null];
    clearTimeout(timer);
    running.delete(child);
    return { code, stdout, stderr };
  })();
  return {
    child,
    done,
    stdoutMatches: (pattern) =>
      pattern.test(stdout)
        ? Promise.resolve()
        : new Promise((resolve) => watchers.add({ pattern, resolve })),
  };
}

/** Runs `relay ...args` to its end. */
export function runRelay(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return startRelay(args, env).done;
}

/** Kills every run still going (a failed test's). */
export function killRunning(): void {
  for (const child of running) child.kill("SIGKILL");
}
