/**
 * Maps one AWS API request, as it arrives on the wire, to the IAM action(s) and resource ARN(s)
 * AWS authorizes it against. Only the operations the relay's functions use are mapped; anything
 * else is reported as unknown so that the gate denies it loudly instead of allowing by default.
 */

import type { IncomingHttpHeaders } from "node:http";

/** The AWS services the local IAM gate stands in front of. */
export type GatedService = "s3" | "dynamodb" | "secretsmanager" | "events" | "states";

/** The services that speak an AWS JSON protocol (`POST /` with `X-Amz-Target`). */
export type JsonService = Exclude<GatedService, "s3">;

/** One authorization check: an IAM action on one resource. */
export interface ActionCheck {
  readonly action: string;
  readonly resource: string;
}

/** What a request is, for IAM: its operation and every check it needs, or why it is unknown. */
export type RequestMapping =
  | { readonly known: true; readonly operation: string; readonly checks: readonly ActionCheck[] }
  | { readonly known: false; readonly operation: string; readonly reason: string };

/** Account and region of the ARNs built for regional resources. */
export interface ArnScope {
  readonly account: string;
  readonly region: string;
  /** Turns a `SecretId` (name, full or partial ARN) into the secret's full ARN, if known. */
  readonly resolveSecretArn?: (secretId: string) => string | undefined;
}

/** Protocol facts of each JSON service: its target prefix and content type. */
export const JSON_PROTOCOLS: Readonly<
  Record<JsonService, { readonly targetPrefix: string; readonly contentType: string }>
> = {
  dynamodb: { targetPrefix: "DynamoDB_20120810.", contentType: "application/x-amz-json-1.0" },
  secretsmanager: { targetPrefix: "secretsmanager.", contentType: "application/x-amz-json-1.1" },
  events: { targetPrefix: "AWSEvents.", contentType: "application/x-amz-json-1.1" },
  states: { targetPrefix: "AWSStepFunctions.", contentType: "application/x-amz-json-1.0" },
};

const unknown = (operation: string, reason: string): RequestMapping => ({
  known: false,
  operation,
  reason,
});

const known = (operation: string, checks: readonly ActionCheck[]): RequestMapping => ({
  known: true,
  operation,
  checks,
});

// ---------------------------------------------------------------------------------------------
// S3 (REST, path-style)

/** Query parameters of a ListObjects / ListObjectsV2 request. */
const LIST_PARAMETERS = new Set([
  "list-type",
  "prefix",
  "delimiter",
  "max-keys",
  "continuation-token",
  "start-after",
  "fetch-owner",
  "encoding-type",
  "marker",
]);

/** Query parameters of GetObject / HeadObject that do not name another sub-resource. */
const GET_OBJECT_PARAMETERS = new Set([
  "versionId",
  "partNumber",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
]);

/**
 * Query parameters that never change the operation: the SDK's `x-id` hint and the SigV4 query
 * parameters of a presigned URL (`X-Amz-Credential`, ...).
 */
function isNeutralParameter(name: string): boolean {
  return name === "x-id" || name.toLowerCase().startsWith("x-amz-");
}

