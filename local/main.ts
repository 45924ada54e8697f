/**
 * `npm start [-- FILE] [--bucket NAME] [--chunk-size SIZE] [--no-watch]`: runs the whole relay on
 * the embedded local stack (local S3 and DynamoDB, the TwelveLabs sandbox or the real API, the
 * CDK-synthesized state machine) and shows every upload as it moves.
 *
 * With FILE: drops it into the bucket, shows its progress, prints its asset id and exits.
 * Without: relays a generated sample, then watches the bucket for whatever else is dropped into
 * it, until Ctrl-C. Exit codes: 0 done, 1 an upload failed, 2 bad usage.
 *
 * The functions run as their shipped bundles in workers, with their synthesized environment:
 * their log lines reach this process through `onLog`, and only warnings and errors are shown.
 *
 * While the stack is up, `$RELAY_HOME/local.json` (default `.relay/` in the repository) says
 * where it is, so that the `relay` CLI talks to it; it is removed on exit.
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import type { Readable } from "node:stream";
import { removeLocalTarget, writeLocalTarget } from "../cli/local-target.js";
import { type Dropped, dropObject, randomBytesSource } from "./cli/drop-object.js";
import { ProgressBoard } from "./cli/progress-board.js";
import { type Request, readRequest } from "./cli/start-request.js";
import { MiB, messageOf, mib, scrubberOf } from "./cli/text.js";
import { UploadMonitor } from "./cli/upload-monitor.js";
import type { LocalRelay } from "./local-relay.js";

const SAMPLE_KEY = "sample/sample-video.mp4";
const SAMPLE_SIZE = 64 * MiB;

/** What one run holds, for the steps and for shutdown. */
interface Session {
  readonly relay: LocalRelay;
  readonly board: ProgressBoard;
  readonly monitor: UploadMonitor;
  /** Cleans secrets and presigned URLs out of text about to be shown. */
  readonly scrub: (text: string) => string;
}

/** Drops one object, waits for its upload and checks the asset; returns the exit code. */
async function relayObject(
  session: Session,
  key: string,
  source: Readable,
  size: number,
): Promise<number> {
  const { relay, board, monitor } = session;
  board.print(`dropping ${key} (${mib(size)}) into s3://${relay.bucket}`);
  const dropped = await dropObject(relay, key, source, size);
  const { outcome, execution } = await monitor.outcomeOf(dropped.key, dropped.etag);
  await execution.done;
  if (!outcome.ok) return 1; // the monitor printed the reason
  if (outcome.skipped) return 0;
  return verifyAsset(session, outcome.assetId, dropped);
}

/**
 * A manifest and its group: each file the manifest names (a path beside it on disk) is
 * dropped into the group folder `<name>.group/`, then the manifest itself, which starts the
 * upload. Its outcome is the group's; every file is read back and compared.
 */
async function relayManifest(session: Session, path: string): Promise<number> {
  const { relay, board, monitor } = session;
  const manifest = JSON.parse(await readFile(path, "utf8")) as {
    files?: { key?: unknown }[];
  };
  const folder = `${basename(path, extname(path))}.group/`;
  const members: { key: string; md5: string }[] = [];
  for (const file of manifest.files ?? []) {
    if (typeof file.key !== "string") throw new Error(`${path}: every file needs a key`);
    const local = join(dirname(path), file.key);
    const size = (await stat(local)).size;
    board.print(`dropping ${folder}${file.key} (${mib(size)})`);
    const dropped = await dropObject(relay, `${folder}${file.key}`, createReadStream(local), size);
    members.push({ key: file.key, md5: dropped.md5 });
  }
  const size = (await stat(path)).size;
  const dropped = await dropObject(
    relay,
    `${folder}${basename(path)}`,
    createReadStream(path),
    size,
  );
  const { outcome, execution } = await monitor.outcomeOf(dropped.key, dropped.etag);
  await execution.done;
  if (!outcome.ok || outcome.skipped) return 1;
  const group = relay.spatialgen?.groups().find((g) => g.libraryId === outcome.assetId);
  if (!relay.spatialgen || !group) return 0;
  for (const member of members) {
    const md5 = await md5Of(
      await relay.spatialgen.fileStream(group.uploadSessionId, basename(member.key)),
    );
    if (md5 !== member.md5) {
      process.stderr.write(
        `verification failed: ${member.key}: MD5 ${md5}, source ${member.md5}\n`,
      );
      return 1;
    }
    board.print(`verified: ${member.key} MD5 ${md5} equals the source's`);
  }
  return 0;
}

/** MD5 of a stream, hex, hashed as it arrives: constant memory for any size. */
async function md5Of(stream: Readable): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** In the sandbox, streams the asset back and compares its MD5 with the source's. */
async function verifyAsset(session: Session, assetId: string, dropped: Dropped): Promise<number> {
  const { sandbox, spatialgen } = session.relay;
  if (spatialgen) {
    const group = spatialgen.groups().find((g) => g.libraryId === assetId);
    if (group) {
      const md5 = await md5Of(await spatialgen.fileStream(group.uploadSessionId, "video"));
      if (md5 !== dropped.md5) {
        process.stderr.write(`verification failed: file MD5 ${md5}, source MD5 ${dropped.md5}\n`);
        return 1;
      }
      session.board.print(`verified: file MD5 ${md5} equals the source's`);
      return 0;
    }
  }
  if (!sandbox) return 0; // the real API's assets cannot be read back
  const md5 = await md5Of(await sandbox.assetStream(assetId));
  if (md5 !== dropped.md5) {
    process.stderr.write(`verification failed: asset MD5 ${md5}, source MD5 ${dropped.md5}\n`);
    return 1;
  }
  session.board.print(`verified: asset MD5 ${md5} equals the source's`);
  return 0;
}

