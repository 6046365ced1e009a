// docs/design.md §4 "Onboarding", against the onboarding service itself: steps complete in any
// order while the tenant is ONBOARDING, a repeat is a success that writes nothing, and who may
// complete them (the tenant's admin, an operator; not a member, not another tenant's admin).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantStatus, type OnboardingStep } from "../../../src/domain/vocabulary.ts";
import { ForbiddenError } from "../../../src/services/errors.ts";
import {
  completeOnboardingStep,
  currentOnboardingStep,
  getOnboardingSession,
} from "../../../src/services/onboarding/onboarding-service.ts";
import { getTenant } from "../../../src/services/tenants/tenant-service.ts";
import { personas, tenantAdmin, tenantMember } from "../../support/personas.ts";
import { openServiceDatabase, type Caller, type ServiceDatabase } from "../../support/service-context.ts";
import {
  ALL_STATUSES,
  ALL_STEPS,
  auditEventsOf,
  footprint,
  ok,
  refusal,
  sessionOf,
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

const MISSING_ID = "00000000-0000-4000-8000-000000000000";

function complete(caller: Caller, tenantId: string, step: OnboardingStep) {
  return completeOnboardingStep(db.context(caller), { tenantId, step });
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

const byCanonical = (a: OnboardingStep, b: OnboardingStep) => ALL_STEPS.indexOf(a) - ALL_STEPS.indexOf(b);

describe("steps in any order", () => {
  it.each(permutations(ALL_STEPS).map((order) => ({ order, label: order.join(" → ") })))(
    "$label: each step is recorded once, in canonical order, with one event, and the tenant's version stays",
    async ({ order }) => {
      const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
      const done: OnboardingStep[] = [];
      for (const step of order) {
        const eventsBefore = await auditEventsOf(db, tenant.id);
        const payload = ok(await complete(personas.operator, tenant.id, step));
        const expected = ALL_STEPS.filter((candidate) => candidate === step || done.includes(candidate));
        expect(payload.onboarding).toMatchObject({ status: "IN_PROGRESS", completedSteps: expected });
        expect(await sessionOf(db, tenant.id)).toMatchObject({ status: "IN_PROGRESS", completedSteps: expected });
        expect(currentOnboardingStep({ completedSteps: expected })).toBe(
          ALL_STEPS.find((candidate) => !expected.includes(candidate)) ?? null,
        );
        const events = await auditEventsOf(db, tenant.id);
        expect(events.slice(0, -1)).toEqual(eventsBefore);
        expect(events.at(-1)).toMatchObject({
          sequence: eventsBefore.length + 1,
          action: "onboarding.step_completed",
          reason: null,
          changes: { completedSteps: { from: [...done].sort(byCanonical), to: expected } },
        });
        done.push(step);
      }
      expect((await tenantRow(db, tenant.id)).version).toBe(tenant.version);
      // Completing every step does not activate: the session stays IN_PROGRESS until ACTIVATE.
      expect((await tenantRow(db, tenant.id)).status).toBe("ONBOARDING");
      await transition(db, tenant.id, "ACTIVATE");
      expect(await sessionOf(db, tenant.id)).toMatchObject({ status: "COMPLETED", completedSteps: ALL_STEPS });
    },
  );
});

describe("a repeated step", () => {
  it.each(ALL_STEPS)("completing %s twice is a success the second time that writes nothing", async (step) => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    const first = ok(await complete(personas.operator, tenant.id, step));
    const before = await footprint(db, tenant.id);
    const again = ok(await complete(personas.operator, tenant.id, step));
    expect(again.onboarding).toEqual(first.onboarding);
    expect(await footprint(db, tenant.id)).toEqual(before);
  });

  it("a repeat by the tenant's admin after an operator completed the step writes nothing either", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    ok(await complete(personas.operator, tenant.id, "DOMAIN"));
    const before = await footprint(db, tenant.id);
    const again = ok(await complete(tenantAdmin(tenant.id), tenant.id, "DOMAIN"));
    expect(again.onboarding?.completedSteps).toEqual(["DOMAIN"]);
    expect(await footprint(db, tenant.id)).toEqual(before);
  });
});

describe("only while the tenant is ONBOARDING", () => {
  it.each(ALL_STATUSES.filter((status) => status !== TenantStatus.ONBOARDING))(
    "steps of a tenant in %s are PRECONDITION_FAILED for an operator, and nothing is written",
    async (status) => {
      const tenant = await tenantIn(db, status);
      const before = await footprint(db, tenant.id);
      for (const step of ALL_STEPS) {
        expect(refusal(await complete(personas.operator, tenant.id, step))).toEqual([
          {
            code: "PRECONDITION_FAILED",
            message: `Onboarding steps can only be completed while the tenant is ONBOARDING (it is ${status})`,
            field: ["input", "tenantId"],
          },
        ]);
      }
      expect(await footprint(db, tenant.id)).toEqual(before);
    },
  );

  it("an ONBOARDING tenant archived half-way keeps its abandoned session as it was", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    ok(await complete(personas.operator, tenant.id, "PROFILE"));
    await transition(db, tenant.id, "ARCHIVE", { reason: "gave up" });
    const before = await footprint(db, tenant.id);
    expect(before.session).toMatchObject({ status: "ABANDONED", completedSteps: ["PROFILE"] });
    expect(refusal(await complete(personas.operator, tenant.id, "BILLING"))[0]?.code).toBe("PRECONDITION_FAILED");
    expect(await footprint(db, tenant.id)).toEqual(before);
  });

  it("a tenant admin whose tenant is ACTIVE, SUSPENDED or DEPROVISIONING gets PRECONDITION_FAILED", async () => {
    for (const status of [TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.DEPROVISIONING]) {
      const tenant = await tenantIn(db, status);
      expect(refusal(await complete(tenantAdmin(tenant.id), tenant.id, "PROFILE"))[0]?.code).toBe(
        "PRECONDITION_FAILED",
      );
    }
  });

  it("a tenant admin whose tenant is hidden from tenant users (DRAFT, DEPROVISIONED, ARCHIVED) gets NOT_FOUND", async () => {
    for (const status of [TenantStatus.DRAFT, TenantStatus.DEPROVISIONED, TenantStatus.ARCHIVED]) {
      const tenant = await tenantIn(db, status);
      expect(refusal(await complete(tenantAdmin(tenant.id), tenant.id, "PROFILE"))).toEqual([
        { code: "NOT_FOUND", message: "Tenant not found", field: ["input", "tenantId"] },
      ]);
    }
  });
});

