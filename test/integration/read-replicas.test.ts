// Read replicas with read-your-writes (design §10), on real streaming replication: a primary and
// a hot standby started for this file (test/support/replication.ts), one server in this process
// and one started as users start it (`npm start`), both with DATABASE_REPLICA_URLS.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import pg from "pg";
import { startHiveGateway } from "../../src/federation/hive-gateway.ts";
import { withRoutingUrls } from "../../src/federation/supergraph.ts";
import { loadConfig } from "../../src/server/config.ts";
import { appendAuditEvent, change } from "../../src/services/audit/audit-store.ts";
import { createViewer } from "../../src/services/authorization/viewer.ts";
import { applyMigrations } from "../../src/services/database/migrations.ts";
import type { SqlTransaction } from "../../src/services/database/sql.ts";
import { TEST_AUDIT_ENV } from "../support/audit-keys.ts";
import { principalOf } from "../support/service-context.ts";
import { TENANT_BY_ID, UPDATE_TENANT, type MutationPayload, type TenantShape } from "../support/operations.ts";
import { personas, TEST_JWT_SECRET, tokenFor, type Persona } from "../support/personas.ts";
import {
  REPLICATION_REQUIRED,
  replicationBinaries,
  startReplication,
  type Replication,
} from "../support/replication.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";
import { startTestServer, type GraphQLResponseBody, type TestServer } from "../support/test-server.ts";
import { draftTenant } from "../support/fixtures.ts";

const LSN_HEADER = "x-tenant-lifecycle-lsn";
const POLL_MS = 50;
const binaries = replicationBinaries();

/** A server as a client sees it: its /graphql and /metrics. */
interface Endpoint {
  name: string;
  url: string;
}

interface Answer<T> {
  body: GraphQLResponseBody<T>;
  /** The write position the response carried, if any. */
  lsn: string | null;
}

async function call<T>(
  endpoint: Endpoint,
  persona: Persona,
  query: string,
  variables: Record<string, unknown>,
  lsn: string | null = null,
): Promise<Answer<T>> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    authorization: `Bearer ${await tokenFor(persona)}`,
  };
  if (lsn) headers[LSN_HEADER] = lsn;
  const response = await fetch(endpoint.url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as GraphQLResponseBody<T>;
  if (body.errors?.length) throw new Error(`${endpoint.name}: ${JSON.stringify(body.errors)}`);
  return { body, lsn: response.headers.get(LSN_HEADER) };
}

async function rename(endpoint: Endpoint, persona: Persona, tenantId: string, name: string, lsn: string | null) {
  const answer = await call<{ updateTenant: MutationPayload }>(
    endpoint,
    persona,
    UPDATE_TENANT,
    { input: { tenantId, name } },
    lsn,
  );
  expect(answer.body.data?.updateTenant.userErrors).toEqual([]);
  return answer;
}

async function nameOf(endpoint: Endpoint, persona: Persona, tenantId: string, lsn: string | null): Promise<string> {
  const answer = await call<{ tenant: TenantShape | null }>(endpoint, persona, TENANT_BY_ID, { id: tenantId }, lsn);
  return answer.body.data?.tenant?.name ?? "<missing>";
}

/** The sum of a metric's samples whose labels include `labels`. */
async function metric(endpoint: Endpoint, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(endpoint.url.replace(/\/graphql$/, "/metrics"))).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

const FEED = `query Feed($after: String) {
  tenantEvents(first: 50, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage } }
}`;

/** The feed after `after`, page by page, through one server. */
async function feedToEnd(endpoint: Endpoint, persona: Persona, after: string | null) {
  const ids: string[] = [];
  let cursor = after;
  for (;;) {
    const answer = await call<{
      tenantEvents: { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean } };
    }>(endpoint, persona, FEED, { after: cursor });
    const connection = answer.body.data?.tenantEvents;
    for (const edge of connection?.edges ?? []) {
      ids.push(edge.node.id);
      cursor = edge.cursor;
    }
    if (!connection?.pageInfo.hasNextPage) return { ids, cursor };
  }
}

