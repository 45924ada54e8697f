import { describe, expect, it } from "vitest";
import { httpStatusOf, isObjectGone } from "../../../functions/core/s3-errors.js";

describe("Function: isObjectGone", () => {
  const error = (name: string, status?: number) =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  it.each([
    ["NoSuchKey", 404],
    ["NoSuchVersion", 404],
    ["PreconditionFailed", 412],
    ["InvalidRange", 416],
    ["NotFound", undefined],
    ["Unknown", 404],
  ])("%s (HTTP %s) means the source is gone or changed", (name, status) => {
    expect(isObjectGone(error(name, status))).toBe(true);
  });

  it.each([
    ["SlowDown", 503],
    ["AccessDenied", 403],
    ["TypeError", undefined],
  ])("%s (HTTP %s) does not", (name, status) => {
    expect(isObjectGone(error(name, status))).toBe(false);
    expect(httpStatusOf(error(name, status))).toBe(status);
  });
});
