// docs/design.md §9, the tenant event feed against the services and a real PostgreSQL: oldest
// first; a cursor never skips nor repeats an event whose transaction commits after a later one
// (two connections, interleaved commits); a rolled-back change emits nothing; masking and access.
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantStatus } from "../../../src/domain/vocabulary.ts";
import { appendAuditEvent, change } from "../../../src/services/audit/audit-store.ts";
import { createViewer } from "../../../src/services/authorization/viewer.ts";
import type { SqlTransaction } from "../../../src/services/database/sql.ts";
import { ForbiddenError, InvalidArgumentError } from "../../../src/services/errors.ts";
import { listTenantEvents, type TenantEventFilter } from "../../../src/services/events/tenant-event-service.ts";
import { transitionTenant } from "../../../src/services/lifecycle/lifecycle-service.ts";
import { personas, tenantAdmin, tenantMember, type Persona } from "../../support/personas.ts";
import { applyMigrations } from "../../../src/services/database/migrations.ts";
import { loadConfig } from "../../../src/server/config.ts";
import { TEST_AUDIT_ENV } from "../../support/audit-keys.ts";
import { createTestDatabase } from "../../support/database.ts";
import { openServiceDatabase, principalOf, type ServiceDatabase } from "../../support/service-context.ts";
import { auditEventsOf, createDraft, tenantIn, transition } from "../../support/service-fixtures.ts";

let db: ServiceDatabase;

beforeAll(async () => {
  db = await openServiceDatabase();
});
afterAll(async () => {
  await db?.close();
});

/** The rest of the feed after `after`, page by page: every event id in feed order, and the last cursor. */
async function readToEnd(
  caller: Persona,
  after: string | null,
  filter: TenantEventFilter | null = null,
  first = 7,
): Promise<{ ids: string[]; cursor: string | null; events: { id: string; tenantId: string; sequence: number }[] }> {
  const events: { id: string; tenantId: string; sequence: number }[] = [];
  let cursor = after;
  for (;;) {
    const page = await listTenantEvents(db.context(caller), { first, after: cursor, filter });
    for (const item of page.items) events.push(item.node);
    if (page.items.length > 0) cursor = page.items.at(-1)?.cursor ?? cursor;
    if (!page.hasNextPage) break;
  }
  return { ids: events.map((event) => event.id), cursor, events };
}

/**
 * Waits until every committed event is below the snapshot's xmin, i.e. readable by the feed. The
 * xmin is the whole server's: a writing transaction in any database (another test file's) holds
 * the feed back until it ends — later, never lost.
 */
async function settled(): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 20) {
    const [row] = await db.query<{ pending: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM audit_events WHERE feed_xid >= pg_snapshot_xmin(pg_current_snapshot())) AS pending",
    );
    if (!row?.pending) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the feed did not settle within 60 s (a long transaction on the test server?)");
}

/** The feed's end now: a cursor after every event committed so far. */
async function cursorAtEnd(): Promise<string | null> {
  await settled();
  return (await readToEnd(personas.operator, null, null, 100)).cursor;
}

/** The rest of the feed once everything committed is readable. */
async function settledToEnd(caller: Persona, after: string | null, filter: TenantEventFilter | null = null) {
  await settled();
  return readToEnd(caller, after, filter);
}

/** A second connection holding its own transaction, writing with the services' own append. */
async function openWriter(): Promise<{ client: pg.Client; tx: SqlTransaction }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const tx: SqlTransaction = {
    rows: async (text, values) => (await client.query(text, values ? [...values] : [])).rows,
  };
  return { client, tx };
}

const writer = {
  viewer: createViewer(principalOf(personas.operator), { operatorOverrideTenantId: null, contextTenantId: null }),
  requestId: "feed-test",
  auditKeys: loadConfig({ NODE_ENV: "test", ...TEST_AUDIT_ENV }).audit,
};

async function appendIn(tx: SqlTransaction, tenantId: string, note: string): Promise<string> {
  const event = await appendAuditEvent(tx, writer, {
    tenantId,
    action: "tenant.updated",
    reason: null,
    changes: { name: change(null, note) },
  });
  return event.id;
}

