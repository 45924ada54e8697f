/**
 * The local event pattern matcher against the examples of the EventBridge user guide ("Content
 * filtering in Amazon EventBridge event patterns", "Comparison operators", "Arrays", "Null
 * values and empty strings"), the pattern CDK synthesizes for the relay's S3 rule, and the
 * patterns we must refuse rather than guess at.
 */

import { App, Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import { describe, expect, it } from "vitest";
import {
  assertValidEventPattern,
  compileEventPattern,
  InvalidEventPatternError,
  matchesEventPattern,
} from "../../../local/aws/event-pattern.js";

/** The EC2 state-change event of the user guide. */
const ec2Event = {
  version: "0",
  id: "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "123456789012",
  time: "2015-11-11T21:29:54Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
  detail: { "instance-id": "i-abcd1111", state: "pending" },
};

/** An S3 "Object Created" event as S3 sends it to EventBridge (user guide example). */
function s3Event(key: string, bucket = "my-bucket") {
  return {
    version: "0",
    id: "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "111122223333",
    time: "2021-11-12T00:00:00Z",
    region: "ca-central-1",
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: {
        key,
        size: 5,
        etag: "b1946ac92492d2347c6235b4d2611184",
        "version-id": "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
        sequencer: "617f08299329d189",
      },
      "request-id": "N4N7GDK58NMKJ12R",
      requester: "123456789012",
      "source-ip-address": "1.2.3.4",
      reason: "PutObject",
    },
  };
}

/** `{ detail: { [field]: value } }`, the shape of most user guide examples. */
const detail = (fields: Record<string, unknown>) => ({ detail: fields });

describe("matchesEventPattern: structure", () => {
  it("matches the basic example on source, detail-type and a detail field", () => {
    const pattern = {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: { state: ["pending"] },
    };
    expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
    expect(matchesEventPattern({ ...pattern, detail: { state: ["terminated"] } }, ec2Event)).toBe(
      false,
    );
  });

  it("ORs the values of a field: aws.ec2 or aws.fargate", () => {
    const pattern = { source: ["aws.ec2", "aws.fargate"] };
    expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
    expect(matchesEventPattern(pattern, { ...ec2Event, source: "aws.fargate" })).toBe(true);
    expect(matchesEventPattern(pattern, { ...ec2Event, source: "aws.s3" })).toBe(false);
  });

  it("matches an event array when the intersection with the pattern array is non-empty", () => {
    const pattern = {
      resources: [
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
      ],
    };
    const event = {
      resources: [
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
      ],
    };
    expect(matchesEventPattern(pattern, event)).toBe(true);
    expect(matchesEventPattern(pattern, { resources: [event.resources[0]] })).toBe(false);
  });

  it("descends into arrays of objects", () => {
    const event = detail({
      items: [
        { name: "a", size: 1 },
        { name: "b", size: 7 },
      ],
    });
    expect(matchesEventPattern(detail({ items: { name: ["b"] } }), event)).toBe(true);
    expect(matchesEventPattern(detail({ items: { name: ["c"] } }), event)).toBe(false);
    // Both fields must hold in the same element.
    expect(matchesEventPattern(detail({ items: { name: ["a"], size: [7] } }), event)).toBe(false);
    expect(matchesEventPattern(detail({ items: { name: ["b"], size: [7] } }), event)).toBe(true);
  });

  it("fails a field missing from the event, and a pattern leaf that meets an object", () => {
    expect(matchesEventPattern(detail({ missing: ["x"] }), ec2Event)).toBe(false);
    expect(matchesEventPattern({ nothing: { deeper: ["x"] } }, ec2Event)).toBe(false);
    expect(matchesEventPattern({ detail: ["x"] }, ec2Event)).toBe(false);
  });

  it("matches null and the empty string exactly, and never a missing field", () => {
    const event = detail({ eventVersion: "", responseElements: null });
    expect(matchesEventPattern(detail({ responseElements: [null] }), event)).toBe(true);
    expect(matchesEventPattern(detail({ eventVersion: [""] }), event)).toBe(true);
    expect(matchesEventPattern(detail({ eventVersion: [null] }), event)).toBe(false);
    expect(matchesEventPattern(detail({ absent: [null] }), event)).toBe(false);
  });

  it("keeps types apart: the string '5' is not the number 5, true is not 'true'", () => {
    expect(matchesEventPattern(detail({ n: [5] }), detail({ n: 5 }))).toBe(true);
    expect(matchesEventPattern(detail({ n: ["5"] }), detail({ n: 5 }))).toBe(false);
    expect(matchesEventPattern(detail({ b: [true] }), detail({ b: true }))).toBe(true);
    expect(matchesEventPattern(detail({ b: ["true"] }), detail({ b: true }))).toBe(false);
  });

  it("accepts the pattern as JSON text, as PutRule takes it", () => {
    expect(matchesEventPattern('{"source":["aws.ec2"]}', ec2Event)).toBe(true);
  });
});