/** An audit event written with the services' own append, in a transaction a test holds open. */
async function appendEventIn(client: pg.Client, tenantId: string): Promise<string> {
  const tx: SqlTransaction = {
    rows: async (text, values) => (await client.query(text, values ? [...values] : [])).rows,
  };
  const writer = {
    viewer: createViewer(principalOf(personas.operator), { operatorOverrideTenantId: null, contextTenantId: null }),
    requestId: "replica-feed-test",
    auditKeys: loadConfig({ NODE_ENV: "test", ...TEST_AUDIT_ENV }).audit,
  };
  const event = await appendAuditEvent(tx, writer, {
    tenantId,
    action: "tenant.updated",
    reason: null,
    changes: { name: change(null, "committed last") },
  });
  return event.id;
}

if (!binaries.ok && !REPLICATION_REQUIRED) {
  console.warn(
    `read-replica tests skipped: ${binaries.reason} (set TEST_REPLICA_PG_BIN to a PostgreSQL bin directory)`,
  );
}

// Where CI requires them (TEST_REPLICATION=required), missing binaries fail every case, saying why.
describe.runIf(binaries.ok || REPLICATION_REQUIRED)(
  binaries.ok ? "read replicas with read-your-writes" : `read replicas (no PostgreSQL binaries: ${binaries.reason})`,
  () => {
    let replication: Replication;
    let inProcess: TestServer;
    let child: ServerProcess;
    /** One server in this process, one in its own. */
    let a: Endpoint;
    let b: Endpoint;

    beforeAll(async () => {
      if (!binaries.ok) throw new Error(`no streaming replica can be started: ${binaries.reason}`);
      replication = await startReplication(binaries.binariesDir);
      await replication.primary.query("CREATE DATABASE replicas_test");
      const databaseUrl = replication.primary.url("replicas_test");
      await applyMigrations(databaseUrl);
      await replication.caughtUp();
      const env = {
        DATABASE_REPLICA_URLS: replication.replica.url("replicas_test"),
        DATABASE_REPLICA_POLL_INTERVAL_MS: String(POLL_MS),
      };
      [inProcess, child] = await Promise.all([
        startTestServer({ databaseUrl, env }),
        startServerProcess({ ...env, DATABASE_URL: databaseUrl, WEBHOOK_DELIVERY: "off" }),
      ]);
      a = { name: "in-process server", url: inProcess.url };
      b = { name: "server process", url: child.url };
      // Both have seen the replica answer.
      for (const endpoint of [a, b]) {
        await eventually(
          `${endpoint.name} sees the replica`,
          async () => (await metric(endpoint, "db_replica_up")) === 1,
        );
      }
    });

    afterAll(async () => {
      await child?.stop();
      await inProcess?.close();
      await replication?.close();
    });

    it("answers a write with its log position; a read through another process with it sees the write at once", async () => {
      const operator = personas.operator;
      const tenant = await draftTenant(inProcess, "Before");
      for (let round = 0; round < 15; round += 1) {
        const written = await rename(a, operator, tenant.id, `Round ${round}`, null);
        expect(written.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
        expect(written.body.extensions?.["tenantLifecycleLsn"]).toBe(written.lsn);
        expect(await nameOf(b, operator, tenant.id, written.lsn)).toBe(`Round ${round}`);
      }
      // A read answers with no position: only writes move it.
      const read = await call(a, operator, TENANT_BY_ID, { id: tenant.id });
      expect(read.lsn).toBeNull();
      expect(read.body.extensions?.["tenantLifecycleLsn"]).toBeUndefined();

      // Once the replica has replayed the write (and been polled), the same caller is served by it.
      const last = await rename(a, operator, tenant.id, "Settled", null);
      await replication.caughtUp();
      await eventually("the writer is read from the replica", async () => {
        const served = await metric(b, "db_read_routing_total", { route: "replica" });
        expect(await nameOf(b, operator, tenant.id, last.lsn)).toBe("Settled");
        return (await metric(b, "db_read_routing_total", { route: "replica" })) === served + 1;
      });
    });

    it("a mutation's statements all run on the primary", async () => {
      const before = await metric(a, "db_read_routing_total", { route: "primary", reason: "not_read_only" });
      const tenant = await draftTenant(inProcess, "Written");
      await rename(a, personas.operator, tenant.id, "Written twice", null);
      expect(await metric(a, "db_read_routing_total", { route: "primary", reason: "not_read_only" })).toBe(before + 2);
    });

    it("a paused replica serves no stale read to the writer, and still serves everyone else", async () => {
      const writer: Persona = { sub: "operator-paused-writer", scope: "platform:operator" };
      const bystander = personas.supportRead;
      const tenant = await draftTenant(inProcess, "Before the pause");
      await replication.caughtUp();
      await replication.pauseReplay();
      try {
        const written = await rename(a, writer, tenant.id, "During the pause", null);
        const behind = await metric(b, "db_read_routing_total", { route: "primary", reason: "replica_behind" });
        // With the position (as a router propagates it), through the other process:
        expect(await nameOf(b, writer, tenant.id, written.lsn)).toBe("During the pause");
        expect(await metric(b, "db_read_routing_total", { route: "primary", reason: "replica_behind" })).toBe(
          behind + 1,
        );
        // Without it, through the process that took the write (its memory of the principal):
        expect(await nameOf(a, writer, tenant.id, null)).toBe("During the pause");
        // Everyone else is still served by the replica: it answers with what it had replayed.
        const served = await metric(b, "db_read_routing_total", { route: "replica" });
        expect(await nameOf(b, bystander, tenant.id, null)).toBe("Before the pause");
        expect(await metric(b, "db_read_routing_total", { route: "replica" })).toBe(served + 1);
        await eventually(
          "the lag is reported",
          async () => (await metric(b, "db_replica_lag", { measure: "bytes" })) > 0,
        );
      } finally {
        await replication.resumeReplay();
      }
      await replication.caughtUp();
      await eventually("the bystander sees the write from the replica", async () => {
        return (await nameOf(b, bystander, tenant.id, null)) === "During the pause";
      });
    });

    it("a dead replica is skipped for the primary, and its return is noticed", async () => {
      const reader = personas.supportRead;
      const tenant = await draftTenant(inProcess, "Survives");
      await replication.caughtUp();
      // A third server that polls rarely (10 s): its first read after the kill finds the replica
      // gone before any poll can have noticed (a poll landing in the few milliseconds between
      // the kill and that read would make this test fail, about once in a few hundred runs).
      const slowPoller = await startTestServer({
        databaseUrl: replication.primary.url("replicas_test"),
        env: {
          DATABASE_REPLICA_URLS: replication.replica.url("replicas_test"),
          DATABASE_REPLICA_POLL_INTERVAL_MS: "10000",
        },
      });
      const c: Endpoint = { name: "slowly polling server", url: slowPoller.url };
      try {
        await eventually("the slow poller sees the replica", async () => (await metric(c, "db_replica_up")) === 1);
        expect(await nameOf(c, reader, tenant.id, null)).toBe("Survives");
        expect(await metric(c, "db_read_routing_total", { route: "replica" })).toBe(1);
        const downBefore = await metric(a, "db_replica_state_changes_total", { state: "down" });
        const upBefore = await metric(a, "db_replica_state_changes_total", { state: "up" });
        await replication.replica.kill();
        // At once: the read that finds the replica gone is answered by the primary, and the
        // replica is skipped from then on.
        expect(await nameOf(c, reader, tenant.id, null)).toBe("Survives");
        expect(await metric(c, "db_read_routing_total", { route: "primary", reason: "replica_failed" })).toBe(1);
        expect(await metric(c, "db_replica_up")).toBe(0);
        expect(await nameOf(c, reader, tenant.id, null)).toBe("Survives");
        expect(await metric(c, "db_read_routing_total", { route: "primary", reason: "no_replica_available" })).toBe(1);
        await checkNoticed(downBefore, upBefore);
      } finally {
        await slowPoller.close();
      }
    });

    /** The regular pollers see the dead replica go, then come back once it is started again. */
    async function checkNoticed(downBefore: number, upBefore: number): Promise<void> {
      const reader = personas.supportRead;
      const tenant = await draftTenant(inProcess, "Survives too");
      for (let read = 0; read < 5; read += 1) expect(await nameOf(a, reader, tenant.id, null)).toBe("Survives too");
      await eventually("the replica is reported down", async () => (await metric(a, "db_replica_up")) === 0);
      expect(await metric(a, "db_replica_state_changes_total", { state: "down" })).toBe(downBefore + 1);
      expect(inProcess.logs.join("")).toMatch(/read replica skipped/);
      const fallbacks = await metric(a, "db_read_routing_total", { route: "primary" });
      expect(await nameOf(a, reader, tenant.id, null)).toBe("Survives too");
      expect(
        await metric(a, "db_read_routing_total", { route: "primary", reason: "no_replica_available" }),
      ).toBeGreaterThan(0);
      expect(await metric(a, "db_read_routing_total", { route: "primary" })).toBe(fallbacks + 1);

      await replication.replica.start();
      await eventually("the replica is reported back", async () => (await metric(a, "db_replica_up")) === 1);
      expect(await metric(a, "db_replica_state_changes_total", { state: "up" })).toBe(upBefore + 1);
      expect(inProcess.logs.join("")).toMatch(/answering again/);
      await replication.caughtUp();
      await eventually("the returned replica serves again", async () => {
        const served = await metric(a, "db_read_routing_total", { route: "replica" });
        expect(await nameOf(a, reader, tenant.id, null)).toBe("Survives too");
        return (await metric(a, "db_read_routing_total", { route: "replica" })) === served + 1;
      });
    }

    it("through two Hive Gateways (one per subgraph process), the position reaches the client and comes back", async () => {
      const supergraph = await readFile(new URL("../../supergraph.graphql", import.meta.url), "utf8");
      // Neighbours the documents below never reach.
      const nowhere = { accounts: "http://127.0.0.1:9/graphql", billing: "http://127.0.0.1:9/graphql" };
      const gateways = await Promise.all(
        [a, b].map((endpoint) =>
          startHiveGateway({
            supergraphSdl: withRoutingUrls(supergraph, { "tenant-lifecycle": endpoint.url, ...nowhere }),
            jwtSecret: TEST_JWT_SECRET,
          }),
        ),
      );
      const [viaA, viaB] = gateways.map((gateway, index) => ({ name: `gateway ${index}`, url: gateway.url }));
      const writer: Persona = { sub: "operator-behind-a-router", scope: "platform:operator" };
      const tenant = await draftTenant(inProcess, "Routed");
      await replication.caughtUp();
      await replication.pauseReplay();
      try {
        const written = await call<{ updateTenant: { userErrors: unknown[] } }>(
          viaA as Endpoint,
          writer,
          "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { tenant { id } userErrors { code } } }",
          { input: { tenantId: tenant.id, name: "Routed, renamed" } },
        );
        expect(written.body.data?.updateTenant.userErrors).toEqual([]);
        expect(written.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
        const read = `query($id: ID) { tenant(id: $id) { name } }`;
        // The other router and subgraph process know nothing of this writer but the position it sends.
        const withPosition = await call<{ tenant: { name: string } }>(
          viaB as Endpoint,
          writer,
          read,
          { id: tenant.id },
          written.lsn,
        );
        expect(withPosition.body.data?.tenant.name).toBe("Routed, renamed");
        // Without it, the paused replica answers: what the position is for.
        const without = await call<{ tenant: { name: string } }>(viaB as Endpoint, writer, read, { id: tenant.id });
        expect(without.body.data?.tenant.name).toBe("Routed");
      } finally {
        await replication.resumeReplay();
        await Promise.all(gateways.map((gateway) => gateway.stop()));
      }
    });

    it("the event feed read from a replica never skips an event whose transaction began first and committed last", async () => {
      // The feed reads only rows below its snapshot's xmin (design §9). On a hot standby the
      // snapshot is built from the primary's log: a transaction that took its id but has logged
      // nothing yet is known there only through the later ids it sees — enough to hold the feed back.
      const reader = personas.supportRead;
      const [x, y] = [await draftTenant(inProcess, "Feed x"), await draftTenant(inProcess, "Feed y")];
      await replication.caughtUp();
      const start = await feedToEnd(b, reader, null);
      const early = new pg.Client({ connectionString: replication.primary.url("replicas_test") });
      await early.connect();
      try {
        await early.query("BEGIN");
        await early.query("SELECT pg_current_xact_id()");
        const later = await rename(a, personas.operator, y.id, "Feed y, committed first", null);
        await replication.caughtUp();
        const served = await metric(b, "db_read_routing_total", { route: "replica" });
        const meanwhile = await feedToEnd(b, reader, start.cursor);
        expect(await metric(b, "db_read_routing_total", { route: "replica" })).toBeGreaterThan(served);
        // The later transaction's event is held back while the earlier one may still write.
        const laterEvent = later.body.data?.updateTenant.auditEvent?.id;
        expect(laterEvent).toBeTruthy();
        expect(meanwhile.ids).not.toContain(laterEvent);
        await early.query("UPDATE tenants SET name = 'Feed x, committed last', version = version + 1 WHERE id = $1", [
          x.id,
        ]);
        const earlyEvent = await appendEventIn(early, x.id);
        await early.query("COMMIT");
        await replication.caughtUp();
        let rest: string[] = [];
        await eventually("both events are readable from the replica", async () => {
          rest = (await feedToEnd(b, reader, meanwhile.cursor)).ids;
          return rest.length >= 2;
        });
        expect([...rest].sort()).toEqual([earlyEvent, laterEvent].sort());
      } finally {
        await early.end();
      }
    });

    it("a replica past the lag bound serves nobody; while the primary is down, one holding all it reported serves everyone", async () => {
      const bounded = await startTestServer({
        databaseUrl: replication.primary.url("replicas_test"),
        env: {
          DATABASE_REPLICA_URLS: replication.replica.url("replicas_test"),
          DATABASE_REPLICA_POLL_INTERVAL_MS: String(POLL_MS),
          DATABASE_REPLICA_MAX_LAG_MS: "500",
        },
      });
      const c: Endpoint = { name: "server with a 500 ms lag bound", url: bounded.url };
      const reader = personas.supportRead;
      try {
        const tenant = await draftTenant(inProcess, "Bounded");
        await replication.caughtUp();
        await eventually("the replica serves", async () => {
          await nameOf(c, reader, tenant.id, null);
          return (await metric(c, "db_read_routing_total", { route: "replica" })) > 0;
        });
        await replication.pauseReplay();
        try {
          await rename(a, personas.operator, tenant.id, "Bounded, renamed", null);
          await eventually("the paused replica is past the bound", async () => {
            return (await metric(c, "db_replica_lag", { measure: "seconds" })) > 0.5;
          });
          // Everyone, not only the writer, is now read from the primary.
          expect(await nameOf(c, reader, tenant.id, null)).toBe("Bounded, renamed");
          expect(await metric(c, "db_read_routing_total", { route: "primary", reason: "replica_lagging" })).toBe(1);
        } finally {
          await replication.resumeReplay();
        }
        await replication.caughtUp();
        await replication.primary.stop();
        try {
          // Well past the bound: the replica has everything the primary last reported.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          const served = await metric(c, "db_read_routing_total", { route: "replica" });
          expect(await nameOf(c, reader, tenant.id, null)).toBe("Bounded, renamed");
          expect(await metric(c, "db_read_routing_total", { route: "replica" })).toBe(served + 1);
          const refused = await bounded.request(
            UPDATE_TENANT,
            { input: { tenantId: tenant.id, name: "No" } },
            { as: personas.operator },
          );
          expect(refused.body.errors?.[0]?.extensions?.["code"]).toBe("SERVICE_UNAVAILABLE");
        } finally {
          await replication.primary.start();
        }
        await eventually("writes work again", async () => {
          const answer = await bounded.request(
            UPDATE_TENANT,
            { input: { tenantId: tenant.id, name: "Back" } },
            { as: personas.operator },
          );
          return answer.body.errors === undefined;
        });
      } finally {
        await bounded.close();
      }
    });

    it("generated interleavings of writes and reads across two processes: the writer never reads stale", async () => {
      const writers: Persona[] = [
        { sub: "operator-writer-0", scope: "platform:operator" },
        { sub: "operator-writer-1", scope: "platform:operator" },
      ];
      const tenants = [await draftTenant(inProcess, "w0 v0"), await draftTenant(inProcess, "w1 v0")];
      const endpoints = [a, b];
      const command = fc.oneof(
        { weight: 4, arbitrary: fc.record({ kind: fc.constant("write" as const), writer: fc.nat(1), via: fc.nat(1) }) },
        {
          weight: 6,
          arbitrary: fc.record({
            kind: fc.constant("read" as const),
            writer: fc.nat(1),
            via: fc.nat(1),
            // A client that carries the position (as a router propagates it), or one that does not.
            withPosition: fc.boolean(),
          }),
        },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant("pause" as const) }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant("resume" as const) }) },
      );
      const replicaBefore =
        (await metric(a, "db_read_routing_total", { route: "replica" })) +
        (await metric(b, "db_read_routing_total", { route: "replica" }));
      const behindBefore =
        (await metric(a, "db_read_routing_total", { reason: "replica_behind" })) +
        (await metric(b, "db_read_routing_total", { reason: "replica_behind" }));
      let version = 0;
      let stale = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 10, maxLength: 40, size: "max" }), async (commands) => {
          // Per writer: the position its client holds, its latest version, and the latest version written through each server.
          const state = writers.map(() => ({ lsn: null as string | null, latest: -1, viaServer: [-1, -1] }));
          let paused = false;
          try {
            for (const step of commands) {
              if (step.kind === "pause" && !paused) {
                await replication.pauseReplay();
                paused = true;
              } else if (step.kind === "resume" && paused) {
                await replication.resumeReplay();
                paused = false;
              } else if (step.kind === "write") {
                version += 1;
                const mine = state[step.writer] as (typeof state)[number];
                const answer = await rename(
                  endpoints[step.via] as Endpoint,
                  writers[step.writer] as Persona,
                  (tenants[step.writer] as { id: string }).id,
                  `w${step.writer} v${version}`,
                  mine.lsn,
                );
                mine.lsn = answer.lsn;
                mine.latest = version;
                mine.viaServer[step.via] = version;
              } else if (step.kind === "read") {
                const mine = state[step.writer] as (typeof state)[number];
                const name = await nameOf(
                  endpoints[step.via] as Endpoint,
                  writers[step.writer] as Persona,
                  (tenants[step.writer] as { id: string }).id,
                  step.withPosition ? mine.lsn : null,
                );
                const seen = Number(/ v(\d+)$/.exec(name)?.[1] ?? -2);
                // With its position, the writer sees its latest write; without it, at least the
                // latest it made through this server (which remembers its principal).
                const owed = step.withPosition ? mine.latest : (mine.viaServer[step.via] as number);
                if (owed >= 0 && seen < owed) stale += 1;
                expect(seen).toBeGreaterThanOrEqual(owed);
              }
            }
          } finally {
            if (paused) await replication.resumeReplay();
          }
        }),
        { numRuns: 15 },
      );
      expect(stale).toBe(0);
      // Not vacuous: the replica served some of those reads, and held some back from their writer.
      const replicaAfter =
        (await metric(a, "db_read_routing_total", { route: "replica" })) +
        (await metric(b, "db_read_routing_total", { route: "replica" }));
      const behindAfter =
        (await metric(a, "db_read_routing_total", { reason: "replica_behind" })) +
        (await metric(b, "db_read_routing_total", { reason: "replica_behind" }));
      expect(replicaAfter).toBeGreaterThan(replicaBefore);
      expect(behindAfter).toBeGreaterThan(behindBefore);
    });
  },
);
