/**
 * AWS-side faults injected by the local IAM gate, met by real AWS SDK v3 clients pointed at the
 * gate as the functions' are: they get exactly S3's `SlowDown` and DynamoDB's throttling, and
 * their own retries ride them out.
 */

import { randomBytes } from "node:crypto";
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type AwsFaultInjector,
  createAwsFaults,
  faultKindOf,
} from "../../../local/aws/aws-faults.js";
import { type GatePrincipal, type IamGate, startIamGate } from "../../../local/aws/iam-gate.js";
import { type LocalStack, startLocalStack } from "../../../local/local-stack.js";
import { seededRandom } from "../../../local/seeded-random.js";

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const BUCKET = "drop";
const TABLE = "relay";

const policy = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: ["s3:GetObject*", "s3:PutObject"],
      Resource: `arn:aws:s3:::${BUCKET}/in/*`,
    },
    {
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`,
    },
  ],
};

function principal(name: string): GatePrincipal {
  return {
    name,
    principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}Role/${name}`,
    accessKeyId: `LOCAL${name.toUpperCase()}`,
    identityPolicies: [{ name: `${name}Policy`, policy }],
  };
}

/** A relay function, whose calls may be faulted. */
const transfer = principal("TransferFn");
/** Another caller of the gate, left alone by the faults. */
const harness = principal("Harness");

interface AwsError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number; attempts?: number };
}

async function failure(promise: Promise<unknown>): Promise<AwsError> {
  try {
    await promise;
  } catch (error) {
    return error as AwsError;
  }
  throw new Error("expected the call to fail");
}

/** Rolls `values` in order, then never faults again. */
function scripted(...values: number[]): () => number {
  return () => values.shift() ?? 0.999;
}

describe("the fault injector", () => {
  it("applies each kind to its operations only", () => {
    expect(faultKindOf({ service: "s3", operation: "GetObject" })).toBe("s3GetSlowDown");
    expect(faultKindOf({ service: "s3", operation: "HeadObject" })).toBeUndefined();
    expect(faultKindOf({ service: "s3", operation: "ListObjectsV2" })).toBeUndefined();
    for (const operation of ["PutObject", "UploadPart", "CompleteMultipartUpload"]) {
      expect(faultKindOf({ service: "s3", operation })).toBe("s3PutSlowDown");
    }
    for (const operation of ["GetItem", "PutItem", "UpdateItem", "Query", "BatchWriteItem"]) {
      expect(faultKindOf({ service: "dynamodb", operation })).toBe("dynamoThrottle");
    }
    expect(faultKindOf({ service: "dynamodb", operation: "CreateTable" })).toBeUndefined();
    expect(faultKindOf({ service: "secretsmanager", operation: "GetSecretValue" })).toBeUndefined();
  });

  it("faults at its rate, counts per kind, and takes new rates with set", () => {
    const faults = createAwsFaults({ s3GetSlowDown: 1 });
    const get = { principal: "Fn", service: "s3", operation: "GetObject" } as const;
    const put = { principal: "Fn", service: "dynamodb", operation: "PutItem" } as const;
    expect(faults.faultFor(get)?.status).toBe(503);
    expect(faults.faultFor(put)).toBeUndefined();
    faults.set({ dynamoThrottle: 1 });
    expect(faults.faultFor(get)).toBeUndefined();
    expect(faults.faultFor(put)?.status).toBe(400);
    expect(faults.counts()).toEqual({ s3GetSlowDown: 1, s3PutSlowDown: 0, dynamoThrottle: 1 });
  });

  it("repeats from its seed, each kind on its own stream", () => {
    const run = (interleaveDynamo: boolean) => {
      const faults = createAwsFaults({ s3GetSlowDown: 0.3, dynamoThrottle: 0.3, seed: 42 });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 50; i++) {
        if (interleaveDynamo) {
          faults.faultFor({ principal: "Fn", service: "dynamodb", operation: "GetItem" });
        }
        const fault = faults.faultFor({ principal: "Fn", service: "s3", operation: "GetObject" });
        outcomes.push(fault !== undefined);
      }
      return outcomes;
    };
    const alone = run(false);
    expect(run(false)).toEqual(alone);
    // DynamoDB calls in between do not change which GETs fault.
    expect(run(true)).toEqual(alone);
    expect(alone.filter(Boolean).length).toBeGreaterThan(0);
    expect(alone.filter(Boolean).length).toBeLessThan(50);
  });

  it("leaves principals outside `principals` alone", () => {
    const faults = createAwsFaults({ s3GetSlowDown: 1, principals: ["TransferFn"] });
    expect(faults.faultFor({ principal: "Harness", service: "s3", operation: "GetObject" })).toBe(
      undefined,
    );
    expect(
      faults.faultFor({ principal: "TransferFn", service: "s3", operation: "GetObject" }),
    ).toBeDefined();
    expect(faults.counts().s3GetSlowDown).toBe(1);
  });

  it("refuses a rate outside 0..1, naming it", () => {
    expect(() => createAwsFaults({ dynamoThrottle: 1.5 })).toThrow(/dynamoThrottle/);
    expect(() => createAwsFaults().set({ s3GetSlowDown: Number.NaN })).toThrow(/s3GetSlowDown/);
  });

  it("yields numbers in [0, 1) from a seed, the same each time", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const values = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(values);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBe(1000);
  });
});

