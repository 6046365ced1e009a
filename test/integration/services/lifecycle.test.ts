// docs/design.md §2 and §4, held against the lifecycle service itself (no HTTP, no GraphQL): every
// transition of the table from each status it leaves, the refusals in their order, the guards,
// expectedVersion, the side effects in the same transaction, one audit event per change.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRANSITION_RULES, TRANSITION_TABLE } from "../../../src/domain/transition-table.ts";
import {
  LifecycleTransition,
  OnboardingStatus,
  OperationKind,
  OperationRunStatus,
  TenantStatus,
} from "../../../src/domain/vocabulary.ts";
import { verifyAuditChain } from "../../../src/services/audit/audit-service.ts";
import { ForbiddenError } from "../../../src/services/errors.ts";
import {
  getAvailableTransitions,
  getOperability,
  transitionTenant,
  type TransitionTenantInput,
} from "../../../src/services/lifecycle/lifecycle-service.ts";
import { completeOnboardingStep } from "../../../src/services/onboarding/onboarding-service.ts";
import { updateOperationRun } from "../../../src/services/operation-runs/run-service.ts";
import { personas, tenantAdmin, tenantMember } from "../../support/personas.ts";
import { openServiceDatabase, type Caller, type ServiceDatabase } from "../../support/service-context.ts";
import {
  ALL_STATUSES,
  ALL_STEPS,
  auditEventsOf,
  completeSteps,
  footprint,
  latestRun,
  moveRun,
  ok,
  refusal,
  runsOf,
  sessionOf,
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

const MISSING_ID = "00000000-0000-4000-8000-000000000000";

/** The audit action docs/design.md §4 names for a transition: `tenant.lifecycle.<transition, lowercase>`. */
const actionOf = (name: LifecycleTransition) => `tenant.lifecycle.${name.toLowerCase()}`;

function attempt(caller: Caller, input: TransitionTenantInput) {
  return transitionTenant(db.context(caller), input);
}

/** Brings a tenant's guard to passing: every step for ACTIVATE, a SUCCEEDED DEPROVISION run for FINALIZE. */
async function satisfyGuard(tenantId: string, name: LifecycleTransition): Promise<void> {
  if (name === LifecycleTransition.ACTIVATE) await completeSteps(db, tenantId);
  if (name === LifecycleTransition.FINALIZE_DEPROVISION) {
    const run = await latestRun(db, tenantId, OperationKind.DEPROVISION);
    await moveRun(db, run.id, OperationRunStatus.RUNNING, OperationRunStatus.SUCCEEDED);
  }
}

const everyLeg = TRANSITION_RULES.flatMap((rule) => rule.from.map((from) => ({ name: rule.transition, from })));

describe("the transition table, leg by leg", () => {
  it.each(everyLeg)(
    "$name takes a $from tenant to its target: status, reason, message, version + 1, exactly one event",
    async ({ name, from }) => {
      const rule = TRANSITION_TABLE[name];
      const tenant = await tenantIn(db, from);
      await satisfyGuard(tenant.id, name);
      const before = await footprint(db, tenant.id);
      const reason = rule.reasonRequired ? `why ${name}` : undefined;

      const payload = ok(await attempt(personas.operator, { tenantId: tenant.id, transition: name, reason }));

      const after = await tenantRow(db, tenant.id);
      expect(after).toMatchObject({
        status: rule.to,
        statusReason: reason ?? null,
        statusMessage: null,
        version: before.tenant.version + 1,
      });
      expect(after.statusChangedAt.getTime()).toBeGreaterThanOrEqual(before.tenant.statusChangedAt.getTime());
      const events = await auditEventsOf(db, tenant.id);
      expect(events.slice(0, -1)).toEqual(before.events);
      const event = events.at(-1);
      expect(event).toMatchObject({
        sequence: before.events.length + 1,
        action: actionOf(name),
        actorType: "OPERATOR",
        actorId: personas.operator.sub,
        operatorOverride: false,
        reason: reason ?? null,
        previousHash: before.events.at(-1)?.hash,
      });
      expect(event?.changes).toMatchObject({
        status: { from, to: rule.to },
        version: { from: before.tenant.version, to: before.tenant.version + 1 },
      });
      expect(payload.tenant).toMatchObject({ id: tenant.id, status: rule.to, version: after.version });
      expect(payload.auditEvent?.id).toBe(event?.id);
    },
  );

  it("records the status message with the reason, and the next transition replaces both", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    ok(
      await attempt(personas.operator, {
        tenantId: tenant.id,
        transition: "SUSPEND",
        reason: "  unpaid invoices  ",
        statusMessage: "Your account is on hold",
      }),
    );
    expect(await tenantRow(db, tenant.id)).toMatchObject({
      status: "SUSPENDED",
      statusReason: "unpaid invoices",
      statusMessage: "Your account is on hold",
    });
    ok(await attempt(personas.operator, { tenantId: tenant.id, transition: "REACTIVATE" }));
    expect(await tenantRow(db, tenant.id)).toMatchObject({
      status: "ACTIVE",
      statusReason: null,
      statusMessage: null,
    });
    const [suspend, reactivate] = (await auditEventsOf(db, tenant.id)).slice(-2);
    expect(suspend?.changes).toMatchObject({
      statusReason: { from: "fixture reason", to: "unpaid invoices" },
      statusMessage: { from: null, to: "Your account is on hold" },
    });
    expect(reactivate?.changes).toMatchObject({
      statusReason: { from: "unpaid invoices", to: null },
      statusMessage: { from: "Your account is on hold", to: null },
    });
  });
});

