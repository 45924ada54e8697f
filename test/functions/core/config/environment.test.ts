import { describe, expect, it } from "vitest";
import { readStepEnvironment } from "../../../../functions/core/config/environment.js";
import { InvalidInputError } from "../../../../functions/core/errors.js";
import { RELAY_FUNCTION_NAMES, RELAY_STEPS } from "../../../../functions/core/step-registry.js";

/** A valid value of every contract variable. */
const full = {
  TABLE_NAME: "relay",
  PROVIDERS: JSON.stringify({
    twelvelabs: {
      baseUrl: "https://api.twelvelabs.io/v1.3",
      secretId: "relay/twelvelabs-api-key",
      allowedUrlHosts: ["*.amazonaws.com", "cdn.example.com"],
      maxFileSize: 1000,
    },
    spatialgen: {
      baseUrl: "https://spatialgen.com",
      secretId: "relay/spatialgen-api-key",
      allowedUrlHosts: ["*.spatialgen.com"],
      maxFileSize: 2000,
    },
  }),
  ROUTES: JSON.stringify([
    { prefix: "spatialgen/", provider: "spatialgen", layout: "SBS" },
    { prefix: "", provider: "twelvelabs" },
  ]),
  CHUNKS_PER_BATCH: "16",
  TRANSFER_CONCURRENCY: "32",
  MAX_POLLS: "10",
  MAX_INDEX_POLLS: "20",
  VERIFY_ETAG: "false",
  EVENT_BUS_NAME: "relay-events",
  STATE_MACHINE_ARN: "arn:aws:states:us-east-1:111111111111:stateMachine:relay",
};

describe("Function: readStepEnvironment", () => {
  it.each(RELAY_FUNCTION_NAMES)("gives %s exactly the variables of its row", (name) => {
    const env = readStepEnvironment(name, full);
    expect(Object.keys(env).sort()).toEqual([...RELAY_STEPS[name].env].sort());
  });

  it("parses every format: lists, counts and switches", () => {
    const env = readStepEnvironment("transfer", full);
    expect(env.PROVIDERS.twelvelabs?.allowedUrlHosts).toEqual([
      "*.amazonaws.com",
      "cdn.example.com",
    ]);
    expect(env.PROVIDERS.spatialgen?.maxFileSize).toBe(2000);
    expect(env.TRANSFER_CONCURRENCY).toBe(32);
    expect(env.VERIFY_ETAG).toBe(false);
    expect(readStepEnvironment("poll", full)).toMatchObject({
      CHUNKS_PER_BATCH: 16,
      MAX_POLLS: 10,
    });
    expect(readStepEnvironment("admit", full).ROUTES).toEqual([
      { prefix: "spatialgen/", provider: "spatialgen", layout: "SBS" },
      { prefix: "", provider: "twelvelabs" },
    ]);
  });

  it.each([
    [{ TRANSFER_CONCURRENCY: "33" }, /TRANSFER_CONCURRENCY/],
    [{ VERIFY_ETAG: "yes" }, /VERIFY_ETAG/],
  ])("refuses transfer's %o naming the variable", (override, name) => {
    expect(() => readStepEnvironment("transfer", { ...full, ...override })).toThrow(name);
  });

  it("reads nothing a function does not use: finish runs without any provider variable", () => {
    const env = readStepEnvironment("finish", { TABLE_NAME: "t", EVENT_BUS_NAME: "b" });
    expect(env).toEqual({ TABLE_NAME: "t", EVENT_BUS_NAME: "b" });
  });

  it.each(
    RELAY_FUNCTION_NAMES.flatMap((name) =>
      RELAY_STEPS[name].env.map((variable) => [name, variable] as const),
    ),
  )("refuses %s without %s, naming the function and the variable", (name, variable) => {
    const env: Record<string, string | undefined> = { ...full, [variable]: undefined };
    const read = () => readStepEnvironment(name, env);
    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(new RegExp(`${name} function[\\s\\S]*${variable}`));
  });

  it.each([
    [{ CHUNKS_PER_BATCH: "0" }, /CHUNKS_PER_BATCH/],
    [{ MAX_POLLS: "-1" }, /MAX_POLLS/],
    [{ PROVIDERS: "{" }, /must be JSON[\s\S]*PROVIDERS/],
    [{ PROVIDERS: "{}" }, /at least one provider[\s\S]*PROVIDERS/],
    [{ PROVIDERS: JSON.stringify({ vimeo: {} }) }, /PROVIDERS/],
    [
      {
        PROVIDERS: JSON.stringify({
          twelvelabs: { baseUrl: "x", secretId: "s", allowedUrlHosts: [], maxFileSize: 1 },
        }),
      },
      /PROVIDERS/,
    ],
  ])("refuses %o with an InvalidInputError naming the variable", (override, name) => {
    const read = () => readStepEnvironment("poll", { ...full, ...override });
    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(name);
  });

  it.each([
    [{ ROUTES: "[]" }, /at least one route[\s\S]*ROUTES/],
    [{ ROUTES: JSON.stringify([{ prefix: "", provider: "vimeo" }]) }, /ROUTES/],
    [{ ROUTES: JSON.stringify([{ provider: "twelvelabs" }]) }, /ROUTES/],
  ])("refuses admit's %o naming the variable", (override, name) => {
    expect(() => readStepEnvironment("admit", { ...full, ...override })).toThrow(name);
  });
});
