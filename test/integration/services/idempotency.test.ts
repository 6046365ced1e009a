// docs/design.md §4 "Idempotency", against the mutation skeleton (src/services/mutation.ts) and the
// idempotency store: a record per (principal sub, principal's tenant scope, mutation, key); the same
// key and input replay the stored payload without a second change or event; another input is
// IDEMPOTENCY_KEY_REUSED; a replay is shown through the caller's visibility and masking as they are now;
// a no-op stores no record.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantStatus } from "../../../src/domain/vocabulary.ts";
import type { Outcome } from "../../../src/services/errors.ts";
import { transitionTenant } from "../../../src/services/lifecycle/lifecycle-service.ts";
import { completeOnboardingStep } from "../../../src/services/onboarding/onboarding-service.ts";
import { startOperationRun, updateOperationRun } from "../../../src/services/operation-runs/run-service.ts";
import { createTenant, updateTenant } from "../../../src/services/tenants/tenant-service.ts";
import { personas, tenantAdmin, tenantMember, type Persona } from "../../support/personas.ts";
import { openServiceDatabase, type ServiceDatabase } from "../../support/service-context.ts";
import {
  auditEventsOf,
  footprint,
  latestRun,
  moveRun,
  ok,
  refusal,
  tenantIn,
  tenantRow,
  transition,
  uniqueSlug,
} from "../../support/service-fixtures.ts";

let db: ServiceDatabase;

beforeAll(async () => {
  db = await openServiceDatabase();
});
afterAll(async () => {
  await db?.close();
});

const KEY_REUSED = [
  {
    code: "IDEMPOTENCY_KEY_REUSED",
    message: "This idempotencyKey was already used with a different input",
    field: ["input", "idempotencyKey"],
  },
];

const newKey = () => `key-${uniqueSlug("k")}`;

async function recordsWithKey(key: string) {
  return db.query<{ principalSub: string; principalScope: string; mutation: string }>(
    `SELECT principal_sub AS "principalSub", principal_scope AS "principalScope", mutation
     FROM idempotency_records WHERE key = $1 ORDER BY principal_sub, principal_scope, mutation`,
    [key],
  );
}

describe("same key, same input", () => {
  it("createTenant replays the first payload: one tenant, one event, the same answer", async () => {
    const key = newKey();
    const input = { slug: uniqueSlug(), name: "Replayed", idempotencyKey: key };
    const first = ok(await createTenant(db.context(personas.operator), input));
    const second = ok(await createTenant(db.context(personas.operator), input));
    expect(second).toEqual(first);
    const rows = await db.query("SELECT id FROM tenants WHERE slug = $1", [input.slug]);
    expect(rows).toEqual([{ id: first.tenant?.id }]);
    expect(await auditEventsOf(db, first.tenant?.id as string)).toHaveLength(1);
  });

  it("a transition replayed writes no second version, event or side effect", async () => {
    const tenant = await tenantIn(db, TenantStatus.DRAFT);
    const input = { tenantId: tenant.id, transition: "START_ONBOARDING" as const, idempotencyKey: newKey() };
    const first = ok(await transitionTenant(db.context(personas.operator), input));
    const after = await footprint(db, tenant.id);
    for (let replay = 0; replay < 3; replay += 1) {
      expect(ok(await transitionTenant(db.context(personas.operator), input))).toEqual(first);
    }
    expect(await footprint(db, tenant.id)).toEqual(after);
    expect(after.tenant.version).toBe(tenant.version + 1);
    expect(after.runs).toHaveLength(1);
  });

  it("a replay answers the stored payload even after the tenant changed since, and changes nothing", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const input = { tenantId: tenant.id, name: "First name", idempotencyKey: newKey() };
    const first = ok(await updateTenant(db.context(personas.operator), input));
    ok(await updateTenant(db.context(personas.operator), { tenantId: tenant.id, name: "Second name" }));
    const before = await footprint(db, tenant.id);
    const replay = ok(await updateTenant(db.context(personas.operator), input));
    expect(replay).toEqual(first);
    expect(replay.tenant?.name).toBe("First name");
    expect(await footprint(db, tenant.id)).toEqual(before);
    expect(before.tenant.name).toBe("Second name");
  });

  it("concurrent calls with one key make one change: the others wait and replay it", async () => {
    const key = newKey();
    const input = { slug: uniqueSlug(), name: "Raced", idempotencyKey: key };
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => createTenant(db.context(personas.operator), input)),
    );
    const payloads = outcomes.map(ok);
    for (const payload of payloads) expect(payload).toEqual(payloads[0]);
    expect(await db.query("SELECT id FROM tenants WHERE slug = $1", [input.slug])).toHaveLength(1);
    expect(await recordsWithKey(key)).toHaveLength(1);
  });

  it("input is compared as data: the same fields in another order replay", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const key = newKey();
    const first = ok(
      await transitionTenant(db.context(personas.operator), {
        tenantId: tenant.id,
        transition: "SUSPEND",
        reason: "unpaid",
        idempotencyKey: key,
      }),
    );
    const reordered = ok(
      await transitionTenant(db.context(personas.operator), {
        idempotencyKey: key,
        reason: "unpaid",
        transition: "SUSPEND",
        tenantId: tenant.id,
      }),
    );
    expect(reordered).toEqual(first);
    expect((await tenantRow(db, tenant.id)).version).toBe(tenant.version + 1);
  });
});

