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
  },
});