describe("matchesEventPattern: comparison operators", () => {
  it("prefix: time starting with 2017-10-02", () => {
    const pattern = { time: [{ prefix: "2017-10-02" }] };
    expect(matchesEventPattern(pattern, { time: "2017-10-02T18:43:48Z" })).toBe(true);
    expect(matchesEventPattern(pattern, { time: "2017-10-03T18:43:48Z" })).toBe(false);
    // Prefix works on strings only.
    expect(matchesEventPattern({ n: [{ prefix: "12" }] }, { n: 123 })).toBe(false);
  });

  it("prefix ignoring case: service starting with EventB", () => {
    const pattern = detail({ service: [{ prefix: { "equals-ignore-case": "EventB" } }] });
    for (const service of ["EventBridge", "EVENTBRIDGE", "eventbridge"]) {
      expect(matchesEventPattern(pattern, detail({ service }))).toBe(true);
    }
    expect(matchesEventPattern(pattern, detail({ service: "Lambda" }))).toBe(false);
  });

  it("suffix: FileName ending with .png, and ignoring case", () => {
    expect(matchesEventPattern({ FileName: [{ suffix: ".png" }] }, { FileName: "a.png" })).toBe(
      true,
    );
    expect(matchesEventPattern({ FileName: [{ suffix: ".png" }] }, { FileName: "a.PNG" })).toBe(
      false,
    );
    const ignoreCase = detail({ FileName: [{ suffix: { "equals-ignore-case": ".png" } }] });
    expect(matchesEventPattern(ignoreCase, detail({ FileName: "image.PNG" }))).toBe(true);
    expect(matchesEventPattern(ignoreCase, detail({ FileName: "image.jpg" }))).toBe(false);
  });

  it("equals-ignore-case: detail-type in any casing", () => {
    const pattern = {
      "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }],
    };
    expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
    expect(matchesEventPattern(pattern, { ...ec2Event, "detail-type": "Other" })).toBe(false);
  });

  it("anything-but: a string, a number, lists of either", () => {
    const notInitializing = detail({ state: [{ "anything-but": "initializing" }] });
    expect(matchesEventPattern(notInitializing, detail({ state: "running" }))).toBe(true);
    expect(matchesEventPattern(notInitializing, detail({ state: "initializing" }))).toBe(false);
    // A missing field is not "anything but": the field must be there.
    expect(matchesEventPattern(notInitializing, detail({}))).toBe(false);

    const not123 = detail({ "x-limit": [{ "anything-but": 123 }] });
    expect(matchesEventPattern(not123, detail({ "x-limit": 124 }))).toBe(true);
    expect(matchesEventPattern(not123, detail({ "x-limit": 123 }))).toBe(false);

    const notStopped = detail({ state: [{ "anything-but": ["stopped", "overloaded"] }] });
    expect(matchesEventPattern(notStopped, detail({ state: "running" }))).toBe(true);
    expect(matchesEventPattern(notStopped, detail({ state: "overloaded" }))).toBe(false);

    const notListed = detail({ "x-limit": [{ "anything-but": [100, 200, 300] }] });
    expect(matchesEventPattern(notListed, detail({ "x-limit": 150 }))).toBe(true);
    expect(matchesEventPattern(notListed, detail({ "x-limit": 200 }))).toBe(false);
  });

  it("anything-but with prefix, suffix, equals-ignore-case and wildcard", () => {
    const notInit = detail({ state: [{ "anything-but": { prefix: "init" } }] });
    expect(matchesEventPattern(notInit, detail({ state: "running" }))).toBe(true);
    expect(matchesEventPattern(notInit, detail({ state: "initializing" }))).toBe(false);

    const notUs = { Region: [{ "anything-but": { prefix: ["us-", "eu-"] } }] };
    expect(matchesEventPattern(notUs, { Region: "ap-south-1" })).toBe(true);
    expect(matchesEventPattern(notUs, { Region: "eu-west-1" })).toBe(false);

    const notPng = { FileName: [{ "anything-but": { suffix: ".png" } }] };
    expect(matchesEventPattern(notPng, { FileName: "a.jpg" })).toBe(true);
    expect(matchesEventPattern(notPng, { FileName: "a.png" })).toBe(false);

    const notInitAnyCase = detail({
      state: [{ "anything-but": { "equals-ignore-case": ["initializing", "stopped"] } }],
    });
    expect(matchesEventPattern(notInitAnyCase, detail({ state: "running" }))).toBe(true);
    expect(matchesEventPattern(notInitAnyCase, detail({ state: "INITIALIZING" }))).toBe(false);

    const notLib = { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] };
    expect(matchesEventPattern(notLib, { FilePath: "/usr/bin/node" })).toBe(true);
    expect(matchesEventPattern(notLib, { FilePath: "/usr/lib/node" })).toBe(false);
    const notLibOrBin = { FilePath: [{ "anything-but": { wildcard: ["*/lib/*", "*/bin/*"] } }] };
    expect(matchesEventPattern(notLibOrBin, { FilePath: "/usr/bin/node" })).toBe(false);
    expect(matchesEventPattern(notLibOrBin, { FilePath: "/etc/hosts" })).toBe(true);
  });

  it("anything-but on an event array matches when some element is not excluded", () => {
    const pattern = { tags: [{ "anything-but": "a" }] };
    expect(matchesEventPattern(pattern, { tags: ["a", "b"] })).toBe(true);
    expect(matchesEventPattern(pattern, { tags: ["a"] })).toBe(false);
  });

  it("numeric: ranges, upper bounds and equality, on numbers only", () => {
    const pattern = detail({
      "c-count": [{ numeric: [">", 0, "<=", 5] }],
      "d-count": [{ numeric: ["<", 10] }],
      "x-limit": [{ numeric: ["=", 3.018e2] }],
    });
    expect(
      matchesEventPattern(pattern, detail({ "c-count": 5, "d-count": 9, "x-limit": 301.8 })),
    ).toBe(true);
    expect(
      matchesEventPattern(pattern, detail({ "c-count": 0, "d-count": 9, "x-limit": 301.8 })),
    ).toBe(false);
    expect(
      matchesEventPattern(pattern, detail({ "c-count": 5, "d-count": 10, "x-limit": 301.8 })),
    ).toBe(false);
    expect(
      matchesEventPattern(pattern, detail({ "c-count": 5, "d-count": 9, "x-limit": 302 })),
    ).toBe(false);
    expect(matchesEventPattern(detail({ n: [{ numeric: [">=", 1] }] }), detail({ n: "2" }))).toBe(
      false,
    );
  });

  it("cidr: IPv4 and IPv6 blocks", () => {
    const v4 = detail({ sourceIPAddress: [{ cidr: "10.0.0.0/24" }] });
    expect(matchesEventPattern(v4, detail({ sourceIPAddress: "10.0.0.255" }))).toBe(true);
    expect(matchesEventPattern(v4, detail({ sourceIPAddress: "10.0.1.0" }))).toBe(false);
    expect(matchesEventPattern(v4, detail({ sourceIPAddress: "not an ip" }))).toBe(false);
    const v6 = detail({ sourceIPAddress: [{ cidr: "2001:db8::/32" }] });
    expect(matchesEventPattern(v6, detail({ sourceIPAddress: "2001:db8:1::7" }))).toBe(true);
    expect(matchesEventPattern(v6, detail({ sourceIPAddress: "2001:db9::7" }))).toBe(false);
    expect(matchesEventPattern(v6, detail({ sourceIPAddress: "10.0.0.1" }))).toBe(false);
  });

  it("exists: true on a leaf, not on an intermediate object; false when absent", () => {
    const hasState = detail({ state: [{ exists: true }] });
    expect(matchesEventPattern(hasState, ec2Event)).toBe(true);
    const withoutState = {
      "detail-type": ["EC2 Instance State-change Notification"],
      resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"],
      detail: { "c-count": { c1: 100 } },
    };
    expect(matchesEventPattern(hasState, withoutState)).toBe(false);
    expect(matchesEventPattern(detail({ "c-count": [{ exists: true }] }), withoutState)).toBe(
      false,
    );

    const noState = detail({ state: [{ exists: false }] });
    expect(matchesEventPattern(noState, withoutState)).toBe(true);
    expect(matchesEventPattern(noState, ec2Event)).toBe(false);
    // Absent all the way up: no detail at all.
    expect(matchesEventPattern(noState, { source: "x" })).toBe(true);
    // Present with null is present.
    expect(matchesEventPattern(noState, detail({ state: null }))).toBe(false);
  });

  it("wildcard: * spans any run of characters, including /", () => {
    const pattern = { EventBusArn: [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] };
    expect(
      matchesEventPattern(pattern, {
        EventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/my-bus",
      }),
    ).toBe(true);
    expect(
      matchesEventPattern(pattern, {
        EventBusArn: "arn:aws:events:us-west-2:123456789012:event-bus/my-bus",
      }),
    ).toBe(false);
    const png = { FileName: [{ wildcard: "dir/*.png" }] };
    expect(matchesEventPattern(png, { FileName: "dir/init.png" })).toBe(true);
    expect(matchesEventPattern(png, { FileName: "dir/sub/init.png" })).toBe(true);
    expect(matchesEventPattern(png, { FileName: "dir/init.png.jpg" })).toBe(false);
    expect(matchesEventPattern(png, { FileName: "dir/.png" })).toBe(true);
  });

  it("wildcard: \\* is a literal star and \\\\ a literal backslash; regex characters are literal", () => {
    const star = { v: [{ wildcard: "a\\*b*" }] };
    expect(matchesEventPattern(star, { v: "a*bcd" })).toBe(true);
    expect(matchesEventPattern(star, { v: "axbcd" })).toBe(false);
    const backslash = { v: [{ wildcard: "c:\\\\*" }] };
    expect(matchesEventPattern(backslash, { v: "c:\\windows" })).toBe(true);
    expect(matchesEventPattern(backslash, { v: "c:/windows" })).toBe(false);
    const dots = { v: [{ wildcard: "a.b?(c)*" }] };
    expect(matchesEventPattern(dots, { v: "a.b?(c)d" })).toBe(true);
    expect(matchesEventPattern(dots, { v: "axb?(c)d" })).toBe(false);
  });

  it("$or: alternatives inside detail and at the top level", () => {
    const inDetail = detail({
      $or: [
        { "c-count": [{ numeric: [">", 0, "<=", 5] }] },
        { "d-count": [{ numeric: ["<", 10] }] },
        { "x-limit": [{ numeric: ["=", 3.018e2] }] },
      ],
    });
    expect(matchesEventPattern(inDetail, detail({ "c-count": 3 }))).toBe(true);
    expect(matchesEventPattern(inDetail, detail({ "d-count": 2 }))).toBe(true);
    expect(matchesEventPattern(inDetail, detail({ "x-limit": 301.8 }))).toBe(true);
    expect(matchesEventPattern(inDetail, detail({ "c-count": 9, "d-count": 20 }))).toBe(false);

    const topLevel = {
      source: ["aws.cloudwatch"],
      $or: [
        { metricName: ["CPUUtilization", "ReadLatency"] },
        { namespace: ["AWS/EC2", "AWS/ES"] },
      ],
    };
    expect(matchesEventPattern(topLevel, { source: "aws.cloudwatch", namespace: "AWS/EC2" })).toBe(
      true,
    );
    expect(matchesEventPattern(topLevel, { source: "aws.ec2", namespace: "AWS/EC2" })).toBe(false);
    expect(
      matchesEventPattern(topLevel, { source: "aws.cloudwatch", metricName: "DiskReadOps" }),
    ).toBe(false);

    const nested = {
      source: ["aws.ec2"],
      $or: [
        { detail: { state: ["running"] } },
        { $or: [{ "detail-type": ["A"] }, { "detail-type": ["B"] }] },
      ],
    };
    expect(matchesEventPattern(nested, { source: "aws.ec2", "detail-type": "B" })).toBe(true);
    expect(matchesEventPattern(nested, { source: "aws.ec2", "detail-type": "C" })).toBe(false);
  });

  it("the complex example: prefix, anything-but and numeric together", () => {
    const pattern = {
      time: [{ prefix: "2017-10-02" }],
      detail: {
        state: [{ "anything-but": "initializing" }],
        "c-count": [{ numeric: [">", 0, "<=", 5] }],
        "d-count": [{ numeric: ["<", 10] }],
        "x-limit": [{ "anything-but": [100, 200, 300] }],
      },
    };
    const event = {
      time: "2017-10-02T18:43:48Z",
      detail: { state: "running", "c-count": 1, "d-count": 2, "x-limit": 50 },
    };
    expect(matchesEventPattern(pattern, event)).toBe(true);
    expect(
      matchesEventPattern(pattern, { ...event, detail: { ...event.detail, "x-limit": 300 } }),
    ).toBe(false);
  });
});