describe("refusals, in the order docs/design.md §2 gives them", () => {
  it.each(ALL_STATUSES)(
    "from %s, every transition the table does not list is INVALID_TRANSITION and writes nothing",
    async (status) => {
      const tenant = await tenantIn(db, status);
      const before = await footprint(db, tenant.id);
      const refused = TRANSITION_RULES.filter((rule) => !rule.from.includes(status));
      for (const rule of refused) {
        // Without a reason too: INVALID_TRANSITION is judged before REASON_REQUIRED.
        for (const reason of ["a reason", undefined]) {
          const errors = refusal(
            await attempt(personas.operator, { tenantId: tenant.id, transition: rule.transition, reason }),
          );
          expect(errors).toEqual([
            {
              code: "INVALID_TRANSITION",
              message: `${rule.transition} does not leave ${status} (it leaves ${rule.from.join(", ")})`,
              field: ["input", "transition"],
            },
          ]);
        }
      }
      expect(await footprint(db, tenant.id)).toEqual(before);
    },
  );

  const reasoned = TRANSITION_RULES.filter((rule) => rule.reasonRequired);

  it.each(reasoned.map((rule) => ({ name: rule.transition, from: rule.from[0] as TenantStatus })))(
    "$name without a reason (absent, null, blank) is REASON_REQUIRED and writes nothing",
    async ({ name, from }) => {
      const tenant = await tenantIn(db, from);
      const before = await footprint(db, tenant.id);
      for (const reason of [undefined, null, "", "   \n\t "]) {
        expect(refusal(await attempt(personas.operator, { tenantId: tenant.id, transition: name, reason }))).toEqual([
          { code: "REASON_REQUIRED", message: `${name} requires a reason`, field: ["input", "reason"] },
        ]);
      }
      expect(await footprint(db, tenant.id)).toEqual(before);
    },
  );

  it("a transition whose reason is optional succeeds without one and stores none", async () => {
    for (const rule of TRANSITION_RULES.filter((candidate) => !candidate.reasonRequired)) {
      const tenant = await tenantIn(db, rule.from[0] as TenantStatus);
      await satisfyGuard(tenant.id, rule.transition);
      ok(await attempt(personas.operator, { tenantId: tenant.id, transition: rule.transition }));
      expect(await tenantRow(db, tenant.id)).toMatchObject({ status: rule.to, statusReason: null });
      expect((await auditEventsOf(db, tenant.id)).at(-1)?.reason).toBeNull();
    }
  });

  it("a reason or status message that is too long or not storable text is INVALID_INPUT before anything else", async () => {
    const tenant = await tenantIn(db, TenantStatus.DRAFT);
    const before = await footprint(db, tenant.id);
    const cases: [Partial<TransitionTenantInput>, string][] = [
      [{ reason: "r".repeat(1001) }, "reason"],
      [{ reason: "nul\u0000" }, "reason"],
      [{ reason: "lone \ud800" }, "reason"],
      [{ reason: "bell\u0007" }, "reason"],
      [{ reason: "ok", statusMessage: "m".repeat(501) }, "statusMessage"],
    ];
    for (const [extra, fieldName] of cases) {
      // SUSPEND does not leave DRAFT: the input is judged before the table.
      const errors = refusal(
        await attempt(personas.operator, { tenantId: tenant.id, transition: "SUSPEND", ...extra }),
      );
      expect(errors.map((error) => [error.code, error.field])).toEqual([["INVALID_INPUT", ["input", fieldName]]]);
    }
    // The limits are inclusive: 1 000 characters of reason and 500 of message are accepted.
    ok(
      await attempt(personas.operator, {
        tenantId: tenant.id,
        transition: "ARCHIVE",
        reason: "👩".repeat(1000),
        statusMessage: "m".repeat(500),
      }),
    );
    expect((await tenantRow(db, tenant.id)).statusReason).toBe("👩".repeat(1000));
    expect((await auditEventsOf(db, tenant.id)).length).toBe(before.events.length + 1);
  });

  it("an unknown or malformed tenant id is NOT_FOUND", async () => {
    for (const tenantId of [MISSING_ID, "not-a-uuid", "", "'; DROP TABLE tenants; --"]) {
      expect(refusal(await attempt(personas.operator, { tenantId, transition: "SUSPEND", reason: "r" }))).toEqual([
        { code: "NOT_FOUND", message: "Tenant not found", field: ["input", "tenantId"] },
      ]);
    }
  });
});