describe("same key, another input", () => {
  it("is IDEMPOTENCY_KEY_REUSED and changes nothing, for every field that differs", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const key = newKey();
    ok(
      await transitionTenant(db.context(personas.operator), {
        tenantId: tenant.id,
        transition: "SUSPEND",
        reason: "first",
        idempotencyKey: key,
      }),
    );
    const before = await footprint(db, tenant.id);
    for (const other of [
      { reason: "second" },
      { reason: "first", statusMessage: "added" },
      { reason: "first", expectedVersion: before.tenant.version },
      { transition: "BEGIN_DEPROVISION" as const, reason: "first" },
    ]) {
      const outcome = await transitionTenant(db.context(personas.operator), {
        tenantId: tenant.id,
        transition: "SUSPEND",
        idempotencyKey: key,
        ...other,
      });
      expect(refusal(outcome)).toEqual(KEY_REUSED);
    }
    expect(await footprint(db, tenant.id)).toEqual(before);
  });

  it("a key whose first use broke the transition table (INVALID_TRANSITION) was never taken: it works with another input afterwards", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const key = newKey();
    const refused = await transitionTenant(db.context(personas.operator), {
      tenantId: tenant.id,
      transition: "ACTIVATE",
      idempotencyKey: key,
    });
    expect(refusal(refused)[0]?.code).toBe("INVALID_TRANSITION");
    expect(await recordsWithKey(key)).toEqual([]);
    ok(
      await transitionTenant(db.context(personas.operator), {
        tenantId: tenant.id,
        transition: "SUSPEND",
        reason: "now for real",
        idempotencyKey: key,
      }),
    );
    expect((await tenantRow(db, tenant.id)).status).toBe("SUSPENDED");
  });

  it("a key whose first use met VERSION_CONFLICT was never taken: the retry with the right version succeeds", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const key = newKey();
    const stale = { tenantId: tenant.id, transition: "SUSPEND" as const, reason: "r", idempotencyKey: key };
    const refused = await transitionTenant(db.context(personas.operator), { ...stale, expectedVersion: 1 });
    expect(refusal(refused)[0]?.code).toBe("VERSION_CONFLICT");
    expect(await recordsWithKey(key)).toEqual([]);
    // The same request again is refused the same way, not as a reused key.
    const again = await transitionTenant(db.context(personas.operator), { ...stale, expectedVersion: 1 });
    expect(refusal(again)[0]?.code).toBe("VERSION_CONFLICT");
    ok(await transitionTenant(db.context(personas.operator), { ...stale, expectedVersion: tenant.version }));
    expect((await tenantRow(db, tenant.id)).status).toBe("SUSPENDED");
  });

  it("a key whose first use met NOT_FOUND (another tenant's admin) was never taken", async () => {
    const mine = await tenantIn(db, TenantStatus.ACTIVE);
    const theirs = await tenantIn(db, TenantStatus.ACTIVE);
    const key = newKey();
    const admin = tenantAdmin(mine.id);
    const intrusion = { tenantId: theirs.id, name: "Taken over", idempotencyKey: key };
    expect(refusal(await updateTenant(db.context(admin), intrusion))[0]?.code).toBe("NOT_FOUND");
    expect(refusal(await updateTenant(db.context(admin), intrusion))[0]?.code).toBe("NOT_FOUND");
    expect(await recordsWithKey(key)).toEqual([]);
    ok(await updateTenant(db.context(admin), { tenantId: mine.id, name: "Renamed", idempotencyKey: key }));
  });

  it("a record past its expiry no longer binds the key", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const key = newKey();
    ok(await updateTenant(db.context(personas.operator), { tenantId: tenant.id, name: "Before", idempotencyKey: key }));
    await db.query("UPDATE idempotency_records SET expires_at = now() - interval '1 second' WHERE key = $1", [key]);
    const again = ok(
      await updateTenant(db.context(personas.operator), { tenantId: tenant.id, name: "After", idempotencyKey: key }),
    );
    expect(again.tenant?.name).toBe("After");
    const [record] = await db.query<{ expiresAt: Date }>(
      `SELECT expires_at AS "expiresAt" FROM idempotency_records WHERE key = $1`,
      [key],
    );
    // Kept at least 24 h from its new use (docs/design.md §4).
    expect(record?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 24 * 60 * 60 * 1000 - 60_000);
  });

  it("a key must be 1..255 characters of storable text, not blank, without control characters: INVALID_INPUT, nothing written", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const before = await footprint(db, tenant.id);
    for (const idempotencyKey of ["", "   ", "k".repeat(256), "nul\u0000", "\ud800", "tab\tkey", "nel\u0085key"]) {
      const errors = refusal(
        await updateTenant(db.context(personas.operator), { tenantId: tenant.id, name: "x", idempotencyKey }),
      );
      expect(errors.map((error) => [error.code, error.field])).toEqual([
        ["INVALID_INPUT", ["input", "idempotencyKey"]],
      ]);
    }
    expect(await footprint(db, tenant.id)).toEqual(before);
    ok(
      await updateTenant(db.context(personas.operator), {
        tenantId: tenant.id,
        name: "Long key",
        idempotencyKey: "k".repeat(255),
      }),
    );
    // Characters, as every text limit counts them: 255 emoji are a key of 255.
    ok(
      await updateTenant(db.context(personas.operator), {
        tenantId: tenant.id,
        name: "Emoji key",
        idempotencyKey: "🔑".repeat(255),
      }),
    );
  });
});

