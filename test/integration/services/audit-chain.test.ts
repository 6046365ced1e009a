// docs/design.md §4 "Audit trail", against the audit service and store: per tenant, sequences run
// 1, 2, 3 … without gaps, each hash covers its event and the previous hash, the table is
// append-only, and verifyAuditChain finds the first broken link when a row is changed behind
// the service's back.
import fc from "fast-check";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantStatus } from "../../../src/domain/vocabulary.ts";
import { verifyAuditChain } from "../../../src/services/audit/audit-service.ts";
import { ForbiddenError } from "../../../src/services/errors.ts";
import { transitionTenant } from "../../../src/services/lifecycle/lifecycle-service.ts";
import { updateTenant } from "../../../src/services/tenants/tenant-service.ts";
import { personas, tenantAdmin, tenantMember } from "../../support/personas.ts";
import { openServiceDatabase, type ServiceDatabase } from "../../support/service-context.ts";
import {
  auditEventsOf,
  latestRun,
  moveRun,
  ok,
  startRun,
  tenantIn,
  tenantRow,
  transition,
} from "../../support/service-fixtures.ts";

let db: ServiceDatabase;

beforeAll(async () => {
  db = await openServiceDatabase();
});
afterAll(async () => {
  await db?.close();
});

const verify = (tenantId: string) => verifyAuditChain(db.context(personas.operator), tenantId);

/** A tenant with a long, varied history: lifecycle, steps, runs, renames, suspensions. */
async function tenantWithHistory() {
  const tenant = await tenantIn(db, TenantStatus.ACTIVE, { reason: "activated after review" });
  await updateTenant(db.context(personas.operator), { tenantId: tenant.id, name: "Renamed once" });
  const run = await startRun(db, tenant.id);
  await moveRun(db, run.id, "RUNNING", "FAILED");
  await transition(db, tenant.id, "SUSPEND", { reason: "unpaid", statusMessage: "On hold" });
  await transition(db, tenant.id, "REACTIVATE");
  await transition(db, tenant.id, "BEGIN_DEPROVISION", { reason: "contract ended" });
  const deprovision = await latestRun(db, tenant.id, "DEPROVISION");
  await moveRun(db, deprovision.id, "RUNNING", "SUCCEEDED");
  await transition(db, tenant.id, "FINALIZE_DEPROVISION");
  await transition(db, tenant.id, "ARCHIVE", { reason: "retention over" });
  return tenant;
}