describe("who may transition", () => {
  it.each([
    ["support:lifecycle", personas.supportLifecycle, "SUPPORT"],
    ["support:*", personas.supportAll, "SUPPORT"],
    ["platform:operator", personas.operator, "OPERATOR"],
  ] as const)("%s may, and the event records its actor", async (_scope, caller, actorType) => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    ok(await attempt(caller, { tenantId: tenant.id, transition: "SUSPEND", reason: "support ticket" }));
    expect((await auditEventsOf(db, tenant.id)).at(-1)).toMatchObject({ actorType, actorId: caller.sub });
  });

  it("support:read, operations:write, tenant users and unknown scopes may not: FORBIDDEN before any lookup", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const before = await footprint(db, tenant.id);
    const refusedCallers: Caller[] = [
      personas.supportRead,
      personas.worker,
      tenantAdmin(tenant.id),
      tenantMember(tenant.id),
      { sub: "nobody", scope: "" },
      { sub: "guesser", scope: "platform:* support:write lifecycle:write" },
      // A tenant-scoped token acts as a tenant user whatever platform scopes it also carries.
      { sub: "mixed", scope: "platform:operator support:lifecycle tenant:admin", tenantId: tenant.id },
    ];
    for (const caller of refusedCallers) {
      for (const tenantId of [tenant.id, MISSING_ID]) {
        await expect(attempt(caller, { tenantId, transition: "SUSPEND", reason: "r" })).rejects.toThrow(ForbiddenError);
      }
    }
    expect(await footprint(db, tenant.id)).toEqual(before);
  });
});

