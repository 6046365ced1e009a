// docs/design.md §2 "Operation runs" and §4 "Runs", against the run service itself: starting runs,
// the run state machine, progress bounds, versions, failureReason masked for tenant viewers, and
// getOperationRun's canonical visibility (judged by the run's tenant, never by the request's context).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperationKind, OperationRunStatus, TenantStatus } from "../../../src/domain/vocabulary.ts";
import { ForbiddenError } from "../../../src/services/errors.ts";
import {
  getOperationRun,
  getOperationRunsByIds,
  startOperationRun,
  updateOperationRun,
  type UpdateOperationRunInput,
} from "../../../src/services/operation-runs/run-service.ts";
import { personas, tenantAdmin, tenantMember } from "../../support/personas.ts";
import { openServiceDatabase, type Caller, type ServiceDatabase } from "../../support/service-context.ts";
import {
  ALL_STATUSES,
  auditEventsOf,
  footprint,
  latestRun,
  moveRun,
  ok,
  refusal,
  runsOf,
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
const RUN_STATUSES = Object.values(OperationRunStatus);

/** docs/design.md §2, restated: which status may follow which. */
const MAY_FOLLOW: Record<OperationRunStatus, OperationRunStatus[]> = {
  QUEUED: ["RUNNING", "FAILED", "CANCELLED"],
  RUNNING: ["SUCCEEDED", "FAILED", "CANCELLED"],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

/** The shortest way from QUEUED to each status. */
const PATH_TO: Record<OperationRunStatus, OperationRunStatus[]> = {
  QUEUED: [],
  RUNNING: ["RUNNING"],
  SUCCEEDED: ["RUNNING", "SUCCEEDED"],
  FAILED: ["FAILED"],
  CANCELLED: ["CANCELLED"],
};

function update(caller: Caller, input: UpdateOperationRunInput) {
  return updateOperationRun(db.context(caller), input);
}

/** A DATA_EXPORT run of a new ACTIVE tenant, brought to `status`. */
async function runIn(status: OperationRunStatus) {
  const tenant = await tenantIn(db, TenantStatus.ACTIVE);
  const run = await startRun(db, tenant.id);
  if (PATH_TO[status].length > 0) await moveRun(db, run.id, ...PATH_TO[status]);
  const [stored] = await runsOf(db, tenant.id).then((runs) => runs.filter((candidate) => candidate.id === run.id));
  if (stored?.status !== status) throw new Error(`run fixture reached ${stored?.status}, not ${status}`);
  return { tenant, run: stored };
}

describe("starting runs", () => {
  it.each([OperationKind.DATA_EXPORT, OperationKind.MAINTENANCE])(
    "an operator starts a %s run on an ACTIVE tenant: QUEUED, version 1, one event, the tenant's version unchanged",
    async (kind) => {
      const tenant = await tenantIn(db, TenantStatus.ACTIVE);
      const before = await footprint(db, tenant.id);
      const { operationRun } = ok(
        await startOperationRun(db.context(personas.operator), { tenantId: tenant.id, kind, summary: "  nightly  " }),
      );
      expect(operationRun).toMatchObject({
        tenantId: tenant.id,
        kind,
        status: "QUEUED",
        version: 1,
        progress: null,
        summary: "nightly",
        failureReason: null,
        startedAt: null,
        finishedAt: null,
        initiatedByType: "OPERATOR",
        initiatedById: personas.operator.sub,
      });
      const after = await footprint(db, tenant.id);
      expect(after.tenant).toEqual(before.tenant);
      expect(after.runs).toEqual([...before.runs, operationRun]);
      expect(after.events.slice(0, -1)).toEqual(before.events);
      expect(after.events.at(-1)).toMatchObject({
        action: "operation_run.started",
        changes: {
          operationRunId: { from: null, to: operationRun?.id },
          kind: { from: null, to: kind },
          status: { from: null, to: "QUEUED" },
        },
      });
    },
  );

  it.each(ALL_STATUSES.filter((status) => status !== TenantStatus.ACTIVE))(
    "no DATA_EXPORT or MAINTENANCE run starts on a %s tenant (not actionable): PRECONDITION_FAILED",
    async (status) => {
      const tenant = await tenantIn(db, status);
      const before = await footprint(db, tenant.id);
      for (const kind of [OperationKind.DATA_EXPORT, OperationKind.MAINTENANCE]) {
        expect(refusal(await startOperationRun(db.context(personas.operator), { tenantId: tenant.id, kind }))).toEqual([
          {
            code: "PRECONDITION_FAILED",
            message: `Operation runs cannot be started while the tenant is ${status}`,
            field: ["input", "tenantId"],
          },
        ]);
      }
      expect(await footprint(db, tenant.id)).toEqual(before);
    },
  );

  it("ONBOARDING runs are never started by hand: INVALID_INPUT", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    expect(
      refusal(await startOperationRun(db.context(personas.operator), { tenantId: tenant.id, kind: "ONBOARDING" })),
    ).toEqual([
      {
        code: "INVALID_INPUT",
        message: "ONBOARDING runs are opened by the START_ONBOARDING transition",
        field: ["input", "kind"],
      },
    ]);
  });

  it("a DEPROVISION run starts only while DEPROVISIONING and none is open", async () => {
    const active = await tenantIn(db, TenantStatus.ACTIVE);
    expect(
      refusal(await startOperationRun(db.context(personas.operator), { tenantId: active.id, kind: "DEPROVISION" })),
    ).toEqual([
      {
        code: "PRECONDITION_FAILED",
        message: "A DEPROVISION run can only be started while the tenant is DEPROVISIONING (it is ACTIVE)",
        field: ["input", "kind"],
      },
    ]);
    const leaving = await tenantIn(db, TenantStatus.DEPROVISIONING);
    const open = await latestRun(db, leaving.id, OperationKind.DEPROVISION);
    for (const moves of [[], [OperationRunStatus.RUNNING]]) {
      if (moves.length > 0) await moveRun(db, open.id, ...moves);
      expect(
        refusal(await startOperationRun(db.context(personas.operator), { tenantId: leaving.id, kind: "DEPROVISION" })),
      ).toEqual([
        {
          code: "PRECONDITION_FAILED",
          message: "A DEPROVISION run is already open for this tenant",
          field: ["input", "kind"],
        },
      ]);
    }
    await moveRun(db, open.id, OperationRunStatus.FAILED);
    const retry = await startRun(db, leaving.id, OperationKind.DEPROVISION);
    expect(retry).toMatchObject({ kind: "DEPROVISION", status: "QUEUED", version: 1 });
  });

  it("no DEPROVISION run starts once the latest one SUCCEEDED: that is what FINALIZE_DEPROVISION waits for", async () => {
    const leaving = await tenantIn(db, TenantStatus.DEPROVISIONING);
    const open = await latestRun(db, leaving.id, OperationKind.DEPROVISION);
    await moveRun(db, open.id, OperationRunStatus.RUNNING, OperationRunStatus.SUCCEEDED);
    const before = await footprint(db, leaving.id);
    expect(
      refusal(await startOperationRun(db.context(personas.operator), { tenantId: leaving.id, kind: "DEPROVISION" })),
    ).toEqual([
      {
        code: "PRECONDITION_FAILED",
        message: "The latest DEPROVISION run SUCCEEDED: finalize the deprovisioning instead of starting another",
        field: ["input", "kind"],
      },
    ]);
    expect(await footprint(db, leaving.id)).toEqual(before);
    expect((await latestRun(db, leaving.id, OperationKind.DEPROVISION)).id).toBe(open.id);
  });

  it("only an operator starts runs: support, the worker and tenant users are FORBIDDEN", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const before = await footprint(db, tenant.id);
    for (const caller of [
      personas.supportRead,
      personas.supportAll,
      personas.worker,
      tenantAdmin(tenant.id),
      tenantMember(tenant.id),
    ]) {
      await expect(startOperationRun(db.context(caller), { tenantId: tenant.id, kind: "DATA_EXPORT" })).rejects.toThrow(
        ForbiddenError,
      );
    }
    expect(await footprint(db, tenant.id)).toEqual(before);
  });
});