describe("scoped per principal and per mutation", () => {
  it("another subject's identical request with the same key is its own request, not a replay", async () => {
    const key = newKey();
    const input = { slug: uniqueSlug(), name: "Scoped", idempotencyKey: key };
    ok(await createTenant(db.context(personas.operator), input));
    const otherOperator: Persona = { ...personas.operator, sub: "operator-2" };
    expect(refusal(await createTenant(db.context(otherOperator), input))[0]?.code).toBe("SLUG_TAKEN");
    expect((await recordsWithKey(key)).map((record) => record.principalSub)).toEqual(["operator-1"]);
  });

  it("one subject as a platform caller and as a tenant user holds two records: neither replays nor blocks the other", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const key = newKey();
    const shared = "shared-subject";
    const asOperator: Persona = { sub: shared, scope: "platform:operator" };
    const asAdmin: Persona = { sub: shared, scope: "tenant:admin", tenantId: tenant.id };
    const byOperator = ok(
      await updateTenant(db.context(asOperator), { tenantId: tenant.id, name: "By operator", idempotencyKey: key }),
    );
    const byAdmin = ok(
      await updateTenant(db.context(asAdmin), { tenantId: tenant.id, name: "By admin", idempotencyKey: key }),
    );
    expect(byOperator.tenant?.name).toBe("By operator");
    expect(byAdmin.tenant?.name).toBe("By admin");
    expect(await recordsWithKey(key)).toEqual([
      { principalSub: shared, principalScope: "", mutation: "updateTenant" },
      { principalSub: shared, principalScope: tenant.id, mutation: "updateTenant" },
    ]);
    // And each replays its own payload.
    expect(
      ok(await updateTenant(db.context(asOperator), { tenantId: tenant.id, name: "By operator", idempotencyKey: key })),
    ).toEqual(byOperator);
    expect((await tenantRow(db, tenant.id)).name).toBe("By admin");
  });

  it("one subject in two tenants holds a record per tenant", async () => {
    const first = await tenantIn(db, TenantStatus.ONBOARDING);
    const second = await tenantIn(db, TenantStatus.ONBOARDING);
    const key = newKey();
    const sub = "roaming-admin";
    for (const tenant of [first, second]) {
      const admin: Persona = { sub, scope: "tenant:admin", tenantId: tenant.id };
      const payload = ok(
        await completeOnboardingStep(db.context(admin), { tenantId: tenant.id, step: "PROFILE", idempotencyKey: key }),
      );
      expect(payload.onboarding?.tenantId).toBe(tenant.id);
    }
    expect((await recordsWithKey(key)).map((record) => record.principalScope).sort()).toEqual(
      [first.id, second.id].sort(),
    );
  });

  it("one key used with two mutations is two keys", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const key = newKey();
    const renamed = ok(
      await updateTenant(db.context(personas.operator), { tenantId: tenant.id, name: "Renamed", idempotencyKey: key }),
    );
    const started = ok(
      await startOperationRun(db.context(personas.operator), {
        tenantId: tenant.id,
        kind: "DATA_EXPORT",
        idempotencyKey: key,
      }),
    );
    const suspended = ok(
      await transitionTenant(db.context(personas.operator), {
        tenantId: tenant.id,
        transition: "SUSPEND",
        reason: "r",
        idempotencyKey: key,
      }),
    );
    expect(renamed.tenant?.name).toBe("Renamed");
    expect(started.operationRun?.status).toBe("QUEUED");
    expect(suspended.tenant?.status).toBe("SUSPENDED");
    expect((await recordsWithKey(key)).map((record) => record.mutation)).toEqual([
      "startOperationRun",
      "transitionTenant",
      "updateTenant",
    ]);
  });
});

