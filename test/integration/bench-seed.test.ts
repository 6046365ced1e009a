// The benchmark's fleet is only worth measuring if it is data the service accepts as its own:
// every seeded audit chain verifies exactly as `auditChain` recomputes it (the seed writes its
// own timestamps and hashes for speed), the per-status counters match the rows, and the indexes
// dropped for the load are all back.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { iso, seedFleet, type SeedSummary } from "../../bench/seed.ts";
import { verifyAuditChain } from "../../src/services/audit/audit-service.ts";
import { personas } from "../support/personas.ts";
import { openServiceDatabase, type ServiceDatabase } from "../support/service-context.ts";
import { statusCountsAndRows } from "../support/status-counts.ts";

let db: ServiceDatabase;
let summary: SeedSummary;
let indexesBefore: string[];

/**
 * How many indexes the database has, from the catalog alone: pg_indexes' definitions call
 * pg_get_indexdef, which fails on an index another session is dropping at that moment.
 */
const indexCount = async () =>
  Number(
    (
      await db.query<{ count: string }>(
        `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'i'`,
      )
    )[0]?.count,
  );

const indexDefinitions = async () =>
  (
    await db.query<{ definition: string }>(
      "SELECT indexdef AS definition FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
    )
  ).map((row) => row.definition);

beforeAll(async () => {
  db = await openServiceDatabase();
  indexesBefore = await indexDefinitions();
  summary = await seedFleet(db.url, {
    tenants: 400,
    longHistories: { tenants: 2, historyPairs: 300, extraRuns: 30 },
  });
}, 120_000);
afterAll(async () => {
  await db?.close();
});

describe("the benchmark's seeded fleet", () => {
  it("holds the tenants, runs and events it reports", async () => {
    const [counts] = await db.query<{ tenants: string; runs: string; events: string }>(
      `SELECT (SELECT count(*) FROM tenants) AS tenants, (SELECT count(*) FROM operation_runs) AS runs,
         (SELECT count(*) FROM audit_events) AS events`,
    );
    expect(Number(counts?.tenants)).toBe(400);
    expect(summary.tenants).toBe(400);
    expect(Number(counts?.events)).toBeGreaterThan(400 * 2 + 2 * 600);
    expect(Number(counts?.runs)).toBeGreaterThan(2 * 30);
  });

  it("has every tenant's audit chain verify as the service recomputes it", async () => {
    const tenants = await db.query<{ id: string; events: string }>(
      "SELECT t.id, (SELECT count(*) FROM audit_events e WHERE e.tenant_id = t.id) AS events FROM tenants t",
    );
    for (const tenant of tenants) {
      const verification = await verifyAuditChain(db.context(personas.operator), tenant.id);
      expect({ tenant: tenant.id, valid: verification.valid, events: verification.eventCount }).toEqual({
        tenant: tenant.id,
        valid: true,
        events: Number(tenant.events),
      });
    }
  }, 60_000);

  it("keeps the per-status counters equal to the rows", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { counters, rows } = await statusCountsAndRows(client);
      expect(counters).toEqual(rows);
    } finally {
      await client.end();
    }
  });

  it("restores every index and constraint it dropped for the load", async () => {
    expect(await indexDefinitions()).toEqual(indexesBefore);
  });
});

describe("a seed stopped midway", () => {
  it("leaves the next seed what it dropped, so no index is lost", async () => {
    // Killed once it has dropped the indexes (while it loads 20 000 tenants).
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("../support/seed-child.ts", import.meta.url)), db.url, "20000"],
      { stdio: "ignore" },
    );
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    for (let waited = 0; (await indexCount()) >= indexesBefore.length; waited += 10) {
      if (waited > 60_000) throw new Error("the seed never dropped the indexes");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill("SIGKILL");
    await exited;
    expect(await indexCount()).toBeLessThan(indexesBefore.length);

    await seedFleet(db.url, { tenants: 300 });
    expect(await indexDefinitions()).toEqual(indexesBefore);
  }, 120_000);
});

describe("the seed's timestamp text", () => {
  it("is Date#toISOString's, for any millisecond from 1970 to 9999", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        expect(iso(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });
});
