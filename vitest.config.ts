import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    // Two cores: more parallel files only queue on the database and the CPU.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", ["json", { outputFile: "test-results/results.json" }]],
    // One graphql-js in the process, as in production (Node resolves `graphql` to its CommonJS
    // build for every package): the test runner would otherwise give the project's own modules the
    // ESM build, and GraphQLErrors made there would not be GraphQLErrors to Apollo or graphql-jit.
    server: { deps: { external: [/graphql-jit/] } },
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
});