describe("guards", () => {
  const stepSubsets = Array.from({ length: 2 ** ALL_STEPS.length - 1 }, (_, mask) =>
    ALL_STEPS.filter((_step, index) => mask & (1 << index)),
  );

  it.each(stepSubsets.map((done) => ({ done, label: done.join("+") || "none" })))(
    "ACTIVATE with steps $label completed is PRECONDITION_FAILED naming the missing ones, and writes nothing",
    async ({ done }) => {
      const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
      await completeSteps(db, tenant.id, done);
      const before = await footprint(db, tenant.id);
      const missing = ALL_STEPS.filter((step) => !done.includes(step));
      expect(refusal(await attempt(personas.operator, { tenantId: tenant.id, transition: "ACTIVATE" }))).toEqual([
        {
          code: "PRECONDITION_FAILED",
          message: `Onboarding steps not completed: ${missing.join(", ")}`,
          field: ["input", "transition"],
        },
      ]);
      expect(await footprint(db, tenant.id)).toEqual(before);
      expect(before.session?.status).toBe("IN_PROGRESS");
      const available = await getAvailableTransitions(db.context(personas.operator), tenant);
      expect(available.find((entry) => entry.transition === "ACTIVATE")).toMatchObject({
        permitted: false,
        blockedReason: `Onboarding steps not completed: ${missing.join(", ")}`,
      });
    },
  );

  it.each([
    [[], "QUEUED"],
    [[OperationRunStatus.RUNNING], "RUNNING"],
    [[OperationRunStatus.FAILED], "FAILED"],
    [[OperationRunStatus.RUNNING, OperationRunStatus.CANCELLED], "CANCELLED"],
  ] as const)(
    "FINALIZE_DEPROVISION while the latest DEPROVISION run is %j → %s is PRECONDITION_FAILED and writes nothing",
    async (moves, runStatus) => {
      const tenant = await tenantIn(db, TenantStatus.DEPROVISIONING);
      const run = await latestRun(db, tenant.id, OperationKind.DEPROVISION);
      if (moves.length > 0) await moveRun(db, run.id, ...moves);
      const before = await footprint(db, tenant.id);
      const message = `The latest DEPROVISION operation run is ${runStatus}, not SUCCEEDED`;
      expect(
        refusal(await attempt(personas.operator, { tenantId: tenant.id, transition: "FINALIZE_DEPROVISION" })),
      ).toEqual([{ code: "PRECONDITION_FAILED", message, field: ["input", "transition"] }]);
      expect(await footprint(db, tenant.id)).toEqual(before);
      const available = await getAvailableTransitions(db.context(personas.operator), tenant);
      expect(available).toEqual([
        {
          transition: "FINALIZE_DEPROVISION",
          to: "DEPROVISIONED",
          reasonRequired: false,
          permitted: false,
          blockedReason: message,
        },
      ]);
    },
  );

  it("the latest DEPROVISION run decides: cancelled, retried, failed, retried, succeeded", async () => {
    const tenant = await tenantIn(db, TenantStatus.DEPROVISIONING);
    const finalize = () => attempt(personas.operator, { tenantId: tenant.id, transition: "FINALIZE_DEPROVISION" });
    const first = await latestRun(db, tenant.id, OperationKind.DEPROVISION);
    await moveRun(db, first.id, OperationRunStatus.CANCELLED);
    expect(refusal(await finalize())[0]?.message).toBe(
      "The latest DEPROVISION operation run is CANCELLED, not SUCCEEDED",
    );
    const second = await startRun(db, tenant.id, OperationKind.DEPROVISION);
    expect(second).toMatchObject({ kind: "DEPROVISION", status: "QUEUED" });
    // The newer run is the one judged, not the cancelled one before it.
    expect(refusal(await finalize())[0]?.message).toBe("The latest DEPROVISION operation run is QUEUED, not SUCCEEDED");
    await moveRun(db, second.id, OperationRunStatus.RUNNING, OperationRunStatus.FAILED);
    expect(refusal(await finalize())[0]?.message).toBe("The latest DEPROVISION operation run is FAILED, not SUCCEEDED");
    const third = await startRun(db, tenant.id, OperationKind.DEPROVISION);
    await moveRun(db, third.id, OperationRunStatus.RUNNING, OperationRunStatus.SUCCEEDED);
    ok(await finalize());
    expect((await tenantRow(db, tenant.id)).status).toBe("DEPROVISIONED");
    expect((await runsOf(db, tenant.id)).filter((run) => run.kind === "DEPROVISION").map((run) => run.status)).toEqual([
      "CANCELLED",
      "FAILED",
      "SUCCEEDED",
    ]);
  });
});

describe("expectedVersion", () => {
  it("matching the tenant's version lets the transition through; any other is VERSION_CONFLICT and writes nothing", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -5, max: 2 ** 31 - 1 }).filter((version) => version !== tenant.version),
        async (expectedVersion) => {
          const before = await footprint(db, tenant.id);
          expect(
            refusal(
              await attempt(personas.operator, {
                tenantId: tenant.id,
                transition: "SUSPEND",
                reason: "r",
                expectedVersion,
              }),
            ),
          ).toEqual([
            {
              code: "VERSION_CONFLICT",
              message: `Tenant is at version ${tenant.version}, not ${expectedVersion}`,
              field: ["input", "expectedVersion"],
            },
          ]);
          expect(await footprint(db, tenant.id)).toEqual(before);
        },
      ),
      { numRuns: 15 },
    );
    const payload = ok(
      await attempt(personas.operator, {
        tenantId: tenant.id,
        transition: "SUSPEND",
        reason: "r",
        expectedVersion: tenant.version,
      }),
    );
    expect(payload.tenant?.version).toBe(tenant.version + 1);
  });

  it("is checked before the table: a stale version on a transition that does not apply is still VERSION_CONFLICT", async () => {
    const tenant = await tenantIn(db, TenantStatus.DRAFT);
    const errors = refusal(
      await attempt(personas.operator, { tenantId: tenant.id, transition: "SUSPEND", expectedVersion: 99 }),
    );
    expect(errors.map((error) => error.code)).toEqual(["VERSION_CONFLICT"]);
  });
});

