// Issue 24's table, row by row (docs/design.md §4 "Audit evidence"): what a PostgreSQL superuser
// can do to the audit trail behind the service's back, and what `auditChain` says afterwards. The
// attacker here holds the database only — not the service's HMAC or signing key — and uses every
// table it can see (heads included, when they exist).
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantStatus } from "../../../src/domain/vocabulary.ts";
import { auditEventHash } from "../../../src/services/audit/audit-hash.ts";
import { verifyAuditChain } from "../../../src/services/audit/audit-service.ts";
import type { JsonValue } from "../../../src/services/canonical-json.ts";
import { personas } from "../../support/personas.ts";
import { openServiceDatabase, type ServiceDatabase } from "../../support/service-context.ts";
import { auditEventsOf, tenantIn, transition } from "../../support/service-fixtures.ts";

let db: ServiceDatabase;

beforeAll(async () => {
  db = await openServiceDatabase();
});
afterAll(async () => {
  await db?.close();
});

const verify = (tenantId: string) => verifyAuditChain(db.context(personas.operator), tenantId);

/**
 * A superuser's session: the append-only trigger off (ALTER TABLE), as one transaction, then back
 * in the mode it was in (`ENABLE TRIGGER` alone would demote an ALWAYS trigger).
 */
async function asSuperuser(run: (client: pg.PoolClient) => Promise<unknown>): Promise<void> {
  const client = await db.database.pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ mode: string }>(
      "SELECT tgenabled AS mode FROM pg_trigger WHERE tgname = 'audit_events_append_only'",
    );
    await client.query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
    await run(client);
    const always = rows[0]?.mode === "A" ? "ALWAYS " : "";
    await client.query(`ALTER TABLE audit_events ENABLE ${always}TRIGGER audit_events_append_only`);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

async function hasHeads(client: pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('audit_chain_heads') IS NOT NULL AS exists",
  );
  return rows[0]?.exists ?? false;
}

/** A tenant with a dozen events: ACTIVE, then suspended and reactivated a few times. */
async function tenantWithHistory() {
  const tenant = await tenantIn(db, TenantStatus.ACTIVE);
  for (let round = 0; round < 3; round += 1) {
    await transition(db, tenant.id, "SUSPEND", { reason: `round ${round}` });
    await transition(db, tenant.id, "REACTIVATE");
  }
  return tenant;
}

describe("tampering as a PostgreSQL superuser", () => {
  it("an event changed in place is reported at that event (as before)", async () => {
    const tenant = await tenantWithHistory();
    await asSuperuser((client) =>
      client.query("UPDATE audit_events SET reason = 'nothing to see' WHERE tenant_id = $1 AND sequence = 8", [
        tenant.id,
      ]),
    );
    expect(await verify(tenant.id)).toMatchObject({ valid: false, firstBrokenSequence: 8 });
  });

  it("the last event deleted is reported: the chain no longer reaches its recorded head", async () => {
    const tenant = await tenantWithHistory();
    const events = await auditEventsOf(db, tenant.id);
    await asSuperuser((client) =>
      client.query("DELETE FROM audit_events WHERE tenant_id = $1 AND sequence = $2", [tenant.id, events.length]),
    );
    expect(await verify(tenant.id)).toMatchObject({
      valid: false,
      eventCount: events.length - 1,
      firstBrokenSequence: events.length,
    });
  });

  it("every event of an existing tenant deleted is reported, its head deleted or not", async () => {
    for (const alsoTheHead of [false, true]) {
      const tenant = await tenantWithHistory();
      await asSuperuser(async (client) => {
        await client.query("DELETE FROM audit_events WHERE tenant_id = $1", [tenant.id]);
        if (alsoTheHead && (await hasHeads(client))) {
          await client.query("DELETE FROM audit_chain_heads WHERE tenant_id = $1", [tenant.id]);
        }
      });
      expect(await verify(tenant.id), `head deleted: ${alsoTheHead}`).toMatchObject({
        valid: false,
        eventCount: 0,
        firstBrokenSequence: 1,
      });
    }
  });

  it("a rewritten event with every later hash recomputed by the published hash function is reported", async () => {
    // The attacker rewrites event 4 and re-hashes 4..n exactly as docs/design.md §4 publishes the
    // hash, then moves the head along; once with the MACs left as they were, once removed (posing
    // as links from before keys).
    for (const macs of ["kept", "removed"] as const) {
      const tenant = await tenantWithHistory();
      const events = await auditEventsOf(db, tenant.id);
      await asSuperuser(async (client) => {
        let previousHash = events[2]?.hash ?? null;
        for (const event of events.slice(3)) {
          const reason = event.sequence === 4 ? "a rewritten reason" : event.reason;
          const hash = auditEventHash(previousHash, {
            tenantId: event.tenantId,
            sequence: event.sequence,
            action: event.action,
            actorType: event.actorType,
            actorId: event.actorId,
            operatorOverride: event.operatorOverride,
            reason,
            changes: event.changes as JsonValue,
            requestId: event.requestId,
            occurredAt: event.occurredAt,
          });
          await client.query(
            "UPDATE audit_events SET reason = $3, hash = $4, previous_hash = $5 WHERE tenant_id = $1 AND sequence = $2",
            [tenant.id, event.sequence, reason, hash, previousHash],
          );
          if (macs === "removed" && "mac" in event) {
            await client.query(
              "UPDATE audit_events SET mac = NULL, mac_key_id = NULL WHERE tenant_id = $1 AND sequence = $2",
              [tenant.id, event.sequence],
            );
          }
          previousHash = hash;
        }
        if (await hasHeads(client)) {
          await client.query("UPDATE audit_chain_heads SET hash = $2 WHERE tenant_id = $1", [tenant.id, previousHash]);
        }
      });
      const rewritten = await auditEventsOf(db, tenant.id);
      expect(rewritten[3]?.reason).toBe("a rewritten reason");
      const verification = await verify(tenant.id);
      expect(verification, `MACs ${macs}`).toMatchObject({ valid: false });
      expect(verification.firstBrokenSequence, `MACs ${macs}`).toBeLessThanOrEqual(4);
    }
  });

  it("session_replication_role = replica no longer switches the append-only triggers off", async () => {
    const tenant = await tenantWithHistory();
    const before = await auditEventsOf(db, tenant.id);
    for (const statement of [
      "UPDATE audit_events SET reason = 'replica edit' WHERE tenant_id = $1 AND sequence = 2",
      "DELETE FROM audit_events WHERE tenant_id = $1 AND sequence = (SELECT max(sequence) FROM audit_events WHERE tenant_id = $1)",
      "TRUNCATE audit_events CASCADE",
    ]) {
      const client = await db.database.pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SET LOCAL session_replication_role = replica");
        const attempt = client.query(statement, statement.includes("$1") ? [tenant.id] : []);
        await expect(attempt, statement).rejects.toThrow(/audit_events is append-only/);
      } finally {
        await client.query("ROLLBACK");
        client.release();
      }
    }
    expect(await auditEventsOf(db, tenant.id)).toEqual(before);
    expect(await verify(tenant.id)).toMatchObject({ valid: true });
  });
});
