/** The small helpers every module shares: ETags, redaction, and what an S3 error means. */

import { describe, expect, it } from "vitest";
import { quoteEtag, unquoteEtag } from "../../functions/core/etag.js";
import { REDACTED, redact, urlSecrets } from "../../functions/core/redact.js";
import { httpStatusOf, isObjectGone } from "../../functions/core/s3-errors.js";

describe("Function: unquoteEtag / quoteEtag", () => {
  it.each([
    ['"abc"', "abc"],
    ["abc", "abc"],
    [' W/"abc" ', "abc"],
    ['"abc-12"', "abc-12"],
  ])("reads %s as %s", (given, read) => {
    expect(unquoteEtag(given)).toBe(read);
  });

  it("quotes once, and gives nothing for no ETag", () => {
    expect(quoteEtag('"abc"')).toBe('"abc"');
    expect(quoteEtag("abc")).toBe('"abc"');
    expect(quoteEtag("")).toBeUndefined();
    expect(quoteEtag(undefined)).toBeUndefined();
  });
});

describe("Function: redact", () => {
  const url = "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=s1g%2Bx&X-Amz-Credential=AKIA";

  it("blanks secrets, URL queries and X-Amz parameters", () => {
    const text = `key tlk_secret at ${url} echoed X-Amz-Security-Token=t0k`;
    const clean = redact(text, ["tlk_secret"]);
    expect(clean).toBe(
      `key ${REDACTED} at https://bucket.s3.amazonaws.com/k?${REDACTED} echoed X-Amz-Security-Token=${REDACTED}`,
    );
  });

  it("blanks the head of a secret that a cut-off text ends with", () => {
    expect(redact("the key is tlk_sec", ["tlk_secret"])).toBe(`the key is ${REDACTED}`);
  });

  it("names a presigned URL's query raw and decoded as its secrets", () => {
    const secrets = urlSecrets(url);
    expect(secrets).toHaveLength(2);
    expect(secrets).toContain("X-Amz-Signature=s1g%2Bx&X-Amz-Credential=AKIA");
    expect(secrets).toContain("X-Amz-Signature=s1g+x&X-Amz-Credential=AKIA");
    expect(urlSecrets("https://host/path")).toEqual([]);
  });
});

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
