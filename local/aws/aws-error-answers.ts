/**
 * The error answers AWS gives when it refuses a caller or a request, in the two wire formats
 * the gate speaks: S3's XML error document and the AWS JSON protocols' `{"__type", "message"}`.
 * The AWS SDK v3 turns them into errors named after the code (`AccessDenied`,
 * `AccessDeniedException`, `InvalidAccessKeyId`, `UnrecognizedClientException`).
 */

import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Verdict } from "./policy-evaluator.js";

/** A complete HTTP answer. */
export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function requestId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}

function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An S3 XML error answer; `fields` are extra elements (e.g. `AWSAccessKeyId`). */
export function s3ErrorAnswer(
  status: number,
  code: string,
  message: string,
  fields: Readonly<Record<string, string>> = {},
): ErrorAnswer {
  const id = requestId();
  const hostId = randomBytes(24).toString("base64");
  const extra = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join("");
  return {
    status,
    headers: {
      "content-type": "application/xml",
      "x-amz-request-id": id,
      "x-amz-id-2": hostId,
    },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
      `<Message>${escapeXml(message)}</Message>${extra}` +
      `<RequestId>${id}</RequestId><HostId>${hostId}</HostId></Error>`,
  };
}

/** An AWS JSON protocol error answer (400 unless told). */
export function jsonErrorAnswer(
  contentType: string,
  type: string,
  message: string,
  status = 400,
): ErrorAnswer {
  return {
    status,
    headers: { "content-type": contentType, "x-amzn-requestid": requestId() },
    body: JSON.stringify({ __type: type, message }),
  };
}

/** A denied check's message, worded as AWS words it (S3 quotes the resource, JSON APIs do not). */
export function notAuthorizedMessage(
  principalArn: string,
  action: string,
  resource: string,
  verdict: Extract<Verdict, { allowed: false }>,
  quoteResource: boolean,
): string {
  const head = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${
    quoteResource ? `"${resource}"` : resource
  }`;
  switch (verdict.denial) {
    case "explicit-identity":
      return `${head} with an explicit deny in an identity-based policy`;
    case "explicit-resource":
      return `${head} with an explicit deny in a resource-based policy`;
    case "implicit":
      return `${head} because no identity-based policy allows the ${action} action`;
    case "unevaluable":
      return `${head} because the local IAM gate could not evaluate it: ${verdict.reason}`;
  }
}

/** The message for a request the gate cannot map to IAM actions. */
export function unknownRequestMessage(
  principalArn: string,
  operation: string,
  reason: string,
): string {
  return (
    `User: ${principalArn} is not authorized to perform: ${operation} because the local IAM gate ` +
    `does not know this request (${reason}); map it in local/aws/aws-request-action.ts`
  );
}

/** Writes an answer; a HEAD answer carries the status and headers but no body, as S3's does. */
export function sendAnswer(response: ServerResponse, answer: ErrorAnswer, head: boolean): void {
  const body = head ? "" : answer.body;
  response.writeHead(answer.status, {
    ...answer.headers,
    "content-length": String(Buffer.byteLength(body)),
  });
  response.end(body);
}
