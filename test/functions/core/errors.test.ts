import { describe, expect, it } from "vitest";
import * as errors from "../../../functions/core/errors.js";

/** One instance of every relay error class, built with throwaway arguments. */
const instances: errors.RelayError[] = [
  new errors.ProviderHttpError("op", 500, ""),
  new errors.ProviderUnavailableError("op", "reset"),
  new errors.ProviderResponseError("op", "bad"),
  new errors.UntrustedUrlError("evil.example"),
  new errors.ObjectRejectedError("empty"),
  new errors.ObjectSupersededError("superseded"),
  new errors.ChunkTransferError(1, "refused"),
  new errors.ChecksumMismatchError(1, "a", "b"),
  new errors.SourceChangedError("gone"),
  new errors.SessionFailedError("u", "expired"),
  new errors.UploadStateError("missing"),
  new errors.InvalidInputError("bad"),
  new errors.ChunkRecordError(1, "throttled"),
  new errors.EventPublishError("throttled"),
];

describe("Function: codeOfErrorName", () => {
  it("maps every relay error's name to the code the error itself carries", () => {
    for (const error of instances) {
      expect(errors.codeOfErrorName(error.name)).toBe(error.code);
    }
    // Every class is in the table, and the table names no class that does not exist.
    expect(instances.map((e) => e.name).sort()).toEqual(Object.keys(errors.RELAY_ERRORS).sort());
  });

  it.each([
    ["Sandbox.Timedout", "RELAY_FUNCTION_TIMEOUT"],
    ["States.Timeout", "RELAY_FUNCTION_TIMEOUT"],
    ["Lambda.TooManyRequestsException", "RELAY_THROTTLED"],
    ["AccessDenied", "RELAY_ACCESS_DENIED"],
    ["AccessDeniedException", "RELAY_ACCESS_DENIED"],
    ["States.TaskFailed", "RELAY_UNKNOWN"],
    ["toString", "RELAY_UNKNOWN"],
  ])("gives a foreign error %s a code of the table: %s", (name, code) => {
    expect(errors.codeOfErrorName(name)).toBe(code);
  });

  it("never answers a code outside ERROR_CODES", () => {
    const codes = new Set<string>(Object.values(errors.ERROR_CODES));
    for (const name of [
      ...instances.map((e) => e.name),
      "X",
      "Lambda.Unknown",
      "Runtime.ExitError",
    ]) {
      expect(codes.has(errors.codeOfErrorName(name))).toBe(true);
    }
  });
});

describe("NON_RETRYABLE_ERROR_NAMES", () => {
  it("lists exactly the classes whose row says a step retry cannot help", () => {
    for (const error of instances) {
      const listed = errors.NON_RETRYABLE_ERROR_NAMES.includes(error.name as errors.RelayErrorName);
      expect(listed, error.name).toBe(
        !errors.RELAY_ERRORS[error.name as errors.RelayErrorName].stepRetryable,
      );
    }
  });
});
