// The pool's session settings: what every connection of the service runs with.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/services/database/client.ts";
import { inTransaction } from "../../src/services/database/sql.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let testDatabase: TestDatabase;
let database: Database;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = openDatabase({
    url: testDatabase.url,
    poolMax: 2,
    statementTimeoutMs: 300,
    lockTimeoutMs: 300,
    connectTimeoutMs: 3_000,
  });
});
afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

describe("database sessions", () => {
  it("run in UTC and read timestamps back as the same instants", async () => {
    const { rows } = await database.pool.query<{ zone: string; at: Date }>(
      "SELECT current_setting('TimeZone') AS zone, '2026-11-23 09:10:54.321+05:30'::timestamptz AS at",
    );
    expect(rows[0]?.zone).toBe("UTC");
    expect(rows[0]?.at.toISOString()).toBe("2026-11-23T03:40:54.321Z");
  });

  it("end a transaction left idle longer than a statement may run, releasing its locks", async () => {
    const stalled = inTransaction(database.pool, async (tx) => {
      await tx.rows("SELECT 1");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await tx.rows("SELECT 1");
    });
    await expect(stalled).rejects.toThrow(/idle-in-transaction timeout|connection error|terminat/i);
    // The pool discarded the dead connection and still serves.
    expect((await database.pool.query("SELECT 1 AS one")).rows[0]).toEqual({ one: 1 });
  });

  it("bound every statement", async () => {
    await expect(database.pool.query("SELECT pg_sleep(1)")).rejects.toThrow(/statement timeout/);
  });
});