describe("side effects, in the transition's transaction", () => {
  it("START_ONBOARDING opens an IN_PROGRESS session and a RUNNING ONBOARDING run, and lists both in the event", async () => {
    const tenant = await tenantIn(db, TenantStatus.DRAFT);
    const payload = await transition(db, tenant.id, "START_ONBOARDING");
    const session = await sessionOf(db, tenant.id);
    const runs = await runsOf(db, tenant.id);
    expect(session).toMatchObject({ status: "IN_PROGRESS", completedSteps: [], finishedAt: null });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      kind: "ONBOARDING",
      status: "RUNNING",
      progress: 0,
      version: 1,
      initiatedByType: "OPERATOR",
      initiatedById: personas.operator.sub,
      finishedAt: null,
    });
    expect(runs[0]?.startedAt).toBeInstanceOf(Date);
    expect(payload.operationRun?.id).toBe(runs[0]?.id);
    expect((await auditEventsOf(db, tenant.id)).at(-1)?.changes).toMatchObject({
      onboardingSession: { from: null, to: { id: session?.id, status: "IN_PROGRESS" } },
      operationRuns: [{ id: runs[0]?.id, kind: "ONBOARDING", from: null, to: "RUNNING" }],
    });
    const operability = await getOperability(db.context(personas.operator), await tenantRow(db, tenant.id));
    expect(operability.onboardingResumable).toBe(true);
  });

  it("ACTIVATE completes the session and succeeds the open ONBOARDING run (progress 1, version 2)", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    await completeSteps(db, tenant.id);
    const [onboardingRun] = await runsOf(db, tenant.id);
    const payload = await transition(db, tenant.id, "ACTIVATE");
    const session = await sessionOf(db, tenant.id);
    expect(session).toMatchObject({ status: "COMPLETED", completedSteps: ALL_STEPS });
    expect(session?.finishedAt).toBeInstanceOf(Date);
    const [run] = await runsOf(db, tenant.id);
    expect(run).toMatchObject({ id: onboardingRun?.id, status: "SUCCEEDED", progress: 1, version: 2 });
    expect(run?.finishedAt).toBeInstanceOf(Date);
    expect(payload.operationRun).toMatchObject({ id: run?.id, status: "SUCCEEDED" });
    expect((await auditEventsOf(db, tenant.id)).at(-1)?.changes).toMatchObject({
      onboardingSession: { from: { status: "IN_PROGRESS" }, to: { status: "COMPLETED" } },
      operationRuns: [{ id: run?.id, kind: "ONBOARDING", to: "SUCCEEDED" }],
    });
  });

  it.each([TenantStatus.ACTIVE, TenantStatus.SUSPENDED])(
    "BEGIN_DEPROVISION from %s opens a QUEUED DEPROVISION run and touches no other run",
    async (from) => {
      const tenant = await tenantIn(db, from);
      const runsBefore = await runsOf(db, tenant.id);
      const payload = await transition(db, tenant.id, "BEGIN_DEPROVISION", { reason: "contract ended" });
      const runs = await runsOf(db, tenant.id);
      expect(runs.slice(0, runsBefore.length)).toEqual(runsBefore);
      const opened = runs.at(-1);
      expect(runs).toHaveLength(runsBefore.length + 1);
      expect(opened).toMatchObject({ kind: "DEPROVISION", status: "QUEUED", progress: null, startedAt: null });
      expect(payload.operationRun?.id).toBe(opened?.id);
      expect((await auditEventsOf(db, tenant.id)).at(-1)?.changes).toMatchObject({
        operationRuns: [{ id: opened?.id, kind: "DEPROVISION", from: null, to: "QUEUED" }],
      });
    },
  );

  it("ARCHIVE of an ONBOARDING tenant abandons its session and cancels its open run", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    await completeSteps(db, tenant.id, ["BILLING"]);
    await transition(db, tenant.id, "ARCHIVE", { reason: "never finished" });
    expect(await sessionOf(db, tenant.id)).toMatchObject({ status: "ABANDONED", completedSteps: ["BILLING"] });
    const [run] = await runsOf(db, tenant.id);
    expect(run).toMatchObject({ kind: "ONBOARDING", status: "CANCELLED", progress: 0, version: 2 });
    expect((await auditEventsOf(db, tenant.id)).at(-1)?.changes).toMatchObject({
      onboardingSession: { from: { status: "IN_PROGRESS" }, to: { status: "ABANDONED" } },
      operationRuns: [{ id: run?.id, kind: "ONBOARDING", to: "CANCELLED" }],
    });
  });

  it("ARCHIVE of a DEPROVISIONED tenant cancels every run still open, of any kind, and leaves finished runs alone", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const exportRun = await startRun(db, tenant.id, OperationKind.DATA_EXPORT);
    const maintenance = await startRun(db, tenant.id, OperationKind.MAINTENANCE);
    await moveRun(db, maintenance.id, OperationRunStatus.RUNNING);
    await transition(db, tenant.id, "BEGIN_DEPROVISION", { reason: "closing" });
    const deprovision = await latestRun(db, tenant.id, OperationKind.DEPROVISION);
    await moveRun(db, deprovision.id, OperationRunStatus.RUNNING, OperationRunStatus.SUCCEEDED);
    await transition(db, tenant.id, "FINALIZE_DEPROVISION");
    const before = await runsOf(db, tenant.id);

    await transition(db, tenant.id, "ARCHIVE", { reason: "retention over" });

    const after = new Map((await runsOf(db, tenant.id)).map((run) => [run.id, run]));
    for (const run of before) {
      const now = after.get(run.id);
      if (run.id === exportRun.id || run.id === maintenance.id) {
        expect(now).toMatchObject({ status: "CANCELLED", version: run.version + 1 });
        expect(now?.finishedAt).toBeInstanceOf(Date);
      } else {
        expect(now).toEqual(run);
      }
    }
    const changes = (await auditEventsOf(db, tenant.id)).at(-1)?.changes as { operationRuns: { id: string }[] };
    expect(changes.operationRuns.map((run) => run.id).sort()).toEqual([exportRun.id, maintenance.id].sort());
    expect(changes).not.toHaveProperty("onboardingSession");
  });

  it("ARCHIVE of a DRAFT tenant has nothing to close and says so by listing nothing", async () => {
    const tenant = await tenantIn(db, TenantStatus.DRAFT);
    const payload = await transition(db, tenant.id, "ARCHIVE", { reason: "typo" });
    expect(payload.operationRun).toBeNull();
    expect(await sessionOf(db, tenant.id)).toBeNull();
    expect(await runsOf(db, tenant.id)).toEqual([]);
    const changes = (await auditEventsOf(db, tenant.id)).at(-1)?.changes;
    expect(Object.keys(changes as object).sort()).toEqual(["status", "statusMessage", "statusReason", "version"]);
  });

  it("a refused transition rolls back: a guard failure leaves the session, runs and chain as they were", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    await completeSteps(db, tenant.id, ["PROFILE", "DOMAIN"]);
    const before = await footprint(db, tenant.id);
    refusal(await attempt(personas.operator, { tenantId: tenant.id, transition: "ACTIVATE", reason: "go" }));
    expect(await footprint(db, tenant.id)).toEqual(before);
    expect((await verifyAuditChain(db.context(personas.operator), tenant.id)).valid).toBe(true);
  });
});