describe("the run state machine", () => {
  it.each(RUN_STATUSES)("from %s, exactly the moves docs/design.md §2 lists are allowed", async (from) => {
    for (const to of RUN_STATUSES) {
      const { tenant, run } = await runIn(from);
      const before = await footprint(db, tenant.id);
      const outcome = await update(personas.worker, { id: run.id, status: to });
      if (MAY_FOLLOW[from].includes(to)) {
        const { operationRun } = ok(outcome);
        expect(operationRun).toMatchObject({ status: to, version: run.version + 1 });
        const after = await footprint(db, tenant.id);
        expect(after.tenant).toEqual(before.tenant);
        expect(after.events.at(-1)).toMatchObject({
          action: "operation_run.updated",
          actorType: "SERVICE_ACCOUNT",
          actorId: personas.worker.sub,
          changes: {
            operationRunId: { from: run.id, to: run.id },
            status: { from, to },
            version: { from: run.version, to: run.version + 1 },
          },
        });
      } else {
        expect(refusal(outcome)).toEqual([
          {
            code: "INVALID_TRANSITION",
            message: `An operation run cannot go from ${from} to ${to}`,
            field: ["input", "status"],
          },
        ]);
        expect(await footprint(db, tenant.id)).toEqual(before);
      }
    }
  });

  it.each(["SUCCEEDED", "FAILED", "CANCELLED"] as const)(
    "a %s run takes no more progress, summary or failureReason: INVALID_TRANSITION",
    async (status) => {
      const { tenant, run } = await runIn(status);
      const before = await footprint(db, tenant.id);
      for (const change of [{ progress: 0.5 }, { summary: "late" }, { failureReason: "late" }]) {
        expect(refusal(await update(personas.worker, { id: run.id, ...change }))).toEqual([
          {
            code: "INVALID_TRANSITION",
            message: `The operation run is ${status} and can no longer change`,
            field: ["input", "id"],
          },
        ]);
      }
      expect(await footprint(db, tenant.id)).toEqual(before);
    },
  );

  it("RUNNING stamps startedAt once; a final status stamps finishedAt; SUCCEEDED without progress means 1", async () => {
    const { tenant, run } = await runIn(OperationRunStatus.QUEUED);
    const running = ok(await update(personas.worker, { id: run.id, status: "RUNNING" })).operationRun;
    expect(running?.startedAt).toBeInstanceOf(Date);
    expect(running?.finishedAt).toBeNull();
    const progressed = ok(await update(personas.worker, { id: run.id, progress: 0.25 })).operationRun;
    expect(progressed?.startedAt).toEqual(running?.startedAt);
    const done = ok(await update(personas.worker, { id: run.id, status: "SUCCEEDED" })).operationRun;
    expect(done).toMatchObject({ status: "SUCCEEDED", progress: 1, startedAt: running?.startedAt });
    expect(done?.finishedAt).toBeInstanceOf(Date);
    expect((await runsOf(db, tenant.id)).find((candidate) => candidate.id === run.id)).toEqual(done);
  });

  it("a run failed from QUEUED was never started: finishedAt without startedAt", async () => {
    const { run } = await runIn(OperationRunStatus.QUEUED);
    const failed = ok(
      await update(personas.worker, { id: run.id, status: "FAILED", failureReason: "disk full" }),
    ).operationRun;
    expect(failed).toMatchObject({ status: "FAILED", failureReason: "disk full", startedAt: null });
    expect(failed?.finishedAt).toBeInstanceOf(Date);
  });
});