describe("AWS faults through the local IAM gate", () => {
  let stack: LocalStack;
  let gate: IamGate;
  /** The injector the gate asks; each test swaps in the one it needs. */
  let faults: AwsFaultInjector;
  const object = randomBytes(6 * 1024 * 1024);
  const clients: { destroy(): void }[] = [];

  function s3As(who: GatePrincipal, maxAttempts?: number): S3Client {
    const client = new S3Client({
      region: REGION,
      endpoint: gate.endpoints.s3,
      forcePathStyle: true,
      credentials: { accessKeyId: who.accessKeyId, secretAccessKey: "x" },
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
    });
    clients.push(client);
    return client;
  }

  function dynamoAs(who: GatePrincipal, maxAttempts?: number): DynamoDBClient {
    const client = new DynamoDBClient({
      region: REGION,
      endpoint: gate.endpoints.dynamodb,
      credentials: { accessKeyId: who.accessKeyId, secretAccessKey: "x" },
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
    });
    clients.push(client);
    return client;
  }

  async function rangedGet(client: S3Client): Promise<Buffer> {
    const answer = await client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: "in/video.mp4", Range: "bytes=1024-5242879" }),
    );
    expect(answer.$metadata.httpStatusCode).toBe(206);
    return Buffer.from(
      await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }

  beforeAll(async () => {
    stack = await startLocalStack({ buckets: [BUCKET] });
    await stack.dynamodb.client.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    await stack.s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "in/video.mp4", Body: object }),
    );
    gate = await startIamGate({
      account: ACCOUNT,
      region: REGION,
      upstreams: { s3: stack.s3.endpoint, dynamodb: stack.dynamodb.endpoint },
      principals: [transfer, harness],
      // The gate holds one injector for its life; this one forwards to the test's current one.
      faults: {
        faultFor: (call) => faults.faultFor(call),
        counts: () => faults.counts(),
        set: (rates) => faults.set(rates),
      },
    });
  });

  beforeEach(() => {
    faults = createAwsFaults({ principals: [transfer.name] });
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await gate?.stop();
    await stack?.stop();
  });

  it("answers a ranged GetObject with S3's 503 SlowDown, as the SDK sees it", async () => {
    faults.set({ s3GetSlowDown: 1 });
    const error = await failure(rangedGet(s3As(transfer, 1)));
    expect(error.name).toBe("SlowDown");
    expect(error.message).toBe("Please reduce your request rate.");
    expect(error.$metadata.httpStatusCode).toBe(503);
    expect(faults.counts().s3GetSlowDown).toBe(1);
    // The decision was an allow: the fault comes after authorization.
    expect(gate.decisions.at(-1)).toMatchObject({ action: "s3:GetObject", allowed: true });
  });

  it("sends S3's own SlowDown document on the wire", async () => {
    faults.set({ s3GetSlowDown: 1 });
    const url = await getSignedUrl(
      s3As(transfer),
      new GetObjectCommand({ Bucket: BUCKET, Key: "in/video.mp4" }),
    );
    const answer = await fetch(url, { headers: { range: "bytes=0-1023" } });
    expect(answer.status).toBe(503);
    expect(answer.headers.get("content-type")).toBe("application/xml");
    expect(answer.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/);
    expect(await answer.text()).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>SlowDown<\/Code><Message>Please reduce your request rate\.<\/Message><RequestId>[0-9A-F]{16}<\/RequestId><HostId>[^<]+<\/HostId><\/Error>$/,
    );
  });

  it("lets the SDK's own retries ride out a SlowDown on a ranged GET", async () => {
    faults = createAwsFaults({
      principals: [transfer.name],
      s3GetSlowDown: 0.5,
      random: scripted(0),
    });
    const bytes = await rangedGet(s3As(transfer));
    expect(bytes.equals(object.subarray(1024, 5242880))).toBe(true);
    expect(faults.counts().s3GetSlowDown).toBe(1);
  });

  it("faults no HeadObject and no caller outside its principals", async () => {
    faults.set({ s3GetSlowDown: 1 });
    const head = await s3As(transfer, 1).send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: "in/video.mp4" }),
    );
    expect(head.ContentLength).toBe(object.length);
    const bytes = await rangedGet(s3As(harness, 1));
    expect(bytes.length).toBe(5242880 - 1024);
    expect(faults.counts().s3GetSlowDown).toBe(0);
  });

  it("keeps a denied call denied, injecting nothing", async () => {
    faults.set({ s3GetSlowDown: 1, dynamoThrottle: 1 });
    const s3Error = await failure(
      s3As(transfer, 1).send(new GetObjectCommand({ Bucket: BUCKET, Key: "out/video.mp4" })),
    );
    expect(s3Error.name).toBe("AccessDenied");
    expect(s3Error.$metadata.httpStatusCode).toBe(403);
    const dynamoError = await failure(dynamoAs(transfer, 1).send(new ListTablesCommand({})));
    expect(dynamoError.name).toBe("AccessDeniedException");
    expect(faults.counts()).toEqual({ s3GetSlowDown: 0, s3PutSlowDown: 0, dynamoThrottle: 0 });
  });

  it.each([
    ["a small body", 1024],
    ["a body sent after 100 Continue", 3 * 1024 * 1024],
  ])("answers a PutObject with %s with SlowDown, and a retry stores it", async (_, size) => {
    faults.set({ s3PutSlowDown: 1 });
    const body = randomBytes(size);
    const key = `in/put-${size}.bin`;
    const error = await failure(
      s3As(transfer, 1).send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })),
    );
    expect(error.name).toBe("SlowDown");
    expect(error.$metadata.httpStatusCode).toBe(503);

    faults = createAwsFaults({
      principals: [transfer.name],
      s3PutSlowDown: 0.5,
      random: scripted(0),
    });
    await s3As(transfer).send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    expect(faults.counts().s3PutSlowDown).toBe(1);
    const stored = await stack.s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const bytes = Buffer.from(
      await (stored.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(bytes.equals(body)).toBe(true);
  });

  it("throttles DynamoDB item calls with ProvisionedThroughputExceededException", async () => {
    faults.set({ dynamoThrottle: 1 });
    const error = await failure(
      dynamoAs(transfer, 1).send(
        new PutItemCommand({ TableName: TABLE, Item: { pk: { S: "throttled" } } }),
      ),
    );
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(error.name).toBe("ProvisionedThroughputExceededException");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toMatch(/^Throughput exceeds the current capacity of your table/);
    // Throttled before it reached the table: nothing was written.
    const read = await stack.dynamodb.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: "throttled" } } }),
    );
    expect(read.Item).toBeUndefined();
  });

  it("sends DynamoDB's own JSON 1.0 throttling error on the wire", async () => {
    faults.set({ dynamoThrottle: 1 });
    const answer = await fetch(gate.endpoints.dynamodb as string, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.GetItem",
        authorization: `AWS4-HMAC-SHA256 Credential=${transfer.accessKeyId}/20250101/${REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({ TableName: TABLE, Key: { pk: { S: "a" } } }),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toBe("application/x-amz-json-1.0");
    const body = (await answer.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["__type", "message"]);
    expect(body.__type).toBe(
      "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    );
  });

  it("lets the SDK's own retries ride out throttled DynamoDB writes and reads", async () => {
    faults = createAwsFaults({
      principals: [transfer.name],
      dynamoThrottle: 0.5,
      // Put: throttled twice, then through; update: through; get: throttled once.
      random: scripted(0, 0, 0.9, 0.9, 0, 0.9),
    });
    const dynamo = dynamoAs(transfer);
    const put = await dynamo.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: "ridden" }, n: { N: "1" } } }),
    );
    expect(put.$metadata.attempts).toBe(3);
    await dynamo.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: "ridden" } },
        UpdateExpression: "SET n = n + :one",
        ExpressionAttributeValues: { ":one": { N: "1" } },
      }),
    );
    const read = await dynamo.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: "ridden" } } }),
    );
    expect(read.$metadata.attempts).toBe(2);
    expect(read.Item).toEqual({ pk: { S: "ridden" }, n: { N: "2" } });
    expect(faults.counts().dynamoThrottle).toBe(3);
  });
});
