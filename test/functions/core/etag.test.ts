/** ETag quoting as S3 and the providers write it. */

import { describe, expect, it } from "vitest";
import { quoteEtag, unquoteEtag } from "../../../functions/core/etag.js";

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
