import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./local/polyfills.ts"],
    testTimeout: 120_000,
    // Starting a whole local relay (synth, bundles, workers) can take over a minute when
    // several e2e files start theirs at once on two cores; this bounds setup, not behaviour.
    hookTimeout: 180_000,
    pool: "forks",
    // On with `--coverage` (as `npm test` runs it). It measures the test processes only: the
    // bundled handlers the local Lambda runs in worker threads and child processes are not
    // counted, so e2e runs add little. A summary, never a gate: no thresholds.
    coverage: {
      provider: "v8",
      include: ["functions/**", "infra/**", "local/**", "cli/**"],
      exclude: ["**/*.d.ts"],
      // The summary in the terminal; per-file numbers in coverage/coverage-summary.json.
      reporter: ["text-summary", "json-summary"],
      reportsDirectory: "./coverage",
    },
  },
});
