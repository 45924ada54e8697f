import { describe, expect, it } from "vitest";
import { readStepEnvironment } from "../../../../functions/core/config/environment.js";
import { InvalidInputError } from "../../../../functions/core/errors.js";
import { RELAY_FUNCTION_NAMES, RELAY_STEPS } from "../../../../functions/core/step-registry.js";

/** A valid value of every contract variable. */
const full = {
  TABLE_NAME: "relay",
  PROVIDER: "twelvelabs",
  PROVIDER_BASE_URL: "https://api.twelvelabs.io/v1.3",
  API_KEY_SECRET_ID: "relay/twelvelabs-api-key",
  ALLOWED_URL_HOSTS: "*.amazonaws.com, cdn.example.com",
  MAX_FILE_SIZE: "1000",
  CHUNKS_PER_BATCH: "16",
  TRANSFER_CONCURRENCY: "32",
  MAX_POLLS: "10",
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
    expect(env.ALLOWED_URL_HOSTS).toEqual(["*.amazonaws.com", "cdn.example.com"]);
    expect(env.TRANSFER_CONCURRENCY).toBe(32);
    expect(env.VERIFY_ETAG).toBe(false);
    expect(readStepEnvironment("poll", full)).toMatchObject({
      CHUNKS_PER_BATCH: 16,
      MAX_POLLS: 10,
    });
    expect(readStepEnvironment("admit", full).MAX_FILE_SIZE).toBe(1000);
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
    [{ ALLOWED_URL_HOSTS: " , " }, /ALLOWED_URL_HOSTS/],
    [{ PROVIDER: "spatialgen" }, /PROVIDER/],
  ])("refuses %o with an InvalidInputError naming the variable", (override, name) => {
    const read = () => readStepEnvironment("poll", { ...full, ...override });
    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(name);
  });
});