describe("operability and available transitions", () => {
  /** docs/design.md §2's operability table, restated: [selectable, actionable, onboardingResumable]. */
  const OPERABILITY: Record<TenantStatus, [boolean, boolean, boolean]> = {
    DRAFT: [false, false, false],
    ONBOARDING: [false, false, true],
    ACTIVE: [true, true, false],
    SUSPENDED: [false, false, false],
    DEPROVISIONING: [false, false, false],
    DEPROVISIONED: [false, false, false],
    ARCHIVED: [false, false, false],
  };

  it.each(ALL_STATUSES)("operability of a tenant in %s is the design table's row", async (status) => {
    const tenant = await tenantIn(db, status);
    const [selectable, actionable, onboardingResumable] = OPERABILITY[status];
    expect(await getOperability(db.context(personas.operator), tenant)).toEqual({
      viewable: true,
      selectable,
      actionable,
      onboardingResumable,
      monitoringReferenceable: true,
    });
  });

  it("an ONBOARDING tenant is resumable only while its session is IN_PROGRESS", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    // Behind the services' back: the only way to an ONBOARDING tenant whose session has ended.
    await db.query("UPDATE onboarding_sessions SET status = 'ABANDONED' WHERE tenant_id = $1", [tenant.id]);
    expect((await getOperability(db.context(personas.operator), tenant)).onboardingResumable).toBe(false);
  });

  it.each(ALL_STATUSES)(
    "for an operator, a %s tenant offers exactly the transitions leaving it, permitted unless a guard fails",
    async (status) => {
      const tenant = await tenantIn(db, status);
      const available = await getAvailableTransitions(db.context(personas.operator), tenant);
      const leaving = TRANSITION_RULES.filter((rule) => rule.from.includes(status));
      expect(available.map((entry) => [entry.transition, entry.to, entry.reasonRequired])).toEqual(
        leaving.map((rule) => [rule.transition, rule.to, rule.reasonRequired]),
      );
      for (const entry of available) {
        // The fixtures stop short of a guard's facts: no steps completed, the DEPROVISION run still QUEUED.
        const guarded = TRANSITION_TABLE[entry.transition].guard !== null;
        expect(entry.permitted).toBe(!guarded);
        expect(entry.blockedReason === null).toBe(!guarded);
      }
    },
  );

  it("a caller without the lifecycle capability is shown every leaving transition as not permitted", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    for (const caller of [personas.supportRead, personas.worker, tenantAdmin(tenant.id), tenantMember(tenant.id)]) {
      const available = await getAvailableTransitions(db.context(caller), tenant);
      expect(available.map((entry) => entry.transition)).toEqual(["SUSPEND", "BEGIN_DEPROVISION"]);
      for (const entry of available) {
        expect(entry).toMatchObject({
          permitted: false,
          blockedReason: "You do not have permission to change this tenant's lifecycle",
        });
      }
    }
  });

  it("ACTIVATE becomes permitted once the last step is completed", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    for (const step of ALL_STEPS) {
      const before = await getAvailableTransitions(db.context(personas.operator), tenant);
      expect(before.find((entry) => entry.transition === "ACTIVATE")?.permitted).toBe(false);
      ok(await completeOnboardingStep(db.context(personas.operator), { tenantId: tenant.id, step }));
    }
    const after = await getAvailableTransitions(db.context(personas.operator), tenant);
    expect(after.find((entry) => entry.transition === "ACTIVATE")).toMatchObject({
      permitted: true,
      blockedReason: null,
    });
  });
});

