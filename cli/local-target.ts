/**
 * The local target file: while `npm start` keeps the local stack up, it writes where the
 * stack's endpoints are and which operator credentials pass its IAM gate, so `relay` finds the
 * stack as it would find a deployed one's outputs. The file lives in `RELAY_HOME` (default
 * `.relay/` in the repository) and names the process that holds the stack: once that process is
 * gone the file is stale and ignored.
 */

import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The file's name in the relay home directory. */
const FILE_NAME = "local.json";

/** What the local target file holds (version 1). */
export const LocalTargetFile = z.object({
  version: z.literal(1),
  /** The process holding the local stack. */
  pid: z.number().int().positive(),
  region: z.string().min(1),
  /** The IAM gate's endpoint per service, as `AWS_ENDPOINT_URL_<SERVICE>` would name it. */
  endpoints: z.object({
    s3: z.url(),
    dynamodb: z.url(),
    states: z.url(),
    events: z.url().optional(),
  }),
  /** The operator's access key: local dummies that the gate knows, no AWS secret. */
  credentials: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }),
  bucket: z.string().min(1),
  tableName: z.string().min(1),
  stateMachineArn: z.string().startsWith("arn:"),
  eventBusName: z.string().min(1).optional(),
});
/** What the local target file holds. */
export type LocalTargetFile = z.infer<typeof LocalTargetFile>;

/** The parts of a running local relay the file is written from (`LocalRelay` has them all). */
export interface LocalRelayView {
  readonly bucket: string;
  readonly stateMachineArn: string;
  readonly stack: { readonly region: string };
  readonly deployed: {
    readonly tables: readonly { readonly tableName: string }[];
    readonly eventBuses: readonly { readonly name: string }[];
  };
  readonly operator: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly endpoints: Readonly<Partial<Record<string, string>>>;
  };
}

/**
 * `.relay/` in the repository, not in the working directory: `relay` run from anywhere finds
 * the file `npm start` (run from the repository) wrote.
 */
const DEFAULT_HOME = fileURLToPath(new URL("../.relay", import.meta.url));

/** The directory of the local target file: `RELAY_HOME`, else `.relay/` in the repository. */
export function relayHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.RELAY_HOME || DEFAULT_HOME;
}

/** The path of the local target file in `home`. */
export function localTargetPath(home: string): string {
  return join(home, FILE_NAME);
}

/** The file's content for a running relay held by process `pid`. */
export function localTargetOf(relay: LocalRelayView, pid: number): LocalTargetFile {
  const { endpoints } = relay.operator;
  const table = relay.deployed.tables[0];
  if (!table) throw new Error("the local relay has no table");
  return LocalTargetFile.parse({
    version: 1,
    pid,
    region: relay.stack.region,
    endpoints: {
      s3: endpoints.s3,
      dynamodb: endpoints.dynamodb,
      states: endpoints.states,
      ...(endpoints.events ? { events: endpoints.events } : {}),
    },
    credentials: {
      accessKeyId: relay.operator.accessKeyId,
      secretAccessKey: relay.operator.secretAccessKey,
    },
    bucket: relay.bucket,
    tableName: table.tableName,
    stateMachineArn: relay.stateMachineArn,
    ...(relay.deployed.eventBuses[0] ? { eventBusName: relay.deployed.eventBuses[0].name } : {}),
  });
}

/**
 * Writes the local target file for `relay`, held by process `pid` (this one by default), and
 * answers its path. Written whole and renamed into place, so a reader never sees half a file.
 */
export async function writeLocalTarget(
  relay: LocalRelayView,
  home: string = relayHome(),
  pid: number = process.pid,
): Promise<string> {
  const path = localTargetPath(home);
  await mkdir(home, { recursive: true });
  // The default home is in the work tree: it ignores itself, so git never shows the file.
  if (home === DEFAULT_HOME) await writeFile(join(home, ".gitignore"), "*\n");
  const temp = `${path}.${pid}.tmp`;
  // Only this user reads it: the keys are local dummies, but keys all the same.
  await writeFile(temp, `${JSON.stringify(localTargetOf(relay, pid), null, 2)}\n`, {
    mode: 0o600,
  });
  await rename(temp, path);
  return path;
}

/**
 * Removes the local target file if process `pid` wrote it (another `npm start` may have written
 * its own since). Synchronous, so that it also runs in an `exit` handler.
 */
export function removeLocalTarget(home: string = relayHome(), pid: number = process.pid): void {
  const path = localTargetPath(home);
  const found = readTargetFile(path);
  if (found.kind === "file" && found.target.pid === pid) rmSync(path, { force: true });
}

/** What is found at the local target path. */
export type FoundTarget =
  | { readonly kind: "none" }
  | { readonly kind: "invalid"; readonly reason: string }
  | { readonly kind: "file"; readonly target: LocalTargetFile };

/** Reads and checks the file at `path`. */
export function readTargetFile(path: string): FoundTarget {
  if (!existsSync(path)) return { kind: "none" };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    return { kind: "invalid", reason: `not JSON (${(error as Error).message})` };
  }
  const parsed = LocalTargetFile.safeParse(json);
  if (!parsed.success) return { kind: "invalid", reason: z.prettifyError(parsed.error) };
  return { kind: "file", target: parsed.data };
}

/** Whether process `pid` is alive (one of another user's counts too). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