describe("progress, input and versions", () => {
  it("any progress in [0, 1] is stored exactly; anything outside, or not finite, is INVALID_INPUT", async () => {
    const { tenant, run } = await runIn(OperationRunStatus.RUNNING);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.constantFrom(0, 1, Number.MIN_VALUE, 1 - Number.EPSILON),
          fc.double({ noNaN: false }).filter((value) => !(value >= 0 && value <= 1)),
          fc.constantFrom(-Number.MIN_VALUE, 1 + Number.EPSILON, Number.NaN, Infinity, -Infinity),
        ),
        async (progress) => {
          const before = await footprint(db, tenant.id);
          const current = before.runs.find((candidate) => candidate.id === run.id);
          const outcome = await update(personas.worker, { id: run.id, progress });
          if (progress >= 0 && progress <= 1) {
            const { operationRun } = ok(outcome);
            expect(operationRun?.progress).toBe(progress === 0 ? 0 : progress);
            expect(operationRun?.version).toBe((current?.version ?? 0) + 1);
          } else {
            expect(refusal(outcome)).toEqual([
              { code: "INVALID_INPUT", message: "progress must be between 0 and 1", field: ["input", "progress"] },
            ]);
            expect(await footprint(db, tenant.id)).toEqual(before);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("an update that names nothing to change is INVALID_INPUT", async () => {
    const { run } = await runIn(OperationRunStatus.RUNNING);
    expect(refusal(await update(personas.worker, { id: run.id }))).toEqual([
      {
        code: "INVALID_INPUT",
        message: "Give a status, progress, summary or failureReason to change",
        field: ["input"],
      },
    ]);
  });

  it("summary and failureReason are bounded and must be storable text", async () => {
    const { tenant, run } = await runIn(OperationRunStatus.RUNNING);
    const before = await footprint(db, tenant.id);
    for (const input of [
      { summary: "s".repeat(2001) },
      { failureReason: "f".repeat(2001) },
      { summary: "nul\u0000" },
      { failureReason: "\udfff" },
    ]) {
      expect(refusal(await update(personas.worker, { id: run.id, ...input }))[0]?.code).toBe("INVALID_INPUT");
    }
    expect(await footprint(db, tenant.id)).toEqual(before);
  });

  it("each successful update adds 1 to the run's version; expectedVersion other than the run's is VERSION_CONFLICT", async () => {
    const { tenant, run } = await runIn(OperationRunStatus.QUEUED);
    let version = run.version;
    for (const input of [
      { status: "RUNNING" as const },
      { progress: 0.1 },
      { summary: "halfway" },
      { progress: 0.9 },
    ]) {
      const stale = refusal(await update(personas.worker, { id: run.id, ...input, expectedVersion: version - 1 }));
      expect(stale).toEqual([
        {
          code: "VERSION_CONFLICT",
          message: `Operation run is at version ${version}, not ${version - 1}`,
          field: ["input", "expectedVersion"],
        },
      ]);
      const { operationRun } = ok(await update(personas.worker, { id: run.id, ...input, expectedVersion: version }));
      expect(operationRun?.version).toBe(version + 1);
      version += 1;
    }
    // The tenant's own version is not the run's: the tenant row never moved.
    expect((await tenantRow(db, tenant.id)).version).toBe(tenant.version);
  });

  it("an update records exactly the fields that changed", async () => {
    const { tenant, run } = await runIn(OperationRunStatus.RUNNING);
    // A run moved from QUEUED to RUNNING has no progress and no summary yet; its status stays RUNNING.
    ok(await update(personas.worker, { id: run.id, summary: "copying", progress: 0, status: undefined }));
    const event = (await auditEventsOf(db, tenant.id)).at(-1);
    expect(event?.changes).toEqual({
      operationRunId: { from: run.id, to: run.id },
      progress: { from: null, to: 0 },
      summary: { from: null, to: "copying" },
      version: { from: run.version, to: run.version + 1 },
    });
  });

  it("an unknown or malformed run id is NOT_FOUND", async () => {
    for (const id of [MISSING_ID, "run-1", ""]) {
      expect(refusal(await update(personas.worker, { id, status: "RUNNING" }))).toEqual([
        { code: "NOT_FOUND", message: "Operation run not found", field: ["input", "id"] },
      ]);
    }
  });

  it("support readers and tenant users may not update runs: FORBIDDEN", async () => {
    const { tenant, run } = await runIn(OperationRunStatus.QUEUED);
    for (const caller of [personas.supportRead, personas.supportAll, tenantAdmin(tenant.id), tenantMember(tenant.id)]) {
      await expect(update(caller, { id: run.id, status: "RUNNING" })).rejects.toThrow(ForbiddenError);
    }
    expect((await runsOf(db, tenant.id)).find((candidate) => candidate.id === run.id)).toEqual(run);
  });
});

describe("reading runs", () => {
  it("failureReason reaches platform callers and is null for the tenant's own users", async () => {
    const { tenant, run } = await runIn(OperationRunStatus.RUNNING);
    const payload = ok(
      await update(personas.worker, { id: run.id, status: "FAILED", failureReason: "internal: shard 7 corrupt" }),
    );
    expect(payload.operationRun?.failureReason).toBe("internal: shard 7 corrupt");
    for (const caller of [personas.operator, personas.worker, personas.supportRead]) {
      expect(await getOperationRun(db.context(caller), run.id)).toMatchObject({
        id: run.id,
        failureReason: "internal: shard 7 corrupt",
      });
    }
    for (const caller of [tenantAdmin(tenant.id), tenantMember(tenant.id)]) {
      const seen = await getOperationRun(db.context(caller), run.id);
      expect(seen).toMatchObject({ id: run.id, status: "FAILED", failureReason: null });
    }
    // Stored as given: masking is in what tenant users receive, not in the row.
    expect((await runsOf(db, tenant.id)).find((candidate) => candidate.id === run.id)?.failureReason).toBe(
      "internal: shard 7 corrupt",
    );
  });

  it.each(ALL_STATUSES)(
    "runs of a tenant in %s are seen by its users exactly while the tenant is visible to them; platform callers always",
    async (status) => {
      const tenant = await tenantIn(db, status);
      let runs = await runsOf(db, tenant.id);
      if (runs.length === 0) {
        // DRAFT and ARCHIVED-from-DRAFT tenants have no runs yet: seed one behind the services' back.
        await db.query(
          `INSERT INTO operation_runs (id, tenant_id, kind, status, initiated_by_type, initiated_by_id)
           VALUES (gen_random_uuid(), $1, 'MAINTENANCE', 'QUEUED', 'OPERATOR', 'seed')`,
          [tenant.id],
        );
        runs = await runsOf(db, tenant.id);
      }
      const visibleToTenantUsers = ["ONBOARDING", "ACTIVE", "SUSPENDED", "DEPROVISIONING"].includes(status);
      for (const run of runs) {
        for (const caller of [personas.operator, personas.supportRead, personas.worker]) {
          expect((await getOperationRun(db.context(caller), run.id))?.id).toBe(run.id);
        }
        for (const caller of [tenantAdmin(tenant.id), tenantMember(tenant.id)]) {
          expect((await getOperationRun(db.context(caller), run.id))?.id ?? null).toBe(
            visibleToTenantUsers ? run.id : null,
          );
        }
      }
    },
  );

  it("another tenant's users get null for a run, exactly as for a run that does not exist", async () => {
    const { run } = await runIn(OperationRunStatus.RUNNING);
    const neighbour = await tenantIn(db, TenantStatus.ACTIVE);
    for (const caller of [tenantAdmin(neighbour.id), tenantMember(neighbour.id)]) {
      expect(await getOperationRun(db.context(caller), run.id)).toBeNull();
      expect(await getOperationRun(db.context(caller), MISSING_ID)).toBeNull();
    }
  });

  it("X-Tenant-Context never narrows a run by id; an uppercase id finds the run; garbage ids find nothing", async () => {
    const { tenant, run } = await runIn(OperationRunStatus.QUEUED);
    const elsewhere = await tenantIn(db, TenantStatus.ACTIVE);
    const context = db.context(personas.operator, { tenantContext: elsewhere.id });
    const [byId, byUpper, missing, garbage, tenantIdAsRun] = await getOperationRunsByIds(context, [
      run.id,
      run.id.toUpperCase(),
      MISSING_ID,
      "'; DROP TABLE operation_runs; --",
      tenant.id,
    ]);
    expect(byId?.id).toBe(run.id);
    expect(byUpper?.id).toBe(run.id);
    expect([missing, garbage, tenantIdAsRun]).toEqual([null, null, null]);
  });

  it("a caller with no capability at all sees no run", async () => {
    const { run } = await runIn(OperationRunStatus.QUEUED);
    for (const caller of [
      { sub: "nobody", scope: "" },
      { sub: "guesser", scope: "runs:read operations:read" },
    ]) {
      expect(await getOperationRun(db.context(caller), run.id)).toBeNull();
    }
  });

  it("an archived tenant's runs stay readable by id for platform callers, and the archive cancelled the open ones", async () => {
    const tenant = await tenantIn(db, TenantStatus.ONBOARDING);
    const [onboardingRun] = await runsOf(db, tenant.id);
    await transition(db, tenant.id, "ARCHIVE", { reason: "abandoned" });
    expect(await getOperationRun(db.context(personas.operator), onboardingRun?.id as string)).toMatchObject({
      id: onboardingRun?.id,
      status: "CANCELLED",
    });
    expect(await getOperationRun(db.context(tenantAdmin(tenant.id)), onboardingRun?.id as string)).toBeNull();
  });
});
