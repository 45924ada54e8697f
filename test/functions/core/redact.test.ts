import { describe, expect, it } from "vitest";
import { REDACTED, redact, urlSecrets } from "../../../functions/core/redact.js";

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
