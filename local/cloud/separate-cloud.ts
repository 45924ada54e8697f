/**
 * The storage servers in a separate process: the same {@link CloudServers}, forked from
 * `cloud-process.ts` with an IPC channel, so that S3 and DynamoDB work (hashing parts,
 * assembling objects, serving ranged GETs) runs on its own event loop and core.
 */

import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CloudServers, S3rverRecord } from "./cloud-servers.js";

const ENTRY = fileURLToPath(new URL("./cloud-process.ts", import.meta.url));
/** Longest wait for the child to start, or to stop before it is killed. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

type FromChild =
  | { readonly type: "ready"; readonly s3Port: number; readonly dynamodbPort: number }
  | { readonly type: "s3-events"; readonly records: readonly S3rverRecord[] }
  | { readonly type: "failed"; readonly message: string };

/** Forks the cloud process on `directory`; `onRecords` gets its S3 events, in order. */
export async function startSeparateCloud(
  directory: string,
  onRecords: (records: readonly S3rverRecord[]) => void,
): Promise<CloudServers> {
  const child: ChildProcess = fork(ENTRY, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ports = await new Promise<{ s3Port: number; dynamodbPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the cloud process did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.on("message", (message: FromChild) => {
      if (message.type === "ready") {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === "s3-events") {
        onRecords(message.records);
      } else if (message.type === "failed") {
        clearTimeout(timer);
        reject(new Error(`the cloud process failed: ${message.message}`));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the cloud process exited (${code}) before it was ready`));
    });
    child.send({ type: "start", directory });
  });
  let closed: Promise<void> | undefined;
  return {
    ...ports,
    pid: child.pid ?? 0,
    close: () => {
      closed ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          if (child.connected) child.send({ type: "stop" });
          const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
      })();
      return closed;
    },
  };
}
