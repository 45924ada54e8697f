import { randomBytes } from "node:crypto";
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mapJsonRequest,
  mapS3Request,
  type RequestMapping,
} from "../../../local/aws/aws-request-action.js";
import {
  type GatePrincipal,
  type IamGate,
  LOCAL_CONDITION_CONTEXT,
  startIamGate,
} from "../../../local/aws/iam-gate.js";
import { type LocalStack, startLocalStack } from "../../../local/local-stack.js";
import { type Script, ScriptedHttpServer } from "../../helpers/scripted-http-server.js";

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const BUCKET = "drop";
const TABLE = "relay";
const OTHER_TABLE = "audit";
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:relay/api-key-AbCdEf`;
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/relay-bus`;
const MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:relay`;

/** Shaped like CDK grants (grantRead, grantWrite, grantReadWriteData, secret.grantRead, ...). */
const transferPolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/in/*`],
    },
    {
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:Abort*"],
      Resource: `arn:aws:s3:::${BUCKET}/out/*`,
    },
    {
      Effect: "Allow",
      Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:BatchWriteItem"],
      Resource: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`],
    },
    {
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:relay/api-key-??????`,
    },
    { Effect: "Allow", Action: "events:PutEvents", Resource: BUS_ARN },
    { Effect: "Allow", Action: "states:StartExecution", Resource: MACHINE_ARN },
  ],
};

/** The CDK's `enforceSSL` statement plus an explicit deny that must beat the identity allow. */
const bucketPolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "s3:*",
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "NoQuarantine",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${BUCKET}/in/quarantine/*`,
    },
  ],
};

const transfer: GatePrincipal = {
  name: "TransferFn",
  principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/TransferRole/TransferFn`,
  accessKeyId: "LOCALTRANSFERFN",
  identityPolicies: [{ name: "TransferRoleDefaultPolicy", policy: transferPolicy }],
};

interface AwsError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

async function failure(promise: Promise<unknown>): Promise<AwsError> {
  try {
    await promise;
  } catch (error) {
    return error as AwsError;
  }
  throw new Error("expected the call to fail");
}

/** Answers each `X-Amz-Target` with its fixed body, as a JSON-protocol AWS upstream does. */
function byTarget(answers: Record<string, unknown>): Script {
  return (request) => ({
    status: 200,
    headers: { "content-type": "application/x-amz-json-1.1" },
    json: answers[String(request.headers["x-amz-target"])] ?? {},
  });
}