function decodePath(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** The ARN of an S3 bucket, or of an object in it. */
export function s3Arn(bucket: string, key?: string): string {
  return key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
}

/** The object a CopyObject / UploadPartCopy reads: `x-amz-copy-source: bucket/key[?versionId=]`. */
function copySourceCheck(copySource: string): ActionCheck | undefined {
  const [encodedPath = "", query = ""] = copySource.split("?", 2);
  const path = decodePath(encodedPath.replace(/^\//, ""));
  if (path === undefined || path.startsWith("arn:")) return undefined;
  const slash = path.indexOf("/");
  if (slash <= 0 || slash === path.length - 1) return undefined;
  const versioned = new URLSearchParams(query).has("versionId");
  return {
    action: versioned ? "s3:GetObjectVersion" : "s3:GetObject",
    resource: s3Arn(path.slice(0, slash), path.slice(slash + 1)),
  };
}

/**
 * Maps a path-style S3 REST request (`/bucket/key?query`) to its IAM checks. Virtual-hosted
 * requests are not mapped: the local endpoints are IP addresses, which the SDK addresses
 * path-style.
 */
export function mapS3Request(
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
): RequestMapping {
  let url: URL;
  try {
    // Concatenated, not resolved: a path starting "//" must stay a path, not become a host.
    url = new URL(rawUrl.startsWith("/") ? `http://gate.invalid${rawUrl}` : rawUrl);
  } catch {
    return unknown(`${method} ${rawUrl}`, "the request target is not a URL");
  }
  const line = `${method} ${url.pathname}${url.search}`;
  const encodedPath = url.pathname.slice(1);
  const slash = encodedPath.indexOf("/");
  const bucket = decodePath(slash < 0 ? encodedPath : encodedPath.slice(0, slash));
  const key = slash < 0 ? "" : decodePath(encodedPath.slice(slash + 1));
  if (bucket === undefined || key === undefined) {
    return unknown(line, "the path is not valid URL encoding");
  }
  if (bucket === "")
    return unknown(line, "requests to the service root (ListBuckets) are not mapped");

  const parameters = [...url.searchParams.keys()].filter((name) => !isNeutralParameter(name));
  const has = (name: string): boolean => url.searchParams.has(name);
  const only = (...allowed: string[]): boolean => parameters.every((p) => allowed.includes(p));
  const unmapped = (): RequestMapping =>
    unknown(line, `S3 ${method} on ${key === "" ? "a bucket" : "an object"} with this query`);

  if (key === "") {
    const bucketArn = s3Arn(bucket);
    if (method === "GET" && parameters.every((p) => LIST_PARAMETERS.has(p))) {
      const v2 = url.searchParams.get("list-type");
      if (v2 !== null && v2 !== "2") return unmapped();
      return known(v2 === "2" ? "ListObjectsV2" : "ListObjects", [
        { action: "s3:ListBucket", resource: bucketArn },
      ]);
    }
    if (method === "HEAD" && only()) {
      return known("HeadBucket", [{ action: "s3:ListBucket", resource: bucketArn }]);
    }
    if (method === "PUT" && only()) {
      return known("CreateBucket", [{ action: "s3:CreateBucket", resource: bucketArn }]);
    }
    return unmapped();
  }

  const objectArn = s3Arn(bucket, key);
  const versioned = has("versionId");
  switch (method) {
    case "GET":
    case "HEAD": {
      if (!parameters.every((p) => GET_OBJECT_PARAMETERS.has(p) || p.startsWith("response-"))) {
        return unmapped();
      }
      return known(method === "GET" ? "GetObject" : "HeadObject", [
        { action: versioned ? "s3:GetObjectVersion" : "s3:GetObject", resource: objectArn },
      ]);
    }
    case "PUT": {
      const part = has("partNumber") || has("uploadId");
      if (!only("partNumber", "uploadId") || (part && !(has("partNumber") && has("uploadId")))) {
        return unmapped();
      }
      const checks: ActionCheck[] = [{ action: "s3:PutObject", resource: objectArn }];
      const copySource = headers["x-amz-copy-source"];
      if (typeof copySource === "string") {
        // A copy also reads its source, and AWS authorizes that read too.
        const source = copySourceCheck(copySource);
        if (!source) return unknown(line, `copy source "${copySource}" is not a bucket/key`);
        checks.push(source);
        return known(part ? "UploadPartCopy" : "CopyObject", checks);
      }
      return known(part ? "UploadPart" : "PutObject", checks);
    }
    case "POST": {
      if (has("uploads") && only("uploads")) {
        return known("CreateMultipartUpload", [{ action: "s3:PutObject", resource: objectArn }]);
      }
      if (has("uploadId") && only("uploadId")) {
        return known("CompleteMultipartUpload", [{ action: "s3:PutObject", resource: objectArn }]);
      }
      return unmapped();
    }
    case "DELETE": {
      if (has("uploadId") && only("uploadId")) {
        return known("AbortMultipartUpload", [
          { action: "s3:AbortMultipartUpload", resource: objectArn },
        ]);
      }
      if (!only("versionId")) return unmapped();
      return known("DeleteObject", [
        { action: versioned ? "s3:DeleteObjectVersion" : "s3:DeleteObject", resource: objectArn },
      ]);
    }
    default:
      return unmapped();
  }
}

// ---------------------------------------------------------------------------------------------
// JSON protocols

type Body = Record<string, unknown>;

function isBody(value: unknown): value is Body {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(body: Body, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function tableArn(scope: ArnScope, table: string): string {
  // DynamoDB accepts a table ARN wherever it takes a table name.
  return table.startsWith("arn:")
    ? table
    : `arn:aws:dynamodb:${scope.region}:${scope.account}:table/${table}`;
}

/** DynamoDB item operations inside a TransactWriteItems / TransactGetItems request. */
const TRANSACT_ACTIONS: Readonly<Record<string, string>> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
  Get: "dynamodb:GetItem",
};

function mapDynamoDb(operation: string, body: Body, scope: ArnScope): RequestMapping {
  const target = `DynamoDB_20120810.${operation}`;
  const action = `dynamodb:${operation}`;
  if (operation === "BatchGetItem" || operation === "BatchWriteItem") {
    const tables = isBody(body.RequestItems) ? Object.keys(body.RequestItems) : [];
    if (tables.length === 0) return unknown(target, "no tables in RequestItems");
    return known(
      operation,
      tables.map((t) => ({ action, resource: tableArn(scope, t) })),
    );
  }
  if (operation === "TransactWriteItems" || operation === "TransactGetItems") {
    const items = Array.isArray(body.TransactItems) ? body.TransactItems : [];
    const checks: ActionCheck[] = [];
    for (const item of items) {
      const [kind, request] = isBody(item) ? (Object.entries(item)[0] ?? []) : [];
      const itemAction = kind === undefined ? undefined : TRANSACT_ACTIONS[kind];
      const table = isBody(request) ? text(request, "TableName") : undefined;
      if (!itemAction || !table) return unknown(target, "a TransactItems entry names no table");
      checks.push({ action: itemAction, resource: tableArn(scope, table) });
    }
    if (checks.length === 0) return unknown(target, "no TransactItems");
    return known(operation, checks);
  }
  const table = text(body, "TableName");
  if (!table) return unknown(target, "the request names no TableName");
  const index = text(body, "IndexName");
  const resource =
    index && (operation === "Query" || operation === "Scan")
      ? `${tableArn(scope, table)}/index/${index}`
      : tableArn(scope, table);
  return known(operation, [{ action, resource }]);
}

function mapSecretsManager(operation: string, body: Body, scope: ArnScope): RequestMapping {
  const secretId = text(body, "SecretId");
  if (!secretId) return unknown(`secretsmanager.${operation}`, "the request names no SecretId");
  const resource =
    scope.resolveSecretArn?.(secretId) ??
    (secretId.startsWith("arn:")
      ? secretId
      : `arn:aws:secretsmanager:${scope.region}:${scope.account}:secret:${secretId}`);
  return known(operation, [{ action: `secretsmanager:${operation}`, resource }]);
}

function mapEventBridge(operation: string, body: Body, scope: ArnScope): RequestMapping {
  const target = `AWSEvents.${operation}`;
  if (operation !== "PutEvents") return unknown(target, "only PutEvents is mapped");
  const entries = Array.isArray(body.Entries) ? body.Entries : [];
  if (entries.length === 0) return unknown(target, "no Entries");
  const buses = new Set<string>();
  for (const entry of entries) {
    const bus = (isBody(entry) ? text(entry, "EventBusName") : undefined) ?? "default";
    buses.add(
      bus.startsWith("arn:")
        ? bus
        : `arn:aws:events:${scope.region}:${scope.account}:event-bus/${bus}`,
    );
  }
  return known(
    operation,
    [...buses].map((resource) => ({ action: "events:PutEvents", resource })),
  );
}

/** The Step Functions operations mapped, with the body field naming their resource. */
const STATES_RESOURCE_FIELDS: Readonly<Record<string, string>> = {
  StartExecution: "stateMachineArn",
  ListExecutions: "stateMachineArn",
  DescribeExecution: "executionArn",
  StopExecution: "executionArn",
  GetExecutionHistory: "executionArn",
};

function mapStepFunctions(operation: string, body: Body): RequestMapping {
  const target = `AWSStepFunctions.${operation}`;
  const field = STATES_RESOURCE_FIELDS[operation];
  if (!field) return unknown(target, "this Step Functions operation is not mapped");
  const resource = text(body, field);
  if (!resource) return unknown(target, `the request names no ${field}`);
  return known(operation, [{ action: `states:${operation}`, resource }]);
}

/** Maps a JSON-protocol request (its `X-Amz-Target` and parsed body) to its IAM checks. */
export function mapJsonRequest(
  service: JsonService,
  target: string | undefined,
  body: unknown,
  scope: ArnScope,
): RequestMapping {
  const { targetPrefix } = JSON_PROTOCOLS[service];
  if (!target?.startsWith(targetPrefix) || target.length === targetPrefix.length) {
    return unknown(target ?? "(no X-Amz-Target)", `expected an X-Amz-Target ${targetPrefix}<Op>`);
  }
  if (!isBody(body)) return unknown(target, "the body is not a JSON object");
  const operation = target.slice(targetPrefix.length);
  switch (service) {
    case "dynamodb":
      return mapDynamoDb(operation, body, scope);
    case "secretsmanager":
      return mapSecretsManager(operation, body, scope);
    case "events":
      return mapEventBridge(operation, body, scope);
    case "states":
      return mapStepFunctions(operation, body);
  }
}