/** How to drop more files into the running relay. */
function printWatchHelp(
  relay: LocalRelay,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
): void {
  const endpoint = relay.stack.s3.endpoint;
  const env =
    `AWS_ACCESS_KEY_ID=${credentials.accessKeyId} ` +
    `AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey} AWS_REGION=${relay.stack.region}`;
  process.stdout.write(
    [
      "",
      `watching s3://${relay.bucket}: every object dropped into it is relayed.`,
      `  S3 endpoint:  ${endpoint}`,
      `  bucket:       ${relay.bucket}`,
      `  credentials:  ${env} (local dummies)`,
      "  try:",
      // Newer AWS CLIs add checksum headers by default, which the local S3 server does not know.
      `    ${env} AWS_REQUEST_CHECKSUM_CALCULATION=when_required \\`,
      `      aws --endpoint-url ${endpoint} s3 cp ./video.mp4 s3://${relay.bucket}/`,
      "  or, with progress and the asset id (`npx relay --help` for more):",
      "    npx relay drop ./video.mp4",
      "press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
}

let stopping: Promise<void> | undefined;

/** Stops everything once, then exits with `code` (the first caller's). */
function shutdown(session: Session, code: number): Promise<void> {
  stopping ??= (async () => {
    session.monitor.stop();
    session.board.stop();
    removeLocalTarget();
    await session.relay.stop().catch((error: unknown) => {
      process.stderr.write(`npm start: stopping failed: ${messageOf(error)}\n`);
    });
    // Let stdout drain before exiting, where it is asynchronous (pipes on some systems).
    await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
    process.exit(code);
  })();
  return stopping;
}

/** Starts the relay, its progress display and the monitor of its executions. */
async function startSession(request: Request): Promise<Session> {
  process.stdout.write(
    "starting the local relay (synthesizing the CDK app and bundling its functions takes a few seconds)\n",
  );
  const { startLocalRelay } = await import("./local-relay.js");
  // The functions' log lines stay in relay.logs; warnings and errors are shown, scrubbed.
  let show: (line: string) => void = () => undefined;
  const relay = await startLocalRelay({
    // The fake S3 and DynamoDB on their own core: the relay's work is not queued behind theirs.
    separateStorageProcess: true,
    // Synthesis's 300 MiB stay in a child: this process holds only the relay.
    synthInChildProcess: true,
    // Each function environment a process of its own, as Lambda gives each a sandbox: no
    // process holds every function's memory (1.6 GiB as threads for a 1 GiB file; 0.5 GiB
    // here, and at most ~180 MiB in each function's process).
    functionProcesses: true,
    ...(request.bucket !== undefined ? { bucket: request.bucket } : {}),
    ...(request.remote ? { remote: request.remote } : {}),
    ...(request.allowUrlHosts.length > 0 ? { allowUrlHosts: request.allowUrlHosts } : {}),
    ...(request.chunkSize !== undefined ? { sandbox: { chunkSize: request.chunkSize } } : {}),
    ...(request.provider === "spatialgen"
      ? {
          context: { "relay:provider": "spatialgen" },
          spatialgen: request.chunkSize !== undefined ? { partSize: request.chunkSize } : {},
        }
      : {}),
    onLog: (line, functionName) => {
      if (/"level":"(WARN|ERROR|CRITICAL)"/.test(line)) show(`${functionName}: ${line}`);
    },
  });
  const secrets = [request.remote?.apiKey, relay.sandbox?.apiKey, relay.spatialgen?.apiKey].filter(
    (s) => s !== undefined,
  );
  const scrub = scrubberOf(secrets);
  const board = new ProgressBoard();
  show = (line) => board.print(scrub(line));
  const monitor = new UploadMonitor(relay, board, scrub);
  monitor.start();
  const provider = request.remote
    ? `the TwelveLabs API at ${scrub(request.remote.baseUrl)}`
    : request.provider === "spatialgen"
      ? "the local SpatialGen sandbox"
      : "the local TwelveLabs sandbox";
  board.print(`local relay up: s3://${relay.bucket} at ${relay.stack.s3.endpoint} → ${provider}`);
  // From here `relay` finds this stack; the exit handler also covers a crash's process.exit.
  await writeLocalTarget(relay);
  process.on("exit", () => removeLocalTarget());
  return { relay, board, monitor, scrub };
}

async function main(): Promise<void> {
  const request = await readRequest(process.argv.slice(2), process.env);
  const session = await startSession(request);
  let watching = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    // Idle watching ends normally; an interrupted upload does not.
    void shutdown(session, watching ? 0 : signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let code: number;
  try {
    code =
      request.file !== undefined &&
      request.provider === "spatialgen" &&
      request.file.endsWith(".json")
        ? await relayManifest(session, request.file)
        : request.file !== undefined
          ? await relayObject(
              session,
              basename(request.file),
              createReadStream(request.file),
              request.fileSize ?? 0,
            )
          : await relayObject(session, SAMPLE_KEY, randomBytesSource(SAMPLE_SIZE), SAMPLE_SIZE);
  } catch (error) {
    process.stderr.write(`npm start: ${session.scrub(messageOf(error))}\n`);
    code = 1;
  }
  if (request.file !== undefined || !request.watch || code !== 0) {
    await shutdown(session, code);
    return;
  }
  const { LOCAL_CREDENTIALS } = await import("./local-stack.js");
  printWatchHelp(session.relay, LOCAL_CREDENTIALS);
  watching = true;
  // From here the servers keep the process alive; a signal ends it through shutdown.
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start: ${messageOf(error)}\n`);
  process.exit(1);
});
