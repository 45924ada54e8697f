/**
 * The fault soak, small and seeded: objects of every chunk edge case dropped at once into the
 * local relay while the sandbox and the local stack inject every fault kind, under a Lambda
 * concurrency limit below the peak demand. Every object must arrive with identical bytes.
 */

import { describe, expect, it } from "vitest";
import { runSoak, summaryLine } from "../../local/soak/run-soak.js";

describe("npm run soak, seeded and small", () => {
  it("completes every object with identical bytes through faults and throttling", async () => {
    const summary = await runSoak({
      objects: 24,
      seed: 7,
      lambdaConcurrencyLimit: 6,
      // Few transfers run in so small a soak: kill enough of them that some die mid-work.
      transferKillRate: 0.5,
    });

    expect(summaryLine(summary)).toBe(
      `objects 24, completed 24 (bytes identical), failed 0, stuck 0, duplicate sessions ${summary.duplicateSessions}, lost 0`,
    );
    expect(summary.duplicateSessions).toBeLessThanOrEqual(summary.createAnswersDropped);
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
  }, 600_000);
});
