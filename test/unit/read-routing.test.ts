// The pieces of read-your-writes that need no database (design §10): log positions as PostgreSQL
// writes them, the position header, the per-principal memory and the replica configuration.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/server/config.ts";
import { positionFromHeaders, principalKey, WAL_POSITION_HEADER } from "../../src/server/read-your-writes.ts";
import { formatWalPosition, laterOf, parseWalPosition } from "../../src/services/database/wal-position.ts";
import { WritePositions } from "../../src/services/database/write-positions.ts";

describe("log positions", () => {
  it("read and write PostgreSQL's text form, compared as numbers", () => {
    expect(parseWalPosition("0/16B3748")).toBe(0x16b3748n);
    expect(parseWalPosition("16/B374D848")).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatWalPosition((0x16n << 32n) | 0xb374d848n)).toBe("16/B374D848");
    expect(formatWalPosition(parseWalPosition("ffffffff/ffffffff") as bigint)).toBe("FFFFFFFF/FFFFFFFF");
    // "1/0" is later than "0/FFFFFFFF", which a comparison of the text would get wrong.
    expect((parseWalPosition("1/0") as bigint) > (parseWalPosition("0/FFFFFFFF") as bigint)).toBe(true);
    expect(laterOf(null, 5n)).toBe(5n);
    expect(laterOf(7n, 5n)).toBe(7n);
  });

  it("refuse anything else", () => {
    for (const junk of ["", "0", "0/", "/1", "0/123456789", "x/1", "1/2/3", "-1/0", "0x1/0"]) {
      expect(parseWalPosition(junk)).toBeNull();
    }
  });
});

describe("the position header", () => {
  it("takes the latest of several positions and ignores what is not one", () => {
    expect(positionFromHeaders({})).toBeNull();
    expect(positionFromHeaders({ [WAL_POSITION_HEADER]: "0/10" })).toBe(0x10n);
    expect(positionFromHeaders({ [WAL_POSITION_HEADER]: "0/10, 1/0 ,nonsense" })).toBe(1n << 32n);
    expect(positionFromHeaders({ [WAL_POSITION_HEADER]: ["0/20", "0/3"] } as never)).toBe(0x20n);
    expect(positionFromHeaders({ [WAL_POSITION_HEADER]: "garbage" })).toBeNull();
  });

  it("keys the memory by tenant and subject, so a tenant user never shares a platform user's entry", () => {
    const platform = principalKey({ sub: "alice", scopes: [], tenantId: null });
    const tenantUser = principalKey({ sub: "alice", scopes: [], tenantId: "t1" });
    expect(platform).not.toBe(tenantUser);
  });
});

describe("the per-principal memory", () => {
  it("keeps each principal's latest write, never an earlier one", () => {
    const positions = new WritePositions(10);
    positions.record("a", 20n);
    positions.record("a", 10n);
    expect(positions.get("a")).toBe(20n);
    expect(positions.get("b")).toBeNull();
  });

  it("is bounded: past its capacity the least recently written principal is forgotten", () => {
    const positions = new WritePositions(2);
    positions.record("a", 1n);
    positions.record("b", 2n);
    positions.record("a", 3n);
    positions.record("c", 4n);
    expect(positions.size).toBe(2);
    expect(positions.get("b")).toBeNull();
    expect(positions.get("a")).toBe(3n);
    expect(positions.get("c")).toBe(4n);
  });
});

describe("replica configuration", () => {
  const base = { NODE_ENV: "test", DATABASE_URL: "postgresql://primary/db" };

  it("is off unless DATABASE_REPLICA_URLS is set", () => {
    expect(loadConfig(base).databaseReplicas).toEqual({ urls: [], pollIntervalMs: 200, maxLagMs: 30_000 });
  });

  it("reads a comma-separated list of postgres URLs", () => {
    const config = loadConfig({
      ...base,
      DATABASE_REPLICA_URLS: " postgresql://r1:5433/db , postgres://r2/db,",
      DATABASE_REPLICA_POLL_INTERVAL_MS: "100",
      DATABASE_REPLICA_MAX_LAG_MS: "5000",
    });
    expect(config.databaseReplicas).toEqual({
      urls: ["postgresql://r1:5433/db", "postgres://r2/db"],
      pollIntervalMs: 100,
      maxLagMs: 5000,
    });
  });

  it("refuses what is not a postgres URL, and replicas without a primary", () => {
    expect(() => loadConfig({ ...base, DATABASE_REPLICA_URLS: "postgresql://r1/db,http://r2" })).toThrow(
      /DATABASE_REPLICA_URLS/,
    );
    expect(() => loadConfig({ NODE_ENV: "test", DATABASE_REPLICA_URLS: "postgresql://r1/db" })).toThrow(
      /DATABASE_REPLICA_URLS needs DATABASE_URL/,
    );
    expect(() => loadConfig({ ...base, DATABASE_REPLICA_POLL_INTERVAL_MS: "5" })).toThrow(ConfigError);
  });
});
