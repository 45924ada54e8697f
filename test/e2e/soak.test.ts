/**
 * The fault soak, small and seeded: objects of every chunk edge case dropped at once into the
 * local relay while the sandbox and the local stack inject every fault kind, under a Lambda
 * concurrency limit below the peak demand. Every object must arrive with identical bytes.
 */

import { describe, expect, it } from "vitest";
import { runSoak, summaryLine } from "../../local/soak/run-soak.js";

describe("npm run soak, seeded and small", () => {
  it("completes every object with identical bytes through faults and throttling", async () => {
    // Each API kind at 0.05–0.1, so that every kind fires in a run this small (calls interleave
    // differently from run to run): a call then fails an attempt about a third of the time,
    // still far inside 5 attempts per call and 5 invocations per step.
    const api = {
      error429Rate: 0.1,
      retryAfterSeconds: 1,
      error500Rate: 0.05,
      htmlAnswerRate: 0.1,
      lostAnswerRate: 0.1,
    };
    const summary = await runSoak({
      sandboxFaults: {
        create: api,
        presignedUrls: api,
        report: api,
        status: api,
        partPut: { error500Rate: 0.02, resetMidPutRate: 0.05 },
        // Once per chunk at most (after its first accepted report), so a high rate stays
        // bounded; with only half the objects on TwelveLabs, 0.1 left some runs without one.
        failChunkRate: 0.3,
      },
      // Half the objects go to SpatialGen, under the same faults.
      spatialgenFaults: {
        start: api,
        partUrls: api,
        complete: api,
        cancel: api,
        // Twice TwelveLabs' rate: SpatialGen's half of the objects makes fewer part PUTs, and
        // its resets must fire in every run for the check below.
        partPut: { error500Rate: 0.02, resetMidPutRate: 0.1 },
      },
      objects: 24,
      seed: 7,
      lambdaConcurrencyLimit: 6,
      // Few transfers run in so small a soak: kill enough of them that some die mid-work.
      transferKillRate: 0.5,
      transferKillMax: 3,
    });

    expect(summaryLine(summary)).toBe(
      `objects 24, completed 24 (bytes identical), failed 0, stuck 0, duplicate sessions ${summary.duplicateSessions}, lost 0`,
    );
    expect(summary.duplicateSessions).toBeLessThanOrEqual(
      summary.createAnswersDropped + summary.createRunsCut,
    );
    // The soak proves something only if the faults it promises fired.
    const fired = (kind: string): number =>
      Object.entries(summary.faults)
        .filter(([name]) => name.endsWith(kind))
        .reduce((sum, [, count]) => sum + count, 0);
    for (const kind of [
      "429",
      "500",
      "htmlAnswer",
      "lostAnswer",
      "resetMidPut",
      "failChunk",
      "clock.advance",
      "throttles",
      "transferKilled",
    ]) {
      expect(fired(kind), kind).toBeGreaterThan(0);
    }
    expect(fired("aws.s3GetSlowDown") + fired("aws.dynamoThrottle")).toBeGreaterThan(0);
    expect(summary.peakLambdaInFlight).toBeLessThanOrEqual(6);
    // Both providers carried their half, and SpatialGen's faults fired too.
    expect(summary.completedSpatialGen).toBe(12);
    const firedAtSpatialGen = (kind: string): number =>
      Object.entries(summary.faults)
        .filter(([name]) => name.startsWith("spatialgen.") && name.endsWith(kind))
        .reduce((sum, [, count]) => sum + count, 0);
    for (const kind of ["429", "500", "lostAnswer", "resetMidPut"]) {
      expect(firedAtSpatialGen(kind), `spatialgen $kind`).toBeGreaterThan(0);
    }
  }, 600_000);
});