describe("matchesEventPattern: the relay's S3 rule", () => {
  const wildcardPattern = {
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    detail: {
      bucket: { name: ["my-bucket"] },
      object: { key: [{ wildcard: "incoming/*.mp4" }, { wildcard: "incoming/*.mov" }] },
    },
  };

  it("matches videos under incoming/ in the bucket, at any depth", () => {
    for (const key of ["incoming/a.mp4", "incoming/b.mov", "incoming/x/y/z.mp4", "incoming/.mp4"]) {
      expect(matchesEventPattern(wildcardPattern, s3Event(key)), key).toBe(true);
    }
  });

  it("refuses other keys, other buckets, other detail types and other sources", () => {
    for (const key of [
      "incoming/a.mp4.part",
      "incoming/a.MP4",
      "incoming/a.avi",
      "other/incoming/a.mp4",
      "incoming.mp4",
      "Incoming/a.mp4",
    ]) {
      expect(matchesEventPattern(wildcardPattern, s3Event(key)), key).toBe(false);
    }
    expect(matchesEventPattern(wildcardPattern, s3Event("incoming/a.mp4", "other-bucket"))).toBe(
      false,
    );
    expect(
      matchesEventPattern(wildcardPattern, {
        ...s3Event("incoming/a.mp4"),
        "detail-type": "Object Deleted",
      }),
    ).toBe(false);
    expect(
      matchesEventPattern(wildcardPattern, { ...s3Event("incoming/a.mp4"), source: "custom.s3" }),
    ).toBe(false);
  });

  it("prefix and suffix variants", () => {
    const withKey = (key: unknown[]) => ({
      ...wildcardPattern,
      detail: { ...wildcardPattern.detail, object: { key } },
    });
    const prefixed = withKey([{ prefix: "incoming/" }]);
    expect(matchesEventPattern(prefixed, s3Event("incoming/a.avi"))).toBe(true);
    expect(matchesEventPattern(prefixed, s3Event("outgoing/a.mp4"))).toBe(false);
    const suffixed = withKey([{ suffix: ".mp4" }, { suffix: ".mov" }]);
    expect(matchesEventPattern(suffixed, s3Event("anywhere/a.mov"))).toBe(true);
    expect(matchesEventPattern(suffixed, s3Event("anywhere/a.avi"))).toBe(false);
    const anyCase = withKey([{ suffix: { "equals-ignore-case": ".mp4" } }]);
    expect(matchesEventPattern(anyCase, s3Event("incoming/a.MP4"))).toBe(true);
  });

  it("evaluates the pattern CDK synthesizes with events.Match", () => {
    const stack = new Stack(new App(), "PatternTest");
    const rule = new events.Rule(stack, "Rule", {
      eventPattern: {
        source: ["aws.s3"],
        detailType: ["Object Created"],
        detail: {
          bucket: { name: ["my-bucket"] },
          object: {
            key: events.Match.anyOf(
              events.Match.wildcard("incoming/*.mp4"),
              events.Match.wildcard("incoming/*.mov"),
            ),
            size: events.Match.interval(1, 4 * 1024 ** 3),
          },
          reason: events.Match.anythingButPrefix("Copy", "Restore"),
        },
      },
    });
    const pattern = stack.resolve((rule.node.defaultChild as events.CfnRule).eventPattern);
    expect(pattern).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: {
        bucket: { name: ["my-bucket"] },
        object: {
          key: [{ wildcard: "incoming/*.mp4" }, { wildcard: "incoming/*.mov" }],
          size: [{ numeric: [">=", 1, "<=", 4 * 1024 ** 3] }],
        },
        reason: [{ "anything-but": { prefix: ["Copy", "Restore"] } }],
      },
    });
    expect(matchesEventPattern(pattern, s3Event("incoming/a.mov"))).toBe(true);
    expect(matchesEventPattern(pattern, s3Event("incoming/a.txt"))).toBe(false);
    const copied = s3Event("incoming/a.mov");
    copied.detail.reason = "CopyObject";
    expect(matchesEventPattern(pattern, copied)).toBe(false);
    const empty = s3Event("incoming/a.mov");
    empty.detail.object.size = 0;
    expect(matchesEventPattern(pattern, empty)).toBe(false);
  });
});

