/**
 * Entry of the separate cloud process (`node --import tsx local/cloud/cloud-process.ts`, forked
 * with an IPC channel by `separate-cloud.ts`): starts the storage servers on the directory it is
 * given, reports their ports, forwards S3 events, and exits when told to stop or when its
 * parent goes away.
 *
 * Messages, parent → child: `{type: "start", directory}` | `{type: "stop"}`.
 * Child → parent: `{type: "ready", s3Port, dynamodbPort}` | `{type: "s3-events", records}` |
 * `{type: "failed", message}`.
 */

import { type CloudServers, startCloudServers } from "./cloud-servers.js";

let servers: CloudServers | undefined;

const send = (message: unknown): void => {
  if (process.connected) process.send?.(message);
};

async function stop(code: number): Promise<never> {
  await servers?.close();
  process.exit(code);
}

process.on("message", (message: { type?: string; directory?: string }) => {
  if (message.type === "start" && typeof message.directory === "string" && !servers) {
    startCloudServers(message.directory, (records) => send({ type: "s3-events", records }))
      .then((started) => {
        servers = started;
        send({ type: "ready", s3Port: started.s3Port, dynamodbPort: started.dynamodbPort });
      })
      .catch((error: unknown) => {
        send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
        void stop(1);
      });
  } else if (message.type === "stop") {
    void stop(0);
  }
});
// A parent that dies without a word must not leave servers behind.
process.on("disconnect", () => void stop(0));
