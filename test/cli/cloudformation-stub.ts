/**
 * A CloudFormation endpoint that answers DescribeStacks as the service does (query protocol,
 * XML): with the outputs of the one stack it knows, or a ValidationError for any other.
 */

import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A running stub. */
export interface CloudFormationStub {
  /** For `AWS_ENDPOINT_URL_CLOUDFORMATION`. */
  readonly endpoint: string;
  /** Every request body, in order (form-encoded query requests). */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

const NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

/** Starts the stub; `stacks` maps a stack name to its outputs. */
export async function startCloudFormationStub(
  stacks: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): Promise<CloudFormationStub> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (data: Buffer) => {
      body += data.toString();
    });
    request.on("end", () => {
      requests.push(body);
      const name = new URLSearchParams(body).get("StackName") ?? "";
      const outputs = Object.hasOwn(stacks, name) ? stacks[name] : undefined;
      response.writeHead(outputs ? 200 : 400, { "content-type": "text/xml" });
      response.end(outputs ? found(name, outputs) : missing(name));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function found(name: string, outputs: Readonly<Record<string, string>>): string {
  const members = Object.entries(outputs)
    .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
    .join("");
  return `<DescribeStacksResponse xmlns="${NS}"><DescribeStacksResult><Stacks><member>
<StackName>${name}</StackName><StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/${name}/1</StackId>
<CreationTime>2026-12-07T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>
<Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult>
<ResponseMetadata><RequestId>0d6a3e0c-1111-4c6e-9b6c-000000000001</RequestId></ResponseMetadata>
</DescribeStacksResponse>`;
}

function missing(name: string): string {
  return `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>ValidationError</Code>
<Message>Stack with id ${name} does not exist</Message></Error>
<RequestId>0d6a3e0c-1111-4c6e-9b6c-000000000002</RequestId></ErrorResponse>`;
}
