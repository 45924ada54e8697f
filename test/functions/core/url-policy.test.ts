import { describe, expect, it } from "vitest";
import { InvalidInputError, UntrustedUrlError } from "../../../functions/core/errors.js";
import { UrlPolicy } from "../../../functions/core/url-policy.js";

const aws = new UrlPolicy({ allowedHosts: ["*.amazonaws.com", "uploads.example.com"] });

function refusal(policy: UrlPolicy, url: string): UntrustedUrlError {
  try {
    policy.check(url);
  } catch (error) {
    if (error instanceof UntrustedUrlError) return error;
    throw error;
  }
  throw new Error("the URL was allowed");
}

describe("UrlPolicy", () => {
  it("allows https on an exact host and on subdomains of a wildcard, at any depth", () => {
    expect(aws.allows("https://uploads.example.com/p?sig=1")).toBe(true);
    expect(aws.allows("https://bucket.s3.amazonaws.com/k?X-Amz-Signature=x")).toBe(true);
    expect(aws.allows("https://bucket.s3.us-east-1.amazonaws.com/k")).toBe(true);
    expect(aws.allows("https://BUCKET.S3.AMAZONAWS.COM./k")).toBe(true);
  });

  it("refuses hosts that only look allowed", () => {
    for (const url of [
      "https://amazonaws.com/k",
      "https://evilamazonaws.com/k",
      "https://s3.amazonaws.com.evil.example/k",
      "https://example.com/k",
      "https://x.uploads.example.com/k",
    ]) {
      expect(aws.allows(url), url.replace(/\?.*/, "")).toBe(false);
    }
  });

  it("refuses plain http, credentials, other schemes and garbage", () => {
    expect(aws.allows("http://bucket.s3.amazonaws.com/k")).toBe(false);
    expect(aws.allows("https://user:pw@bucket.s3.amazonaws.com/k")).toBe(false);
    expect(aws.allows("ftp://bucket.s3.amazonaws.com/k")).toBe(false);
    expect(refusal(aws, "not a url").host).toBe("(unparseable URL)");
  });

  it("carries only the host of a refused URL, never its path or signature", () => {
    const error = refusal(aws, "http://bucket.s3.amazonaws.com/secret-key?X-Amz-Signature=abc123");
    expect(error.host).toBe("bucket.s3.amazonaws.com");
    const shown = `${String(error)} ${JSON.stringify(error)} ${error.stack}`;
    expect(shown).not.toContain("abc123");
    expect(shown).not.toContain("secret-key");
  });

  it("allows plain http only for the loopback hosts listed as insecure", () => {
    const local = new UrlPolicy({
      allowedHosts: ["127.0.0.1", "localhost"],
      insecureHosts: ["127.0.0.1"],
    });
    expect(local.allows("http://127.0.0.1:4567/bucket/k?X-Amz-Signature=x")).toBe(true);
    expect(local.allows("https://127.0.0.1:4567/bucket/k")).toBe(true);
    expect(local.allows("http://localhost:4567/bucket/k")).toBe(false);
    expect(local.allows("http://127.0.0.2:4567/bucket/k")).toBe(false);
  });

  it("refuses insecure hosts that are not loopback or not allowed", () => {
    expect(
      () => new UrlPolicy({ allowedHosts: ["example.com"], insecureHosts: ["example.com"] }),
    ).toThrow(InvalidInputError);
    expect(
      () => new UrlPolicy({ allowedHosts: ["example.com"], insecureHosts: ["[::1]"] }),
    ).toThrow(/loopback/);
  });

  it("refuses host lists it cannot read", () => {
    for (const bad of [["localhost:9000"], ["*"], ["a*.example.com"], ["example.com/x"], []]) {
      expect(() => new UrlPolicy({ allowedHosts: bad }), JSON.stringify(bad)).toThrow(
        InvalidInputError,
      );
    }
  });
});