describe("a replay is judged by today's visibility and masking", () => {
  it("a tenant admin's replay is NOT_FOUND once the tenant is hidden from its users", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const admin = tenantAdmin(tenant.id);
    const input = { tenantId: tenant.id, name: "Before hiding", idempotencyKey: newKey() };
    ok(await updateTenant(db.context(admin), input));
    await transition(db, tenant.id, "BEGIN_DEPROVISION", { reason: "closing" });
    // DEPROVISIONING is still visible to tenant users: the replay is shown.
    expect(ok(await updateTenant(db.context(admin), input)).tenant?.name).toBe("Before hiding");
    const run = await latestRun(db, tenant.id, "DEPROVISION");
    await moveRun(db, run.id, "RUNNING", "SUCCEEDED");
    await transition(db, tenant.id, "FINALIZE_DEPROVISION");
    const before = await footprint(db, tenant.id);
    expect(refusal(await updateTenant(db.context(admin), input))).toEqual([
      { code: "NOT_FOUND", message: "Tenant not found", field: ["input", "tenantId"] },
    ]);
    expect(await footprint(db, tenant.id)).toEqual(before);
  });

  it("a tenant admin's replay stays masked: no statusReason, no audit reason", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING, { reason: "internal: fraud check" });
    const admin = tenantAdmin(tenant.id);
    const input = { tenantId: tenant.id, step: "BILLING" as const, idempotencyKey: newKey() };
    const first = ok(await completeOnboardingStep(db.context(admin), input));
    const replay = ok(await completeOnboardingStep(db.context(admin), input));
    expect(replay).toEqual(first);
    expect(replay.tenant?.statusReason).toBeNull();
    expect(JSON.stringify(replay)).not.toContain("internal: fraud check");
  });

  it("a worker's replayed run update is still shown, unmasked, after the run's tenant was archived", async () => {
    const tenant = await tenantIn(db, TenantStatus.DEPROVISIONING);
    const run = await latestRun(db, tenant.id, "DEPROVISION");
    const input = { id: run.id, status: "FAILED" as const, failureReason: "internal: disk", idempotencyKey: newKey() };
    const first = ok(await updateOperationRun(db.context(personas.worker), input));
    expect(first.operationRun?.failureReason).toBe("internal: disk");
    // The operator retries, the retry succeeds, and the tenant goes all the way to ARCHIVED.
    const retry = ok(
      await startOperationRun(db.context(personas.operator), { tenantId: tenant.id, kind: "DEPROVISION" }),
    ).operationRun;
    await moveRun(db, retry?.id as string, "RUNNING", "SUCCEEDED");
    await transition(db, tenant.id, "FINALIZE_DEPROVISION");
    await transition(db, tenant.id, "ARCHIVE", { reason: "retention over" });
    const before = await footprint(db, tenant.id);
    const replay = ok(await updateOperationRun(db.context(personas.worker), input));
    expect(replay).toEqual(first);
    expect(await footprint(db, tenant.id)).toEqual(before);
  });

  it("a tenant member may not rename its tenant, key or no key: FORBIDDEN, and no record is kept", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const key = newKey();
    await expect(
      updateTenant(db.context(tenantMember(tenant.id)), { tenantId: tenant.id, name: "x", idempotencyKey: key }),
    ).rejects.toMatchObject({ name: "ForbiddenError" });
    expect(await recordsWithKey(key)).toEqual([]);
  });
});

