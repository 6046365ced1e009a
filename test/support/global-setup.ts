import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../../src/services/database/embedded-postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL server where test files may create and drop their own databases. */
    databaseServerUrl: string;
  }
}

let embedded: EmbeddedPostgresHandle | null = null;
let dataDir: string | null = null;

/** TEST_DATABASE_URL when set; else one embedded PostgreSQL for the whole run. */
export async function setup(project: TestProject): Promise<void> {
  const configured = process.env["TEST_DATABASE_URL"];
  if (configured) {
    project.provide("databaseServerUrl", configured);
    return;
  }
  dataDir = await mkdtemp(join(tmpdir(), "tenant-lifecycle-test-pg-"));
  const quiet = { info: () => undefined, warn: (obj: object, msg?: string) => console.warn(msg, obj) };
  // A throwaway cluster: durability settings off, as nothing in it outlives the run.
  embedded = await startEmbeddedPostgres({
    dataDir,
    logger: quiet,
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
  });
  project.provide("databaseServerUrl", embedded.serverUrl("postgres"));
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