/** Runs `statements` with the append-only trigger off, in one transaction (so no other writer sees it off). */
async function behindTheServicesBack(run: (client: pg.PoolClient) => Promise<unknown>): Promise<void> {
  const client = await db.database.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
    await run(client);
    await client.query("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only");
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

describe("a chain written by the services", () => {
  it("is valid after a long history, gapless from 1, each event linked to the one before", async () => {
    const tenant = await tenantWithHistory();
    const events = await auditEventsOf(db, tenant.id);
    expect(events.map((event) => event.sequence)).toEqual(events.map((_event, index) => index + 1));
    expect(events[0]?.previousHash).toBeNull();
    for (const [index, event] of events.entries()) {
      if (index > 0) expect(event.previousHash).toBe(events[index - 1]?.hash);
      expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(events.map((event) => event.hash)).size).toBe(events.length);
    expect(await verify(tenant.id)).toMatchObject({
      valid: true,
      eventCount: events.length,
      firstBrokenSequence: null,
    });
    expect(events.map((event) => event.action)).toEqual([
      "tenant.created",
      "tenant.lifecycle.start_onboarding",
      "onboarding.step_completed",
      "onboarding.step_completed",
      "onboarding.step_completed",
      "tenant.lifecycle.activate",
      "tenant.updated",
      "operation_run.started",
      "operation_run.updated",
      "operation_run.updated",
      "tenant.lifecycle.suspend",
      "tenant.lifecycle.reactivate",
      "tenant.lifecycle.begin_deprovision",
      "operation_run.updated",
      "operation_run.updated",
      "tenant.lifecycle.finalize_deprovision",
      "tenant.lifecycle.archive",
    ]);
  });

  it("each tenant has its own chain starting at 1", async () => {
    const first = await tenantIn(db, TenantStatus.ONBOARDING);
    const second = await tenantIn(db, TenantStatus.DRAFT);
    expect((await auditEventsOf(db, first.id)).map((event) => event.sequence)).toEqual([1, 2]);
    expect((await auditEventsOf(db, second.id)).map((event) => event.sequence)).toEqual([1]);
    expect(await verify(second.id)).toMatchObject({ valid: true, eventCount: 1, firstBrokenSequence: null });
  });

  it("records the request id and the actor of each change", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const context = db.context(personas.supportLifecycle, { requestId: "req-chain-42" });
    ok(await transitionTenant(context, { tenantId: tenant.id, transition: "SUSPEND", reason: "ticket 42" }));
    expect((await auditEventsOf(db, tenant.id)).at(-1)).toMatchObject({
      requestId: "req-chain-42",
      actorType: "SUPPORT",
      actorId: personas.supportLifecycle.sub,
      operatorOverride: false,
      reason: "ticket 42",
    });
  });

  it("concurrent writers on one tenant serialize: every success is one event, sequences and versions gapless", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const before = await auditEventsOf(db, tenant.id);
    const writers = Array.from({ length: 12 }, (_, index) =>
      updateTenant(db.context(personas.operator), { tenantId: tenant.id, name: `Concurrent ${index}` }),
    );
    const outcomes = await Promise.all(writers);
    const versions = outcomes.map((outcome) => ok(outcome).tenant?.version).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(versions).toEqual(Array.from({ length: 12 }, (_, index) => tenant.version + 1 + index));
    const events = await auditEventsOf(db, tenant.id);
    expect(events.map((event) => event.sequence)).toEqual(events.map((_event, index) => index + 1));
    expect(events).toHaveLength(before.length + 12);
    expect(await verify(tenant.id)).toMatchObject({ valid: true, eventCount: before.length + 12 });
  });

  it("the chain of an unknown or malformed tenant id is empty and valid", async () => {
    for (const tenantId of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", ""]) {
      expect(await verify(tenantId)).toMatchObject({ valid: true, eventCount: 0, firstBrokenSequence: null });
    }
  });

  it("is checked only for platform readers: tenant users and the worker are FORBIDDEN", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    for (const caller of [personas.supportRead, personas.supportAll, personas.supportLifecycle]) {
      expect((await verifyAuditChain(db.context(caller), tenant.id)).valid).toBe(true);
    }
    for (const caller of [personas.worker, tenantAdmin(tenant.id), tenantMember(tenant.id)]) {
      await expect(verifyAuditChain(db.context(caller), tenant.id)).rejects.toThrow(ForbiddenError);
    }
    await expect(
      verifyAuditChain(db.context(personas.operator, { operatorOverride: tenant.id }), tenant.id),
    ).rejects.toThrow(ForbiddenError);
  });
});

describe("the table is append-only", () => {
  it("UPDATE, DELETE and TRUNCATE of audit events are refused by the database itself", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    const before = await auditEventsOf(db, tenant.id);
    for (const statement of [
      ["UPDATE audit_events SET reason = 'rewritten' WHERE tenant_id = $1", [tenant.id]],
      ["DELETE FROM audit_events WHERE tenant_id = $1", [tenant.id]],
      ["TRUNCATE audit_events", []],
    ] as const) {
      await expect(db.query(statement[0], statement[1])).rejects.toThrow(/audit_events is append-only/);
    }
    expect(await auditEventsOf(db, tenant.id)).toEqual(before);
  });
});