describe("who may complete steps", () => {
  it("the tenant's admin may: the event records a TENANT_USER, and the payload is masked", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING, { reason: "internal: VIP customer" });
    const admin = tenantAdmin(tenant.id);
    const payload = ok(await complete(admin, tenant.id, "BILLING"));
    expect(payload.tenant).toMatchObject({ id: tenant.id, status: "ONBOARDING", statusReason: null });
    expect(payload.onboarding).toMatchObject({ tenantId: tenant.id, completedSteps: ["BILLING"] });
    expect((await auditEventsOf(db, tenant.id)).at(-1)).toMatchObject({
      action: "onboarding.step_completed",
      actorType: "TENANT_USER",
      actorId: admin.sub,
    });
    // The stored reason is untouched; only the admin's view of it is masked.
    expect((await tenantRow(db, tenant.id)).statusReason).toBe("internal: VIP customer");
  });

  it("the tenant's admin completes the onboarding an operator then activates", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    for (const step of ALL_STEPS) ok(await complete(tenantAdmin(tenant.id), tenant.id, step));
    await transition(db, tenant.id, "ACTIVATE");
    expect((await tenantRow(db, tenant.id)).status).toBe("ACTIVE");
  });

  it("a tenant member may not: FORBIDDEN, before anything about the tenant", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    const before = await footprint(db, tenant.id);
    for (const tenantId of [tenant.id, MISSING_ID]) {
      await expect(complete(tenantMember(tenant.id), tenantId, "PROFILE")).rejects.toThrow(ForbiddenError);
    }
    expect(await footprint(db, tenant.id)).toEqual(before);
  });

  it("another tenant's admin gets exactly what a missing tenant gets: NOT_FOUND, and nothing is written", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    const neighbour = await tenantIn(db, TenantStatus.ONBOARDING);
    const before = await footprint(db, tenant.id);
    const intruder = tenantAdmin(neighbour.id);
    const refusedHere = refusal(await complete(intruder, tenant.id, "PROFILE"));
    const refusedNowhere = refusal(await complete(intruder, MISSING_ID, "PROFILE"));
    expect(refusedHere).toEqual(refusedNowhere);
    expect(refusedHere).toEqual([{ code: "NOT_FOUND", message: "Tenant not found", field: ["input", "tenantId"] }]);
    expect(await footprint(db, tenant.id)).toEqual(before);
  });

  it("support scopes and the worker may not, and neither may a token whose extra scopes mean nothing", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    const before = await footprint(db, tenant.id);
    const callers: Caller[] = [
      personas.supportRead,
      personas.supportLifecycle,
      personas.supportAll,
      personas.worker,
      { sub: "guesser", scope: "tenant:owner onboarding:write" },
      // Platform scopes on a tenant member's token grant nothing.
      { sub: "mixed", scope: "tenant:member platform:operator", tenantId: tenant.id },
    ];
    for (const caller of callers) {
      await expect(complete(caller, tenant.id, "PROFILE")).rejects.toThrow(ForbiddenError);
    }
    expect(await footprint(db, tenant.id)).toEqual(before);
  });

  it("an operator override is read-only: FORBIDDEN with reason OPERATOR_OVERRIDE_READ_ONLY", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    const context = db.context(personas.operator, { operatorOverride: tenant.id });
    await expect(completeOnboardingStep(context, { tenantId: tenant.id, step: "PROFILE" })).rejects.toMatchObject({
      name: "ForbiddenError",
      reason: "OPERATOR_OVERRIDE_READ_ONLY",
    });
    expect((await sessionOf(db, tenant.id))?.completedSteps).toEqual([]);
  });
});

describe("reading the session", () => {
  it("the tenant's member reads its tenant's session; it is the one the steps wrote", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    ok(await complete(personas.operator, tenant.id, "DOMAIN"));
    const context = db.context(tenantMember(tenant.id));
    const visible = await getTenant(context, { id: tenant.id });
    expect(visible).not.toBeNull();
    const session = await getOnboardingSession(context, visible as NonNullable<typeof visible>);
    expect(session).toMatchObject({ tenantId: tenant.id, status: "IN_PROGRESS", completedSteps: ["DOMAIN"] });
  });
});
