import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it, vi } from "vitest";
import { type LocalS3Event, startLocalStack } from "../../local/local-stack.js";

/** Pids of this process's children, read from /proc (Linux) so that looking spawns nothing. */
function childPids(): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // the process ended while we looked
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === process.pid) children.push(Number(entry));
  }
  return children;
}

function countResources(type: string): number {
  return process.getActiveResourcesInfo().filter((name) => name === type).length;
}

/** Resolves with the error code of a TCP connection attempt, or "connected". */
function tryConnect(endpoint: string): Promise<string> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

describe("startLocalStack", () => {
  it("serves S3 and DynamoDB, then stops leaving no server, child process or temp directory", async () => {
    const childrenBefore = childPids();
    const serversBefore = countResources("TCPServerWrap");

    const stack = await startLocalStack({ buckets: ["drop"] });
    expect(stack.dataDirectory.startsWith(join(tmpdir(), "relay-s3-"))).toBe(true);
    expect(existsSync(stack.dataDirectory)).toBe(true);
    expect(countResources("TCPServerWrap")).toBe(serversBefore + 2);

    await stack.s3.client.send(
      new PutObjectCommand({ Bucket: "drop", Key: "a/b.txt", Body: "hello local S3" }),
    );
    const object = await stack.s3.client.send(
      new GetObjectCommand({ Bucket: "drop", Key: "a/b.txt" }),
    );
    expect(await object.Body?.transformToString()).toBe("hello local S3");

    await stack.dynamodb.client.send(
      new CreateTableCommand({
        TableName: "relay",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    await stack.dynamodb.client.send(
      new PutItemCommand({
        TableName: "relay",
        Item: { pk: { S: "upload#1" }, sk: { S: "upload" }, size: { N: "42" } },
      }),
    );
    const item = await stack.dynamodb.client.send(
      new GetItemCommand({
        TableName: "relay",
        Key: { pk: { S: "upload#1" }, sk: { S: "upload" } },
      }),
    );
    expect(item.Item?.size).toEqual({ N: "42" });

    // Both servers run in this process: nothing was spawned.
    expect(childPids()).toEqual(childrenBefore);
    expect(countResources("ProcessWrap")).toBe(0);

    await stack.stop();

    expect(existsSync(stack.dataDirectory)).toBe(false);
    expect(await tryConnect(stack.s3.endpoint)).toBe("ECONNREFUSED");
    expect(await tryConnect(stack.dynamodb.endpoint)).toBe("ECONNREFUSED");
    expect(countResources("TCPServerWrap")).toBe(serversBefore);
    expect(childPids()).toEqual(childrenBefore);
    expect(countResources("ProcessWrap")).toBe(0);

    // A second stop is harmless.
    await expect(stack.stop()).resolves.toBeUndefined();
    expect(existsSync(stack.dataDirectory)).toBe(false);
  });

  it("runs the servers in a process of their own on request: same S3, DynamoDB and events, nothing left after stop", async () => {
    const childrenBefore = childPids();
    const stack = await startLocalStack({ buckets: ["drop"], separateProcess: true });
    try {
      expect(stack.serverPid).not.toBe(process.pid);
      expect(childPids()).toContain(stack.serverPid);
      const events: LocalS3Event[] = [];
      stack.events.on("object", (event) => events.push(event));

      const body = randomBytes(6 * 1024 * 1024 + 5);
      const put = await stack.s3.client.send(
        new PutObjectCommand({ Bucket: "drop", Key: "dir/clip one.mp4", Body: body }),
      );
      const ranged = await stack.s3.client.send(
        new GetObjectCommand({ Bucket: "drop", Key: "dir/clip one.mp4", Range: "bytes=5-9" }),
      );
      expect(Buffer.from((await ranged.Body?.transformToByteArray()) ?? [])).toEqual(
        body.subarray(5, 10),
      );
      // The event crosses the process boundary after the answer: wait for it.
      await vi.waitFor(() => expect(events).toHaveLength(1));
      expect(events[0]).toMatchObject({
        eventName: "ObjectCreated:Put",
        bucket: "drop",
        key: "dir/clip one.mp4",
        size: body.length,
        etag: (put.ETag ?? "").replaceAll('"', ""),
      });

      await stack.dynamodb.client.send(
        new CreateTableCommand({
          TableName: "apart",
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      await stack.dynamodb.client.send(
        new PutItemCommand({ TableName: "apart", Item: { pk: { S: "k" }, n: { N: "7" } } }),
      );
      const item = await stack.dynamodb.client.send(
        new GetItemCommand({ TableName: "apart", Key: { pk: { S: "k" } } }),
      );
      expect(item.Item?.n).toEqual({ N: "7" });
    } finally {
      await stack.stop();
    }
    expect(existsSync(stack.dataDirectory)).toBe(false);
    expect(await tryConnect(stack.s3.endpoint)).toBe("ECONNREFUSED");
    expect(await tryConnect(stack.dynamodb.endpoint)).toBe("ECONNREFUSED");
    expect(childPids()).toEqual(childrenBefore);
  });
});