describe("the feed", () => {
  it("lists events oldest first, each tenant's in its sequence order, with type, data and the audit event", async () => {
    const start = await cursorAtEnd();
    const tenant = await tenantIn(db, TenantStatus.SUSPENDED, { reason: "unpaid invoices" });
    const { events } = await settledToEnd(personas.operator, start);
    const stored = await auditEventsOf(db, tenant.id);
    expect(events.map((event) => event.id)).toEqual(stored.map((event) => event.id));
    expect(events.map((event) => event.sequence)).toEqual(stored.map((_event, index) => index + 1));
    const page = await listTenantEvents(db.context(personas.operator), {
      first: 1,
      filter: { tenantId: tenant.id, types: ["tenant.lifecycle.suspend"] },
    });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.node).toMatchObject({ action: "tenant.lifecycle.suspend", tenantId: tenant.id });
    expect(page.items[0]?.node.changes).toMatchObject({ statusReason: { to: "unpaid invoices" } });
  });

  it("never skips nor repeats an event whose transaction took its position first and committed last", async () => {
    const [x, y] = [await createDraft(db), await createDraft(db)];
    const start = await cursorAtEnd();
    const a = await openWriter();
    const b = await openWriter();
    try {
      await a.client.query("BEGIN");
      const early = await appendIn(a.tx, x.id, "early position, late commit");
      await b.client.query("BEGIN");
      const late = await appendIn(b.tx, y.id, "late position, early commit");
      await b.client.query("COMMIT");
      // b's event is committed, but a's (an earlier position) may still commit: the feed holds b back.
      const meanwhile = await readToEnd(personas.operator, start);
      expect(meanwhile.ids).not.toContain(late);
      await a.client.query("COMMIT");
      const after = await settledToEnd(personas.operator, meanwhile.cursor);
      expect(after.ids).toEqual([early, late]);
      // And from the start, once each.
      expect((await readToEnd(personas.operator, start)).ids).toEqual([early, late]);
    } finally {
      await a.client.end();
      await b.client.end();
    }
  });

  it("never skips an event whose transaction started first and wrote after a later one committed", async () => {
    const [x, y] = [await createDraft(db), await createDraft(db)];
    const start = await cursorAtEnd();
    const a = await openWriter();
    const b = await openWriter();
    try {
      // a takes its transaction id first, b writes and commits, then a writes (a later position) and commits.
      await a.client.query("BEGIN");
      await a.client.query("SELECT pg_current_xact_id()");
      await b.client.query("BEGIN");
      const first = await appendIn(b.tx, y.id, "committed first");
      await b.client.query("COMMIT");
      const meanwhile = await readToEnd(personas.operator, start);
      expect(meanwhile.ids).not.toContain(first);
      const second = await appendIn(a.tx, x.id, "committed second");
      await a.client.query("COMMIT");
      const after = await settledToEnd(personas.operator, meanwhile.cursor);
      expect([...after.ids].sort()).toEqual([first, second].sort());
      expect(after.ids).toHaveLength(2);
    } finally {
      await a.client.end();
      await b.client.end();
    }
  });

  it("keeps a tenant's events in sequence order when the later one's transaction is older", async () => {
    const tenant = await createDraft(db);
    const start = await cursorAtEnd();
    const a = await openWriter();
    const b = await openWriter();
    try {
      await a.client.query("BEGIN");
      await a.client.query("SELECT pg_current_xact_id()");
      await b.client.query("BEGIN");
      await b.client.query("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", [tenant.id]);
      const second = await appendIn(b.tx, tenant.id, "sequence 2, younger transaction");
      await b.client.query("COMMIT");
      await a.client.query("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", [tenant.id]);
      const third = await appendIn(a.tx, tenant.id, "sequence 3, older transaction");
      await a.client.query("COMMIT");
      const { events } = await settledToEnd(personas.operator, start);
      expect(events.map((event) => [event.id, event.sequence])).toEqual([
        [second, 2],
        [third, 3],
      ]);
    } finally {
      await a.client.end();
      await b.client.end();
    }
  });

  it("reads every event exactly once while writers race it, each tenant's in sequence order", async () => {
    const tenants = await Promise.all(Array.from({ length: 4 }, () => tenantIn(db, TenantStatus.ACTIVE)));
    const start = await cursorAtEnd();
    const seen: { id: string; tenantId: string; sequence: number }[] = [];
    let cursor = start;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const page = await listTenantEvents(db.context(personas.operator), { first: 5, after: cursor });
        for (const item of page.items) seen.push(item.node);
        cursor = page.items.at(-1)?.cursor ?? cursor;
      }
    })();
    await Promise.all(
      tenants.map(async (tenant) => {
        for (let round = 0; round < 6; round += 1) {
          await transition(db, tenant.id, "SUSPEND", { reason: `round ${round}` });
          await transition(db, tenant.id, "REACTIVATE");
        }
      }),
    );
    writing = false;
    await reader;
    seen.push(...(await settledToEnd(personas.operator, cursor)).events);
    const ids = seen.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const tenant of tenants) {
      const stored = (await auditEventsOf(db, tenant.id)).filter((event) => event.sequence > 6);
      expect(seen.filter((event) => event.tenantId === tenant.id).map((event) => event.id)).toEqual(
        stored.map((event) => event.id),
      );
    }
    expect(ids).toHaveLength(tenants.length * 12);
  });

  it("emits nothing for a change that rolled back or was refused", async () => {
    const tenant = await createDraft(db);
    const start = await cursorAtEnd();
    const a = await openWriter();
    try {
      await a.client.query("BEGIN");
      await appendIn(a.tx, tenant.id, "rolled back");
      await a.client.query("ROLLBACK");
    } finally {
      await a.client.end();
    }
    const refused = await transitionTenant(db.context(personas.operator), {
      tenantId: tenant.id,
      transition: "SUSPEND",
      reason: "no",
    });
    expect(refused.ok).toBe(false);
    expect((await settledToEnd(personas.operator, start)).ids).toEqual([]);
    const applied = await transition(db, tenant.id, "START_ONBOARDING");
    expect((await settledToEnd(personas.operator, start)).ids).toEqual([applied.auditEvent?.id]);
  });

  it("starts at since, and refuses cursors it did not issue and unknown types", async () => {
    const before = await createDraft(db);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date();
    const after = await createDraft(db);
    const { events } = await settledToEnd(personas.operator, null, { since });
    expect(events.map((event) => event.tenantId)).toContain(after.id);
    expect(events.map((event) => event.tenantId)).not.toContain(before.id);
    const context = db.context(personas.operator);
    await expect(listTenantEvents(context, { after: "bm90LWEtY3Vyc29y" })).rejects.toBeInstanceOf(InvalidArgumentError);
    const page = await listTenantEvents(context, { first: 1 });
    // A cursor of the whole feed is not one of a tenant's feed.
    await expect(
      listTenantEvents(context, { after: page.items[0]?.cursor, filter: { tenantId: after.id } }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(listTenantEvents(context, { filter: { types: ["tenant.suspended"] } })).rejects.toThrow(
      /unknown event type/,
    );
    await expect(listTenantEvents(context, { filter: { types: ["audit.checkpoint.created"] } })).rejects.toThrow(
      /audit\.checkpoint\.created is a platform event, not a tenant's/,
    );
  });
});