describe("assertValidEventPattern", () => {
  const invalid: [string, unknown][] = [
    ["a non-object pattern", ["aws.s3"]],
    ["null", null],
    ["an empty pattern", {}],
    ["a scalar leaf", { source: "aws.s3" }],
    ["an empty leaf array", { source: [] }],
    ["a nested array", { source: [["aws.s3"]] }],
    ["an empty nested object", { detail: {} }],
    ["an unknown operator", { source: [{ contains: "s3" }] }],
    ["two operators in one object", { key: [{ prefix: "a", suffix: "b" }] }],
    ["a non-string prefix", { key: [{ prefix: 5 }] }],
    ["a prefix with an unknown option", { key: [{ prefix: { "ignore-case": "a" } }] }],
    ["exists with a string", { key: [{ exists: "true" }] }],
    ["a numeric range upper bound first", { n: [{ numeric: ["<", 10, ">", 0] }] }],
    ["an empty numeric range", { n: [{ numeric: [">", 5, "<", 5] }] }],
    ["an unknown numeric operator", { n: [{ numeric: ["!=", 5] }] }],
    ["a non-number numeric operand", { n: [{ numeric: [">", "5"] }] }],
    ["a cidr without a prefix length", { ip: [{ cidr: "10.0.0.1" }] }],
    ["a cidr prefix too long", { ip: [{ cidr: "10.0.0.0/33" }] }],
    ["a cidr that is no address", { ip: [{ cidr: "ten/8" }] }],
    ["consecutive wildcards", { key: [{ wildcard: "a**b" }] }],
    ["a bad wildcard escape", { key: [{ wildcard: "a\\b" }] }],
    ["an anything-but mixing types", { s: [{ "anything-but": ["a", 1] }] }],
    ["an empty anything-but list", { s: [{ "anything-but": [] }] }],
    ["an anything-but boolean", { s: [{ "anything-but": true }] }],
    ["an unknown anything-but operator", { s: [{ "anything-but": { cidr: "10.0.0.0/8" } }] }],
    ["a $or with one alternative", { $or: [{ a: ["x"] }] }],
    ["a $or of values", { $or: ["a", "b"] }],
    ["JSON text that does not parse", "{source:"],
  ];

  it.each(invalid)("refuses %s", (_, pattern) => {
    expect(() => assertValidEventPattern(pattern)).toThrow(InvalidEventPatternError);
    expect(() => matchesEventPattern(pattern, ec2Event)).toThrow(InvalidEventPatternError);
  });

  it("names the operator it cannot evaluate and where it is", () => {
    expect(() => assertValidEventPattern({ detail: { type: [{ contains: "x" }] } })).toThrow(
      /detail\.type\[0\]: unsupported operator "contains"/,
    );
  });

  it("compiles once for many events", () => {
    const matches = compileEventPattern({ source: [{ prefix: "aws." }] });
    expect(matches(ec2Event)).toBe(true);
    expect(matches({ source: "custom" })).toBe(false);
  });
});