describe("a random walk through the lifecycle", () => {
  /**
   * A transition is mostly one the model says leaves the current status (`pick` chooses which; ARCHIVE,
   * which ends a walk, less often), so walks reach the table's far end; sometimes any transition at
   * all, to be refused. `prepare` works toward the guard ahead (every step while ONBOARDING; while
   * DEPROVISIONING, the open DEPROVISION run finished, or a failed one retried and finished) or does
   * nothing elsewhere.
   */
  type Step =
    | { kind: "transition"; legal: boolean; pick: number; withReason: boolean }
    | { kind: "prepare"; runOutcome: "SUCCEEDED" | "FAILED" };

  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("transition" as const),
        legal: fc.nat(4).map((roll) => roll > 0),
        pick: fc.nat(100),
        withReason: fc.nat(4).map((roll) => roll > 0),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("prepare" as const),
        runOutcome: fc.nat(3).map((roll) => (roll > 0 ? ("SUCCEEDED" as const) : ("FAILED" as const))),
      }),
    },
  );

  /** The rules leaving a status, ARCHIVE once and every other three times. */
  const weightedLeaving = (status: TenantStatus) =>
    TRANSITION_RULES.filter((rule) => rule.from.includes(status)).flatMap((rule) =>
      rule.transition === "ARCHIVE" ? [rule] : [rule, rule, rule],
    );

  it("does what the table says at every step; version = 1 + successful transitions; the chain stays valid and gapless", async () => {
    const reached = new Set<TenantStatus>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 6, maxLength: 30 }), async (walk) => {
        const tenant = await tenantIn(db, TenantStatus.DRAFT);
        const model = {
          status: TenantStatus.DRAFT as TenantStatus,
          stepsDone: false,
          deprovisionRun: null as OperationRunStatus | null,
        };
        let transitions = 0;
        let events = 1; // tenant.created
        for (const item of walk) {
          if (item.kind === "prepare") {
            if (model.status === TenantStatus.ONBOARDING && !model.stepsDone) {
              await completeSteps(db, tenant.id);
              model.stepsDone = true;
              events += ALL_STEPS.length;
            }
            if (model.status === TenantStatus.DEPROVISIONING) {
              const run = await latestRun(db, tenant.id, OperationKind.DEPROVISION);
              if (run.status === OperationRunStatus.QUEUED || run.status === OperationRunStatus.RUNNING) {
                const path = run.status === OperationRunStatus.QUEUED ? [OperationRunStatus.RUNNING] : [];
                await moveRun(db, run.id, ...path, item.runOutcome);
                events += path.length + 1;
                model.deprovisionRun = item.runOutcome;
              } else if (run.status !== OperationRunStatus.SUCCEEDED) {
                // The latest run failed: an operator retries with a fresh one, which then finishes.
                const retry = await startRun(db, tenant.id, OperationKind.DEPROVISION);
                await moveRun(db, retry.id, OperationRunStatus.RUNNING, item.runOutcome);
                events += 3;
                model.deprovisionRun = item.runOutcome;
              }
            }
            continue;
          }
          const candidates = item.legal ? weightedLeaving(model.status) : TRANSITION_RULES;
          const rule = candidates[item.pick % candidates.length];
          if (!rule) continue; // ARCHIVED: nothing leaves it
          const outcome = await attempt(personas.operator, {
            tenantId: tenant.id,
            transition: rule.transition,
            reason: item.withReason ? `walk ${rule.transition}` : null,
          });
          const expectedError = !rule.from.includes(model.status)
            ? "INVALID_TRANSITION"
            : rule.reasonRequired && !item.withReason
              ? "REASON_REQUIRED"
              : rule.guard === "allOnboardingStepsCompleted" && !model.stepsDone
                ? "PRECONDITION_FAILED"
                : rule.guard === "latestDeprovisionRunSucceeded" && model.deprovisionRun !== "SUCCEEDED"
                  ? "PRECONDITION_FAILED"
                  : null;
          if (expectedError) {
            expect(refusal(outcome).map((error) => error.code)).toEqual([expectedError]);
            continue;
          }
          ok(outcome);
          transitions += 1;
          events += 1;
          if (rule.transition === "BEGIN_DEPROVISION") model.deprovisionRun = OperationRunStatus.QUEUED;
          model.status = rule.to;
          reached.add(model.status);
        }
        const stored = await tenantRow(db, tenant.id);
        expect(stored.status).toBe(model.status);
        expect(stored.version).toBe(1 + transitions);
        const chain = await auditEventsOf(db, tenant.id);
        expect(chain.map((event) => event.sequence)).toEqual(Array.from({ length: events }, (_, index) => index + 1));
        expect(await verifyAuditChain(db.context(personas.operator), tenant.id)).toMatchObject({
          valid: true,
          eventCount: events,
          firstBrokenSequence: null,
        });
        const session = await sessionOf(db, tenant.id);
        if (model.status === TenantStatus.ONBOARDING) expect(session?.status).toBe(OnboardingStatus.IN_PROGRESS);
        if (model.status === TenantStatus.ACTIVE) expect(session?.status).toBe(OnboardingStatus.COMPLETED);
        const open = (await runsOf(db, tenant.id)).filter((run) => run.status === "QUEUED" || run.status === "RUNNING");
        if (model.status === TenantStatus.ARCHIVED) expect(open).toEqual([]);
        if (model.status === TenantStatus.DEPROVISIONED) expect(open).toEqual([]);
      }),
      { numRuns: 50 },
    );
    console.info(`[lifecycle walk] statuses reached: ${[...reached].join(", ")}`);
  });
});

describe("updates of runs leave the tenant's version alone", () => {
  it("a worker's run updates write events on the tenant's chain without a new tenant version", async () => {
    const tenant = await tenantIn(db, TenantStatus.DEPROVISIONING);
    const run = await latestRun(db, tenant.id, OperationKind.DEPROVISION);
    const { version } = await tenantRow(db, tenant.id);
    ok(await updateOperationRun(db.context(personas.worker), { id: run.id, status: "RUNNING", progress: 0.5 }));
    expect((await tenantRow(db, tenant.id)).version).toBe(version);
    expect((await auditEventsOf(db, tenant.id)).at(-1)?.action).toBe("operation_run.updated");
  });
});