describe("the local IAM gate", () => {
  let stack: LocalStack;
  let gate: IamGate;
  let stub: ScriptedHttpServer;
  const object = randomBytes(8 * 1024 * 1024);
  const clients: { destroy(): void }[] = [];

  function s3As(accessKeyId: string): S3Client {
    const client = new S3Client({
      region: REGION,
      endpoint: gate.endpoints.s3,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey: "x" },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  }

  function dynamoAs(accessKeyId: string): DynamoDBClient {
    const client = new DynamoDBClient({
      region: REGION,
      endpoint: gate.endpoints.dynamodb,
      credentials: { accessKeyId, secretAccessKey: "x" },
      maxAttempts: 1,
    });
    clients.push(client);
    return client;
  }

  function config(service: "secretsmanager" | "events" | "states") {
    return {
      region: REGION,
      endpoint: gate.endpoints[service],
      credentials: { accessKeyId: transfer.accessKeyId, secretAccessKey: "x" },
      maxAttempts: 1,
    };
  }

  beforeAll(async () => {
    stack = await startLocalStack({ buckets: [BUCKET] });
    stub = await ScriptedHttpServer.start();
    stub.respond(
      byTarget({
        "secretsmanager.GetSecretValue": {
          ARN: SECRET_ARN,
          Name: "relay/api-key",
          SecretString: "x",
        },
        "AWSEvents.PutEvents": { FailedEntryCount: 0, Entries: [{ EventId: "1" }] },
        "AWSStepFunctions.StartExecution": {
          executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:relay:e1`,
          startDate: 1,
        },
      }),
    );
    for (const table of [TABLE, OTHER_TABLE]) {
      await stack.dynamodb.client.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
    }
    for (const key of ["in/video.mp4", "out/video.mp4", "in/quarantine/video.mp4"]) {
      await stack.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: object }));
    }
    gate = await startIamGate({
      account: ACCOUNT,
      region: REGION,
      upstreams: {
        s3: stack.s3.endpoint,
        dynamodb: stack.dynamodb.endpoint,
        secretsmanager: stub.origin,
        events: stub.origin,
        states: stub.origin,
      },
      principals: [transfer],
      resourcePolicy: (service, arn) =>
        service === "s3" && arn.startsWith(`arn:aws:s3:::${BUCKET}`) ? bucketPolicy : undefined,
      resolveSecretArn: (id) =>
        id === "relay/api-key" || id === SECRET_ARN ? SECRET_ARN : undefined,
    });
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await gate?.stop();
    await stub?.close();
    await stack?.stop();
  });

  const lastDecision = () => gate.decisions[gate.decisions.length - 1];

  it("streams an allowed ranged GetObject through, with the right bytes", async () => {
    const s3 = s3As(transfer.accessKeyId);
    const first = 1024 * 1024;
    const last = 5 * 1024 * 1024 - 1;
    const answer = await s3.send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: "in/video.mp4",
        Range: `bytes=${first}-${last}`,
      }),
    );
    expect(answer.$metadata.httpStatusCode).toBe(206);
    expect(answer.ContentRange).toBe(`bytes ${first}-${last}/${object.length}`);
    const bytes = Buffer.from(
      await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(bytes.equals(object.subarray(first, last + 1))).toBe(true);
    expect(lastDecision()).toMatchObject({
      principal: "TransferFn",
      service: "s3",
      action: "s3:GetObject",
      resource: `arn:aws:s3:::${BUCKET}/in/video.mp4`,
      allowed: true,
    });
    expect(lastDecision()?.reason).toContain('identity policy "TransferRoleDefaultPolicy"');
  });

  it("denies GetObject outside the allowed prefix, as S3 does, and records it", async () => {
    const s3 = s3As(transfer.accessKeyId);
    const error = await failure(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "out/video.mp4" })),
    );
    expect(error.name).toBe("AccessDenied");
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      `User: ${transfer.principalArn} is not authorized to perform: s3:GetObject on resource: ` +
        `"arn:aws:s3:::${BUCKET}/out/video.mp4" because no identity-based policy allows the s3:GetObject action`,
    );
    expect(lastDecision()).toMatchObject({
      principal: "TransferFn",
      action: "s3:GetObject",
      resource: `arn:aws:s3:::${BUCKET}/out/video.mp4`,
      allowed: false,
    });
  });

  it("answers a denied HeadObject with 403 and no body", async () => {
    const error = await failure(
      s3As(transfer.accessKeyId).send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: "out/video.mp4" }),
      ),
    );
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(lastDecision()).toMatchObject({ action: "s3:GetObject", allowed: false });
  });

  it("lets an explicit Deny in the bucket policy win over the identity allow", async () => {
    const error = await failure(
      s3As(transfer.accessKeyId).send(
        new GetObjectCommand({ Bucket: BUCKET, Key: "in/quarantine/video.mp4" }),
      ),
    );
    expect(error.name).toBe("AccessDenied");
    expect(error.message).toContain("with an explicit deny in a resource-based policy");
    expect(lastDecision()?.reason).toContain("Sid NoQuarantine");
  });

  it("streams allowed puts and a multipart upload through, and lets s3rver see its own key", async () => {
    const s3 = s3As(transfer.accessKeyId);
    const body = object.subarray(0, 6 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "out/put.bin", Body: body }));

    const key = "out/multi part ä.bin";
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }),
    );
    const part1 = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        PartNumber: 1,
        Body: object.subarray(0, 5 * 1024 * 1024),
      }),
    );
    const part2 = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        PartNumber: 2,
        Body: object.subarray(5 * 1024 * 1024),
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: part1.ETag },
            { PartNumber: 2, ETag: part2.ETag },
          ],
        },
      }),
    );
    const stored = await stack.s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(
      Buffer.from(
        await (
          stored.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      ).equals(object),
    ).toBe(true);
    const resources = gate.decisions.filter((d) => d.resource === `arn:aws:s3:::${BUCKET}/${key}`);
    expect(resources.map((d) => [d.action, d.allowed])).toEqual([
      ["s3:PutObject", true],
      ["s3:PutObject", true],
      ["s3:PutObject", true],
      ["s3:PutObject", true],
    ]);

    const denied = await failure(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "in/put.bin", Body: body })),
    );
    expect(denied.name).toBe("AccessDenied");
    expect(denied.message).toContain("s3:PutObject");
  });

  it("serves a presigned GET made with the principal's key", async () => {
    const url = await getSignedUrl(
      s3As(transfer.accessKeyId),
      new GetObjectCommand({ Bucket: BUCKET, Key: "in/video.mp4" }),
      { expiresIn: 60 },
    );
    const answer = await fetch(url, { headers: { range: "bytes=0-9" } });
    expect(answer.status).toBe(206);
    expect(Buffer.from(await answer.arrayBuffer()).equals(object.subarray(0, 10))).toBe(true);
  });

  it("allows a DynamoDB PutItem and denies a DeleteItem with AccessDeniedException", async () => {
    const dynamodb = dynamoAs(transfer.accessKeyId);
    await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: "a" } } }));
    const stored = await stack.dynamodb.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: "a" } } }),
    );
    expect(stored.Item).toEqual({ pk: { S: "a" } });

    const error = await failure(
      dynamodb.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: "a" } } })),
    );
    expect(error.name).toBe("AccessDeniedException");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      `User: ${transfer.principalArn} is not authorized to perform: dynamodb:DeleteItem on resource: ` +
        `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE} because no identity-based policy allows the dynamodb:DeleteItem action`,
    );
  });

  it("denies a BatchWriteItem when one of its tables is not allowed, writing nothing", async () => {
    const error = await failure(
      dynamoAs(transfer.accessKeyId).send(
        new BatchWriteItemCommand({
          RequestItems: {
            [TABLE]: [{ PutRequest: { Item: { pk: { S: "batch" } } } }],
            [OTHER_TABLE]: [{ PutRequest: { Item: { pk: { S: "batch" } } } }],
          },
        }),
      ),
    );
    expect(error.name).toBe("AccessDeniedException");
    expect(error.message).toContain(
      `dynamodb:BatchWriteItem on resource: arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${OTHER_TABLE}`,
    );
    const written = await stack.dynamodb.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: "batch" } } }),
    );
    expect(written.Item).toBeUndefined();
    expect(gate.decisions.slice(-2).map((d) => [d.resource.split("/")[1], d.allowed])).toEqual([
      [TABLE, true],
      [OTHER_TABLE, false],
    ]);
  });

  it("refuses an unknown access key as AWS does", async () => {
    const s3Error = await failure(
      s3As("AKIANOBODY").send(new GetObjectCommand({ Bucket: BUCKET, Key: "in/video.mp4" })),
    );
    expect(s3Error.name).toBe("InvalidAccessKeyId");
    expect(s3Error.$metadata.httpStatusCode).toBe(403);
    const dynamoError = await failure(
      dynamoAs("AKIANOBODY").send(
        new GetItemCommand({ TableName: TABLE, Key: { pk: { S: "a" } } }),
      ),
    );
    expect(dynamoError.name).toBe("UnrecognizedClientException");
    expect(lastDecision()).toMatchObject({
      principal: "unknown access key AKIANOBODY",
      action: "dynamodb:GetItem",
      allowed: false,
    });
  });

  it("denies requests it cannot map, saying so", async () => {
    const s3Error = await failure(
      s3As(transfer.accessKeyId).send(
        new GetObjectTaggingCommand({ Bucket: BUCKET, Key: "in/video.mp4" }),
      ),
    );
    expect(s3Error.name).toBe("AccessDenied");
    expect(s3Error.message).toContain("the local IAM gate does not know this request");
    expect(lastDecision()).toMatchObject({ action: "unmapped", allowed: false });

    const dynamoError = await failure(
      dynamoAs(transfer.accessKeyId).send(new ListTablesCommand({})),
    );
    expect(dynamoError.name).toBe("AccessDeniedException");
    expect(dynamoError.message).toContain("DynamoDB_20120810.ListTables");
  });

  it("gates Secrets Manager, EventBridge and Step Functions by the resource in the body", async () => {
    const secrets = new SecretsManagerClient(config("secretsmanager"));
    const events = new EventBridgeClient(config("events"));
    const sfn = new SFNClient(config("states"));
    clients.push(secrets, events, sfn);

    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: "relay/api-key" }));
    expect(secret.SecretString).toBe("x");
    expect(lastDecision()).toMatchObject({
      action: "secretsmanager:GetSecretValue",
      resource: SECRET_ARN,
      allowed: true,
    });
    const secretError = await failure(
      secrets.send(new GetSecretValueCommand({ SecretId: "other" })),
    );
    expect(secretError.name).toBe("AccessDeniedException");
    expect(secretError.message).toContain(
      `secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other`,
    );

    const put = await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: "relay-bus", Source: "relay", DetailType: "t", Detail: "{}" }],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const eventsError = await failure(
      events.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: BUS_ARN, Source: "relay", DetailType: "t", Detail: "{}" },
            { Source: "relay", DetailType: "t", Detail: "{}" },
          ],
        }),
      ),
    );
    expect(eventsError.name).toBe("AccessDeniedException");
    expect(eventsError.message).toContain(
      `events:PutEvents on resource: arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
    );

    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE_ARN, input: "{}" }),
    );
    expect(started.executionArn).toContain(":execution:relay:");
    const sfnError = await failure(
      sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn })),
    );
    expect(sfnError.name).toBe("AccessDeniedException");
    expect(sfnError.message).toContain("states:DescribeExecution");

    // Only the allowed calls reached the upstream.
    expect(stub.requests.map((r) => String(r.headers["x-amz-target"]))).toEqual([
      "secretsmanager.GetSecretValue",
      "AWSEvents.PutEvents",
      "AWSStepFunctions.StartExecution",
    ]);
  });

  it("gives a principal its endpoints and credentials", () => {
    const env = gate.envFor("TransferFn");
    expect(env).toEqual({
      AWS_ACCESS_KEY_ID: transfer.accessKeyId,
      AWS_SECRET_ACCESS_KEY: expect.any(String),
      AWS_ENDPOINT_URL_S3: gate.endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: gate.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: gate.endpoints.secretsmanager,
      AWS_ENDPOINT_URL_EVENTBRIDGE: gate.endpoints.events,
      AWS_ENDPOINT_URL_SFN: gate.endpoints.states,
    });
    expect(() => gate.envFor("Nobody")).toThrow(/Nobody/);
    expect(LOCAL_CONDITION_CONTEXT["aws:SecureTransport"]?.value).toBe("true");
  });

  it("checks Lambda invocations made in-process", async () => {
    const decision = await gate.authorize(
      "TransferFn",
      "lambda",
      "lambda:InvokeFunction",
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Other`,
    );
    expect(decision).toMatchObject({ allowed: false, service: "lambda" });
  });

  it("stops twice without complaint", async () => {
    const second = await startIamGate({
      account: ACCOUNT,
      region: REGION,
      upstreams: { s3: stack.s3.endpoint },
      principals: [transfer],
    });
    await second.stop();
    await second.stop();
  });
});

describe("mapping requests to IAM actions", () => {
  const scope = { account: ACCOUNT, region: REGION };
  const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
  const checksOf = (mapping: RequestMapping) => (mapping.known ? mapping.checks : mapping.reason);

  it("maps S3 object and bucket requests, decoding the key", () => {
    const object = `arn:aws:s3:::${BUCKET}/a b/ä+c`;
    const path = `/${BUCKET}/a%20b/%C3%A4%2Bc`;
    expect(checksOf(mapS3Request("GET", `${path}?x-id=GetObject`, {}))).toEqual([
      { action: "s3:GetObject", resource: object },
    ]);
    expect(checksOf(mapS3Request("HEAD", `${path}?versionId=v1`, {}))).toEqual([
      { action: "s3:GetObjectVersion", resource: object },
    ]);
    expect(
      checksOf(mapS3Request("PUT", `${path}?partNumber=2&uploadId=u&x-id=UploadPart`, {})),
    ).toEqual([{ action: "s3:PutObject", resource: object }]);
    expect(
      checksOf(mapS3Request("PUT", path, { "x-amz-copy-source": `src/in%2Fk.mp4?versionId=3` })),
    ).toEqual([
      { action: "s3:PutObject", resource: object },
      { action: "s3:GetObjectVersion", resource: "arn:aws:s3:::src/in/k.mp4" },
    ]);
    expect(checksOf(mapS3Request("POST", `${path}?uploads`, {}))).toEqual([
      { action: "s3:PutObject", resource: object },
    ]);
    expect(checksOf(mapS3Request("DELETE", `${path}?uploadId=u`, {}))).toEqual([
      { action: "s3:AbortMultipartUpload", resource: object },
    ]);
    expect(checksOf(mapS3Request("DELETE", `${path}?versionId=v`, {}))).toEqual([
      { action: "s3:DeleteObjectVersion", resource: object },
    ]);
    expect(checksOf(mapS3Request("GET", `/${BUCKET}?list-type=2&prefix=in%2F`, {}))).toEqual([
      { action: "s3:ListBucket", resource: `arn:aws:s3:::${BUCKET}` },
    ]);
    expect(checksOf(mapS3Request("HEAD", `/${BUCKET}`, {}))).toEqual([
      { action: "s3:ListBucket", resource: `arn:aws:s3:::${BUCKET}` },
    ]);
    expect(checksOf(mapS3Request("PUT", `/${BUCKET}/`, {}))).toEqual([
      { action: "s3:CreateBucket", resource: `arn:aws:s3:::${BUCKET}` },
    ]);
    for (const [method, url] of [
      ["GET", "/"],
      ["POST", `/${BUCKET}?delete`],
      ["GET", `${path}?tagging`],
      ["PUT", `${path}?acl`],
      ["PUT", `${path}?partNumber=1`],
      ["DELETE", `/${BUCKET}`],
      ["GET", "/%E0%A4%A"],
    ] as const) {
      expect(mapS3Request(method, url, {}).known, `${method} ${url}`).toBe(false);
    }
  });

  it("maps DynamoDB requests to their tables, indexes and transaction items", () => {
    const map = (op: string, body: unknown) =>
      checksOf(mapJsonRequest("dynamodb", `DynamoDB_20120810.${op}`, body, scope));
    expect(map("Query", { TableName: "t", IndexName: "gsi1" })).toEqual([
      { action: "dynamodb:Query", resource: `${table("t")}/index/gsi1` },
    ]);
    expect(map("UpdateItem", { TableName: table("t") })).toEqual([
      { action: "dynamodb:UpdateItem", resource: table("t") },
    ]);
    expect(map("BatchGetItem", { RequestItems: { a: {}, b: {} } })).toEqual([
      { action: "dynamodb:BatchGetItem", resource: table("a") },
      { action: "dynamodb:BatchGetItem", resource: table("b") },
    ]);
    expect(
      map("TransactWriteItems", {
        TransactItems: [
          { Put: { TableName: "a" } },
          { Update: { TableName: "a" } },
          { Delete: { TableName: "b" } },
          { ConditionCheck: { TableName: "b" } },
        ],
      }),
    ).toEqual([
      { action: "dynamodb:PutItem", resource: table("a") },
      { action: "dynamodb:UpdateItem", resource: table("a") },
      { action: "dynamodb:DeleteItem", resource: table("b") },
      { action: "dynamodb:ConditionCheckItem", resource: table("b") },
    ]);
    expect(map("TransactGetItems", { TransactItems: [{ Get: { TableName: "a" } }] })).toEqual([
      { action: "dynamodb:GetItem", resource: table("a") },
    ]);
    expect(mapJsonRequest("dynamodb", "DynamoDB_20120810.ListTables", {}, scope).known).toBe(false);
    expect(mapJsonRequest("dynamodb", "AWSEvents.PutEvents", {}, scope).known).toBe(false);
    expect(mapJsonRequest("dynamodb", undefined, {}, scope).known).toBe(false);
  });

  it("maps Secrets Manager, EventBridge and Step Functions requests", () => {
    expect(
      checksOf(
        mapJsonRequest("secretsmanager", "secretsmanager.GetSecretValue", { SecretId: "s" }, scope),
      ),
    ).toEqual([
      {
        action: "secretsmanager:GetSecretValue",
        resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:s`,
      },
    ]);
    expect(
      checksOf(
        mapJsonRequest(
          "secretsmanager",
          "secretsmanager.GetSecretValue",
          { SecretId: "s" },
          {
            ...scope,
            resolveSecretArn: () => SECRET_ARN,
          },
        ),
      ),
    ).toEqual([{ action: "secretsmanager:GetSecretValue", resource: SECRET_ARN }]);
    expect(
      checksOf(
        mapJsonRequest(
          "events",
          "AWSEvents.PutEvents",
          { Entries: [{ EventBusName: "relay-bus" }, { EventBusName: BUS_ARN }, {}] },
          scope,
        ),
      ),
    ).toEqual([
      { action: "events:PutEvents", resource: BUS_ARN },
      {
        action: "events:PutEvents",
        resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
      },
    ]);
    const execution = `arn:aws:states:${REGION}:${ACCOUNT}:execution:relay:e1`;
    expect(
      checksOf(
        mapJsonRequest(
          "states",
          "AWSStepFunctions.StopExecution",
          { executionArn: execution },
          scope,
        ),
      ),
    ).toEqual([{ action: "states:StopExecution", resource: execution }]);
    expect(
      checksOf(
        mapJsonRequest(
          "states",
          "AWSStepFunctions.ListExecutions",
          { stateMachineArn: MACHINE_ARN },
          scope,
        ),
      ),
    ).toEqual([{ action: "states:ListExecutions", resource: MACHINE_ARN }]);
    expect(mapJsonRequest("states", "AWSStepFunctions.CreateStateMachine", {}, scope).known).toBe(
      false,
    );
  });
});
