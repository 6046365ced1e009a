import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

type DatabaseMode = "embedded" | "TEST_DATABASE_URL";

/**
 * Runs the README's test command (`npm test`) on a fixture suite, the way CI would, and
 * returns its exit status. "embedded" leaves TEST_DATABASE_URL unset, so the child starts its
 * own embedded PostgreSQL; the other mode points it at this run's database server.
 */
function npmTest(fixtures: string[], mode: DatabaseMode): Promise<{ status: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FIXTURES: fixtures.join(",") };
  delete env["TEST_DATABASE_URL"];
  delete env["DATABASE_URL"];
  // Vitest marks its workers; a child run must not believe it is one.
  for (const name of Object.keys(env)) if (name.startsWith("VITEST")) delete env[name];
  if (mode === "TEST_DATABASE_URL") env["TEST_DATABASE_URL"] = inject("databaseServerUrl");
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["test", "--silent", "--", "--config", "test/fixtures/failing-suite/vitest.config.ts"], {
      cwd: projectRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, output }));
  });
}

describe.each<DatabaseMode>(["embedded", "TEST_DATABASE_URL"])("npm test with the %s database", (mode) => {
  it("exits 0 when every test passes", async () => {
    const run = await npmTest(["passing"], mode);
    expect(run.output).toMatch(/1 passed/);
    expect(run.status, run.output).toBe(0);
  });

  it("exits non-zero when a test fails", async () => {
    const run = await npmTest(["passing", "failing-assertion"], mode);
    expect(run.output).toMatch(/1 failed/);
    expect(run.status, run.output).not.toBe(0);
  });

  it("exits non-zero when a test file fails to load", async () => {
    const run = await npmTest(["passing", "failing-import"], mode);
    expect(run.output).toMatch(/fails to load on purpose/);
    expect(run.status, run.output).not.toBe(0);
  });
});