describe("as a property", () => {
  type Who = "operatorA" | "operatorB" | "adminSharingA";
  type Command = { who: Who; key: number; mutation: "rename" | "startRun"; variant: number };

  const command: fc.Arbitrary<Command> = fc
    .record({
      who: fc.constantFrom<Who>("operatorA", "operatorB", "adminSharingA"),
      key: fc.nat(2),
      mutation: fc.constantFrom("rename" as const, "startRun" as const),
      variant: fc.nat(1),
    })
    .map((item) => (item.who === "adminSharingA" ? { ...item, mutation: "rename" as const } : item));

  it("each scope's first use executes, the same input replays, another input is refused; versions and events follow", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
        const tenant = await tenantIn(db, TenantStatus.ACTIVE);
        const start = await footprint(db, tenant.id);
        const callers: Record<Who, Persona> = {
          operatorA: { sub: "prop-a", scope: "platform:operator" },
          operatorB: { sub: "prop-b", scope: "platform:operator" },
          adminSharingA: { sub: "prop-a", scope: "tenant:admin", tenantId: tenant.id },
        };
        const prefix = uniqueSlug("p");
        /** The model: per (caller's scope, mutation, key), the input first used and its answer. */
        const used = new Map<string, { input: string; payload: unknown }>();
        let name = tenant.name;
        let version = tenant.version;
        let events = start.events.length;
        let runs = start.runs.length;
        for (const item of commands) {
          const caller = callers[item.who];
          const idempotencyKey = `${prefix}-${item.key}`;
          const scope = `${caller.sub}|${caller.tenantId ?? ""}|${item.mutation}|${idempotencyKey}`;
          const context = db.context(caller);
          const outcome: Outcome<unknown> =
            item.mutation === "rename"
              ? await updateTenant(context, { tenantId: tenant.id, name: `Name ${item.variant}`, idempotencyKey })
              : await startOperationRun(context, {
                  tenantId: tenant.id,
                  kind: item.variant === 0 ? "DATA_EXPORT" : "MAINTENANCE",
                  idempotencyKey,
                });
          const previous = used.get(scope);
          const input = `${item.mutation}:${item.variant}`;
          if (previous && previous.input !== input) {
            expect(refusal(outcome)).toEqual(KEY_REUSED);
          } else if (previous) {
            expect(ok(outcome)).toEqual(previous.payload);
          } else if (item.mutation === "startRun" || `Name ${item.variant}` !== name) {
            used.set(scope, { input, payload: ok(outcome) });
            if (item.mutation === "startRun") runs += 1;
            else {
              name = `Name ${item.variant}`;
              version += 1;
            }
            events += 1;
          } else {
            // A no-op stores no record (§4): its key stays free for whatever is sent with it next.
            expect(ok(outcome)).toMatchObject({ auditEvent: null });
          }
        }
        const end = await footprint(db, tenant.id);
        expect(end.tenant).toMatchObject({ name, version });
        expect(end.events).toHaveLength(events);
        expect(end.runs).toHaveLength(runs);
        const records = await db.query("SELECT 1 FROM idempotency_records WHERE key LIKE $1", [`${prefix}-%`]);
        expect(records).toHaveLength(used.size);
      }),
      { numRuns: 25 },
    );
  });
});
