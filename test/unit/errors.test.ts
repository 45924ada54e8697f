import { describe, expect, it } from "vitest";
import * as errors from "../../functions/core/errors.js";

/** One instance of every relay error class, built with throwaway arguments. */
const instances: errors.RelayError[] = [
  new errors.ProviderHttpError("op", 500, ""),
  new errors.ProviderUnavailableError("op", "reset"),
  new errors.ProviderResponseError("op", "bad"),
  new errors.UntrustedUrlError("evil.example"),
  new errors.ObjectRejectedError("empty"),
  new errors.ChunkTransferError(1, "refused"),
  new errors.ChecksumMismatchError(1, "a", "b"),
  new errors.SourceChangedError("gone"),
  new errors.SessionFailedError("u", "expired"),
  new errors.UploadStateError("missing"),
  new errors.InvalidInputError("bad"),
];

describe("Function: codeOfErrorName", () => {
  it("maps every relay error's name to the code the error itself carries", () => {
    for (const error of instances) {
      expect(errors.codeOfErrorName(error.name)).toBe(error.code);
    }
    // Every class is in the table, and the table names no class that does not exist.
    expect(instances.map((e) => e.name).sort()).toEqual(Object.keys(errors.ERROR_CODES).sort());
  });

  it("keeps a name it does not know, such as a Step Functions error", () => {
    expect(errors.codeOfErrorName("States.Timeout")).toBe("States.Timeout");
    expect(errors.codeOfErrorName("toString")).toBe("toString");
  });
});
