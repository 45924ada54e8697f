import { describe, expect, it } from "vitest";
import { RELAY_DEFAULTS } from "../../functions/core/config.js";
import { InvalidInputError } from "../../functions/core/errors.js";
import { readHandlerConfig } from "../../functions/core/settings.js";

/** The env a deployed function needs at the least. */
const minimal = { TABLE_NAME: "relay", API_KEY_SECRET_ID: "relay/twelvelabs-api-key" };

describe("Function: readHandlerConfig", () => {
  it("applies the defaults to a minimal environment", () => {
    const config = readHandlerConfig(minimal);
    expect(config).toMatchObject({
      tableName: "relay",
      provider: "twelvelabs",
      providerBaseUrl: "https://api.twelvelabs.io/v1.3",
      allowedUrlHosts: ["*.amazonaws.com"],
      eventBusName: "default",
    });
    expect(config.settings).toEqual({
      chunksPerBatch: RELAY_DEFAULTS.chunksPerBatch,
      transferConcurrency: RELAY_DEFAULTS.transferConcurrency,
      maxPolls: RELAY_DEFAULTS.maxPolls,
      urlRefreshMarginMs: RELAY_DEFAULTS.urlRefreshMarginSeconds * 1000,
      verifyEtag: true,
    });
  });

  it("reads every tunable, VERIFY_ETAG=false included", () => {
    const config = readHandlerConfig({
      ...minimal,
      ALLOWED_URL_HOSTS: "*.amazonaws.com, cdn.example.com",
      CHUNKS_PER_BATCH: "16",
      TRANSFER_CONCURRENCY: "32",
      MAX_POLLS: "10",
      VERIFY_ETAG: "false",
    });
    expect(config.allowedUrlHosts).toEqual(["*.amazonaws.com", "cdn.example.com"]);
    expect(config.settings).toMatchObject({
      chunksPerBatch: 16,
      transferConcurrency: 32,
      maxPolls: 10,
      verifyEtag: false,
    });
  });

  it.each([
    [{ TABLE_NAME: undefined }, /TABLE_NAME/],
    [{ TRANSFER_CONCURRENCY: "33" }, /TRANSFER_CONCURRENCY/],
    [{ CHUNKS_PER_BATCH: "0" }, /CHUNKS_PER_BATCH/],
    [{ VERIFY_ETAG: "yes" }, /VERIFY_ETAG/],
    [{ PROVIDER: "spatialgen" }, /PROVIDER/],
  ])("refuses %o with an InvalidInputError naming the variable", (override, name) => {
    const read = () => readHandlerConfig({ ...minimal, ...override });
    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(name);
  });
});