describe("tampering behind the service's back is found", () => {
  /** One way of changing a stored event, as SQL on the row with this tenant and sequence. */
  const TAMPERINGS: Record<string, string> = {
    reason: "UPDATE audit_events SET reason = 'nothing to see here' WHERE tenant_id = $1 AND sequence = $2",
    "reason to null": "UPDATE audit_events SET reason = NULL WHERE tenant_id = $1 AND sequence = $2",
    changes: `UPDATE audit_events SET changes = jsonb_set(changes, '{forged}', '"yes"') WHERE tenant_id = $1 AND sequence = $2`,
    action: "UPDATE audit_events SET action = 'tenant.updated' WHERE tenant_id = $1 AND sequence = $2",
    "actor id": "UPDATE audit_events SET actor_id = 'someone-else' WHERE tenant_id = $1 AND sequence = $2",
    "actor type": "UPDATE audit_events SET actor_type = 'SYSTEM' WHERE tenant_id = $1 AND sequence = $2",
    "operator override": "UPDATE audit_events SET operator_override = true WHERE tenant_id = $1 AND sequence = $2",
    "request id": "UPDATE audit_events SET request_id = 'forged' WHERE tenant_id = $1 AND sequence = $2",
    "occurred at":
      "UPDATE audit_events SET occurred_at = occurred_at - interval '1 millisecond' WHERE tenant_id = $1 AND sequence = $2",
    hash: "UPDATE audit_events SET hash = repeat('0', 64) WHERE tenant_id = $1 AND sequence = $2",
    "previous hash": "UPDATE audit_events SET previous_hash = repeat('f', 64) WHERE tenant_id = $1 AND sequence = $2",
    deletion: "DELETE FROM audit_events WHERE tenant_id = $1 AND sequence = $2",
  };

  it.each(Object.keys(TAMPERINGS))(
    "a changed %s in the middle of the chain breaks it at that event, and only that tenant's chain",
    async (what) => {
      const tenant = await tenantWithHistory();
      const bystander = await tenantWithHistory();
      const events = await auditEventsOf(db, tenant.id);
      const target = 11; // tenant.lifecycle.suspend: a reason, a message, an operator, a request id
      await behindTheServicesBack((client) => client.query(TAMPERINGS[what] as string, [tenant.id, target]));
      const remaining = what === "deletion" ? events.length - 1 : events.length;
      expect(await verify(tenant.id)).toMatchObject({
        valid: false,
        eventCount: remaining,
        firstBrokenSequence: target,
      });
      expect(await verify(bystander.id)).toMatchObject({ valid: true, firstBrokenSequence: null });
    },
  );

  it("a rewritten event that re-links its successor still breaks the chain at the rewritten one", async () => {
    const tenant = await tenantWithHistory();
    const events = await auditEventsOf(db, tenant.id);
    // The forger changes event 4's reason and hash, and points event 5 at the new hash.
    const forgedHash = "a".repeat(64);
    await behindTheServicesBack(async (client) => {
      await client.query(
        "UPDATE audit_events SET reason = 'forged', hash = $3 WHERE tenant_id = $1 AND sequence = $2",
        [tenant.id, 4, forgedHash],
      );
      await client.query("UPDATE audit_events SET previous_hash = $3 WHERE tenant_id = $1 AND sequence = $2", [
        tenant.id,
        5,
        forgedHash,
      ]);
    });
    expect(await verify(tenant.id)).toMatchObject({ valid: false, eventCount: events.length, firstBrokenSequence: 4 });
  });

  it("a gap in the sequences is reported at the first missing number", async () => {
    const tenant = await tenantWithHistory();
    const events = await auditEventsOf(db, tenant.id);
    const last = events.length;
    await behindTheServicesBack((client) =>
      client.query("UPDATE audit_events SET sequence = sequence + 100 WHERE tenant_id = $1 AND sequence = $2", [
        tenant.id,
        last,
      ]),
    );
    expect(await verify(tenant.id)).toMatchObject({ valid: false, eventCount: last, firstBrokenSequence: last });
  });

  it("is found wherever it happens: any event, any field; undoing it makes the chain valid again", async () => {
    const tenant = await tenantWithHistory();
    const events = await auditEventsOf(db, tenant.id);
    const originals = await db.query<{ sequence: number; row: Record<string, unknown> }>(
      "SELECT sequence, to_jsonb(audit_events) AS row FROM audit_events WHERE tenant_id = $1",
      [tenant.id],
    );
    const columns = ["reason", "action", "actor_id", "request_id", "hash"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: events.length }),
        fc.constantFrom(...columns),
        fc.string({ minLength: 1, maxLength: 12 }).filter((text) => !text.includes("\u0000")),
        async (sequence, column, value) => {
          const original = originals.find((entry) => entry.sequence === sequence)?.row[column];
          const forged = column === "hash" ? value.padEnd(64, "0").slice(0, 64) : `forged ${value}`;
          fc.pre(forged !== original);
          await behindTheServicesBack((client) =>
            client.query(`UPDATE audit_events SET ${column} = $3 WHERE tenant_id = $1 AND sequence = $2`, [
              tenant.id,
              sequence,
              forged,
            ]),
          );
          expect(await verify(tenant.id)).toMatchObject({
            valid: false,
            eventCount: events.length,
            firstBrokenSequence: sequence,
          });
          await behindTheServicesBack((client) =>
            client.query(`UPDATE audit_events SET ${column} = $3 WHERE tenant_id = $1 AND sequence = $2`, [
              tenant.id,
              sequence,
              original,
            ]),
          );
          expect(await verify(tenant.id)).toMatchObject({
            valid: true,
            eventCount: events.length,
            firstBrokenSequence: null,
          });
        },
      ),
      { numRuns: 30 },
    );
    expect(await auditEventsOf(db, tenant.id)).toEqual(events);
  });

  it("the services keep appending to a tampered chain without repairing it: the break stays reported", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    await behindTheServicesBack((client) =>
      client.query("UPDATE audit_events SET reason = 'forged' WHERE tenant_id = $1 AND sequence = 2", [tenant.id]),
    );
    ok(await updateTenant(db.context(personas.operator), { tenantId: tenant.id, name: "After the forgery" }));
    const { version } = await tenantRow(db, tenant.id);
    expect(version).toBe(tenant.version + 1);
    expect(await verify(tenant.id)).toMatchObject({ valid: false, firstBrokenSequence: 2 });
  });
});