describe("who reads the feed", () => {
  it("masks data for a tenant's admin as audit changes are masked, and shows them only their tenant", async () => {
    const tenant = await tenantIn(db, TenantStatus.SUSPENDED, { reason: "internal: fraud review" });
    const other = await tenantIn(db, TenantStatus.ACTIVE);
    const admin = await settledToEnd(tenantAdmin(tenant.id), null);
    expect(new Set(admin.events.map((event) => event.tenantId))).toEqual(new Set([tenant.id]));
    const page = await listTenantEvents(db.context(tenantAdmin(tenant.id)), {
      filter: { types: ["tenant.lifecycle.suspend"] },
    });
    const suspended = page.items[0]?.node;
    expect(suspended?.changes).toMatchObject({ status: { from: "ACTIVE", to: "SUSPENDED" } });
    expect(suspended?.changes).not.toHaveProperty("statusReason");
    expect(suspended?.reason).toBeNull();
    expect(JSON.stringify(admin.events)).not.toContain("fraud review");
    // Another tenant's events are, for them, events that do not exist.
    const foreign = await listTenantEvents(db.context(tenantAdmin(tenant.id)), { filter: { tenantId: other.id } });
    expect(foreign.items).toEqual([]);
    const platform = await listTenantEvents(db.context(personas.supportRead), {
      filter: { tenantId: tenant.id, types: ["tenant.lifecycle.suspend"] },
    });
    expect(JSON.stringify(platform.items[0]?.node.changes)).toContain("fraud review");
  });

  it("shows an operator overriding into a tenant what its admin sees", async () => {
    const tenant = await tenantIn(db, TenantStatus.SUSPENDED, { reason: "internal note" });
    const { events } = await settledToEnd(personas.operator, null, null);
    expect(events.some((event) => event.tenantId !== tenant.id)).toBe(true);
    const overridden = await listTenantEvents(db.context(personas.operator, { operatorOverride: tenant.id }), {});
    expect(new Set(overridden.items.map((item) => item.node.tenantId))).toEqual(new Set([tenant.id]));
    expect(JSON.stringify(overridden.items.map((item) => item.node))).not.toContain("internal note");
  });

  it("gives a tenant admin nothing while the tenant is hidden from its users, and refuses members and run workers", async () => {
    const archived = await tenantIn(db, TenantStatus.ARCHIVED);
    expect((await listTenantEvents(db.context(tenantAdmin(archived.id)), {})).items).toEqual([]);
    const active = await tenantIn(db, TenantStatus.ACTIVE);
    await expect(listTenantEvents(db.context(tenantMember(active.id)), {})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listTenantEvents(db.context(personas.worker), {})).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("the migration that made the audit trail the feed", () => {
  it("gives events written before it positions in time order that keep each tenant's chain order", async () => {
    const fresh = await createTestDatabase({ migrate: false });
    const directory = await mkdtemp(join(tmpdir(), "migrations-before-feed-"));
    const client = new pg.Client({ connectionString: fresh.url });
    try {
      const all = new URL("../../../prisma/migrations/", import.meta.url).pathname;
      await cp(all, directory, { recursive: true });
      // Back to the database as it was before the feed: that migration and every later one removed.
      for (const name of await readdir(directory)) {
        if (name >= "20261207000000_tenant_event_feed") await rm(join(directory, name), { recursive: true });
      }
      await applyMigrations(fresh.url, { migrationsDir: directory });
      await client.connect();
      // Two tenants; b's clock stepped back between its events (sequence 2 is "older" than 1).
      const [a, b] = ["00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"];
      await client.query(
        `INSERT INTO tenants (id, slug, name, status, updated_at) VALUES
        ($1, 'tenant-a', 'A', 'DRAFT', now()), ($2, 'tenant-b', 'B', 'DRAFT', now())`,
        [a, b],
      );
      const event = (tenant: string, sequence: number, at: string) =>
        client.query(
          `INSERT INTO audit_events (id, tenant_id, sequence, action, actor_type, actor_id, changes, occurred_at, hash)
           VALUES (gen_random_uuid(), $1, $2, 'tenant.updated', 'OPERATOR', 'x', '{}', $3, repeat('0', 64))`,
          [tenant, sequence, at],
        );
      await event(a, 1, "2026-01-01T00:00:01Z");
      await event(b, 1, "2026-01-01T00:00:02Z");
      await event(b, 2, "2026-01-01T00:00:00Z");
      await event(a, 2, "2026-01-01T00:00:03Z");
      await applyMigrations(fresh.url);
      const { rows } = await client.query<{ tenant: string; sequence: number }>(
        `SELECT tenant_id AS tenant, sequence FROM audit_events ORDER BY feed_xid, position`,
      );
      expect(rows.map((row) => [row.tenant === a ? "a" : "b", row.sequence])).toEqual([
        ["a", 1],
        ["b", 1],
        ["b", 2],
        ["a", 2],
      ]);
      // New events follow the old ones.
      await client.query(
        `INSERT INTO audit_events (id, tenant_id, sequence, action, actor_type, actor_id, changes, hash)
         VALUES (gen_random_uuid(), $1, 3, 'tenant.updated', 'OPERATOR', 'x', '{}', repeat('0', 64))`,
        [a],
      );
      const { rows: last } = await client.query<{ sequence: number }>(
        `SELECT sequence FROM audit_events ORDER BY feed_xid DESC, position DESC LIMIT 1`,
      );
      expect(last[0]?.sequence).toBe(3);
    } finally {
      await client.end();
      await rm(directory, { recursive: true, force: true });
      await fresh.drop();
    }
  });
});
