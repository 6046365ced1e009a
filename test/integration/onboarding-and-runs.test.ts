import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_STATUS_TRANSITIONS } from "../../src/domain/run-states.ts";
import {
  activeTenant,
  draftTenant,
  onboardingTenant,
  queuedRun,
  START_RUN,
  transition,
  UPDATE_RUN,
} from "../support/fixtures.ts";
import { COMPLETE_STEP, TRANSITION_TENANT, type MutationPayload } from "../support/operations.ts";
import { personas, tenantAdmin, tenantMember } from "../support/personas.ts";
import { startTestServer, type CallOptions, type TestServer } from "../support/test-server.ts";

let server: TestServer;
const asOperator: CallOptions = { as: personas.operator };
const asWorker: CallOptions = { as: personas.worker };

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

interface StepPayload {
  completeOnboardingStep: {
    onboarding: { status: string; completedSteps: string[]; currentStep: string | null; resumable: boolean } | null;
    userErrors: { code: string; message: string }[];
  };
}
interface RunPayload {
  operationRun: {
    id: string;
    status: string;
    progress: number | null;
    failureReason: string | null;
    version: number;
  } | null;
  userErrors: { code: string; message: string; field: string[] | null }[];
}

const completeStep = (tenantId: string, step: string, options: CallOptions = asOperator) =>
  server.data<StepPayload>(COMPLETE_STEP, { input: { tenantId, step } }, options);
const updateRun = async (input: Record<string, unknown>, options: CallOptions = asWorker) =>
  (await server.data<{ updateOperationRun: RunPayload }>(UPDATE_RUN, { input }, options)).updateOperationRun;
const startRun = async (input: Record<string, unknown>, options: CallOptions = asOperator) =>
  (await server.data<{ startOperationRun: RunPayload }>(START_RUN, { input }, options)).startOperationRun;
const transitionPayload = async (input: Record<string, unknown>) =>
  (await server.data<{ transitionTenant: MutationPayload }>(TRANSITION_TENANT, { input }, asOperator)).transitionTenant;

async function auditActions(tenantId: string): Promise<string[]> {
  const { rows } = await server.database.pool.query<{ action: string }>(
    "SELECT action FROM audit_events WHERE tenant_id = $1 ORDER BY sequence",
    [tenantId],
  );
  return rows.map((row) => row.action);
}

describe("onboarding", () => {
  it("completes steps in any order, each once, as the tenant's admin; currentStep follows the canonical order", async () => {
    const tenant = await onboardingTenant(server);
    const admin = { as: tenantAdmin(tenant.id) };
    const domain = await completeStep(tenant.id, "DOMAIN", admin);
    expect(domain.completeOnboardingStep.onboarding).toMatchObject({
      completedSteps: ["DOMAIN"],
      currentStep: "PROFILE",
      resumable: true,
    });
    const profile = await completeStep(tenant.id, "PROFILE", admin);
    expect(profile.completeOnboardingStep.onboarding).toMatchObject({
      completedSteps: ["PROFILE", "DOMAIN"],
      currentStep: "BILLING",
    });
    const twice = await completeStep(tenant.id, "PROFILE", admin);
    expect(twice.completeOnboardingStep.userErrors).toEqual([]);
    expect(await auditActions(tenant.id)).toEqual([
      "tenant.created",
      "tenant.lifecycle.start_onboarding",
      "onboarding.step_completed",
      "onboarding.step_completed",
    ]);
  });

  it("refuses a tenant member (FORBIDDEN) and a step outside ONBOARDING (PRECONDITION_FAILED)", async () => {
    const tenant = await onboardingTenant(server);
    const { body } = await server.request(
      COMPLETE_STEP,
      { input: { tenantId: tenant.id, step: "PROFILE" } },
      { as: tenantMember(tenant.id) },
    );
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
    const draft = await draftTenant(server);
    const outside = await completeStep(draft.id, "PROFILE");
    expect(outside.completeOnboardingStep.userErrors[0]?.code).toBe("PRECONDITION_FAILED");
  });

  it("is resumable across requests: the session lives in the database", async () => {
    const tenant = await onboardingTenant(server);
    await completeStep(tenant.id, "BILLING");
    const data = await server.data<{
      tenant: {
        onboarding: { currentStep: string; completedSteps: string[] };
        lifecycle: { operability: { onboardingResumable: boolean } };
      };
    }>(
      `query($id: ID) { tenant(id: $id) { onboarding { currentStep completedSteps } lifecycle { operability { onboardingResumable } } } }`,
      { id: tenant.id },
      { as: tenantAdmin(tenant.id) },
    );
    expect(data.tenant).toEqual({
      onboarding: { currentStep: "PROFILE", completedSteps: ["BILLING"] },
      lifecycle: { operability: { onboardingResumable: true } },
    });
  });

  it("ACTIVATE completes the session and the ONBOARDING run; ARCHIVE abandons an open session and cancels its run", async () => {
    const active = await activeTenant(server);
    const activated = await server.data<{
      tenant: {
        onboarding: { status: string; resumable: boolean };
        operationRuns: { edges: { node: { kind: string; status: string; progress: number } }[] };
      };
    }>(
      `query($id: ID) { tenant(id: $id) { onboarding { status resumable } operationRuns { edges { node { kind status progress } } } } }`,
      { id: active.id },
      asOperator,
    );
    expect(activated.tenant.onboarding).toEqual({ status: "COMPLETED", resumable: false });
    expect(activated.tenant.operationRuns.edges.map((edge) => edge.node)).toEqual([
      { kind: "ONBOARDING", status: "SUCCEEDED", progress: 1 },
    ]);

    const abandoned = await onboardingTenant(server);
    const archived = await transitionPayload({
      tenantId: abandoned.id,
      transition: "ARCHIVE",
      reason: "never finished",
    });
    expect(archived.operationRun).toMatchObject({ kind: "ONBOARDING", status: "CANCELLED" });
    const { rows } = await server.database.pool.query("SELECT status FROM onboarding_sessions WHERE tenant_id = $1", [
      abandoned.id,
    ]);
    expect(rows[0]?.status).toBe("ABANDONED");
  });
});

describe("operation runs", () => {
  it("follows the run state machine: every (from, to) pair", async () => {
    const statuses = Object.keys(RUN_STATUS_TRANSITIONS);
    const tenant = await activeTenant(server);
    const reach = async (status: string): Promise<string> => {
      const id = await queuedRun(server, tenant.id);
      const path: Record<string, string[]> = {
        QUEUED: [],
        RUNNING: ["RUNNING"],
        SUCCEEDED: ["RUNNING", "SUCCEEDED"],
        FAILED: ["FAILED"],
        CANCELLED: ["CANCELLED"],
      };
      for (const step of path[status] ?? []) await updateRun({ id, status: step });
      return id;
    };
    const allowed: Record<string, string[]> = {
      QUEUED: ["RUNNING", "FAILED", "CANCELLED"],
      RUNNING: ["SUCCEEDED", "FAILED", "CANCELLED"],
      SUCCEEDED: [],
      FAILED: [],
      CANCELLED: [],
    };
    for (const from of statuses) {
      for (const to of statuses) {
        const id = await reach(from);
        const result = await updateRun({ id, status: to });
        const outcome = result.userErrors[0]?.code ?? result.operationRun?.status;
        expect(`${from}→${to}: ${outcome}`).toBe(
          `${from}→${to}: ${allowed[from]?.includes(to) ? to : "INVALID_TRANSITION"}`,
        );
      }
    }
  });

  it("records progress, summary and failure, bumps the run version, and audits each change on the tenant", async () => {
    const tenant = await activeTenant(server);
    const id = await queuedRun(server, tenant.id);
    const running = await updateRun({ id, status: "RUNNING", progress: 0.25, summary: "exporting" });
    expect(running.operationRun).toMatchObject({ status: "RUNNING", progress: 0.25, version: 2 });
    const stale = await updateRun({ id, progress: 0.5, expectedVersion: 1 });
    expect(stale.userErrors[0]?.code).toBe("VERSION_CONFLICT");
    const failed = await updateRun({ id, status: "FAILED", failureReason: "disk full", expectedVersion: 2 });
    expect(failed.operationRun).toMatchObject({ status: "FAILED", failureReason: "disk full", version: 3 });
    expect((await auditActions(tenant.id)).slice(-3)).toEqual([
      "operation_run.started",
      "operation_run.updated",
      "operation_run.updated",
    ]);
    const { rows } = await server.database.pool.query("SELECT version FROM tenants WHERE id = $1", [tenant.id]);
    expect(rows[0]?.version).toBe(3); // run updates never touch the tenant's version
  });

  it.each([[-0.1], [1.5]])("refuses progress %d with INVALID_INPUT", async (progress) => {
    const tenant = await activeTenant(server);
    const result = await updateRun({ id: await queuedRun(server, tenant.id), progress });
    expect(result.userErrors).toEqual([
      expect.objectContaining({ code: "INVALID_INPUT", field: ["input", "progress"] }),
    ]);
  });

  it("replays an idempotent run update without a second change", async () => {
    const tenant = await activeTenant(server);
    const id = await queuedRun(server, tenant.id);
    const first = await updateRun({ id, status: "RUNNING", idempotencyKey: "run-key" });
    const again = await updateRun({ id, status: "RUNNING", idempotencyKey: "run-key" });
    expect(again).toEqual(first);
    expect((await auditActions(tenant.id)).filter((action) => action === "operation_run.updated")).toHaveLength(1);
  });

  it("starts DATA_EXPORT/MAINTENANCE runs only while the tenant is actionable, never ONBOARDING runs", async () => {
    const suspended = await activeTenant(server);
    await transition(server, suspended.id, "SUSPEND", { reason: "billing" });
    expect((await startRun({ tenantId: suspended.id, kind: "MAINTENANCE" })).userErrors[0]?.code).toBe(
      "PRECONDITION_FAILED",
    );
    const active = await activeTenant(server);
    expect((await startRun({ tenantId: active.id, kind: "ONBOARDING" })).userErrors[0]?.code).toBe("INVALID_INPUT");
    expect((await startRun({ tenantId: active.id, kind: "MAINTENANCE", summary: "vacuum" })).operationRun?.status).toBe(
      "QUEUED",
    );
    expect(
      (await startRun({ tenantId: "00000000-0000-4000-8000-000000000000", kind: "MAINTENANCE" })).userErrors[0]?.code,
    ).toBe("NOT_FOUND");
  });
});

describe("deprovisioning", () => {
  it("FINALIZE_DEPROVISION waits for a SUCCEEDED DEPROVISION run; a FAILED one can be retried by an operator", async () => {
    const tenant = await activeTenant(server);
    const begun = await transitionPayload({
      tenantId: tenant.id,
      transition: "BEGIN_DEPROVISION",
      reason: "contract ended",
    });
    expect(begun.operationRun).toMatchObject({ kind: "DEPROVISION", status: "QUEUED" });
    const firstRun = begun.operationRun?.id as string;

    const early = await transitionPayload({ tenantId: tenant.id, transition: "FINALIZE_DEPROVISION" });
    expect(early.userErrors[0]).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect(early.userErrors[0]?.message).toContain("QUEUED");

    expect((await startRun({ tenantId: tenant.id, kind: "DEPROVISION" })).userErrors[0]?.code).toBe(
      "PRECONDITION_FAILED",
    );
    await updateRun({ id: firstRun, status: "RUNNING" });
    await updateRun({ id: firstRun, status: "FAILED", failureReason: "bucket locked" });
    expect(
      (await transitionPayload({ tenantId: tenant.id, transition: "FINALIZE_DEPROVISION" })).userErrors[0]?.code,
    ).toBe("PRECONDITION_FAILED");

    const retry = await startRun({ tenantId: tenant.id, kind: "DEPROVISION" });
    expect(retry.operationRun?.status).toBe("QUEUED");
    await updateRun({ id: retry.operationRun?.id, status: "RUNNING" });
    await updateRun({ id: retry.operationRun?.id, status: "SUCCEEDED" });
    const finalized = await transitionPayload({ tenantId: tenant.id, transition: "FINALIZE_DEPROVISION" });
    expect(finalized.tenant?.status).toBe("DEPROVISIONED");
  });
});

describe("canonical viewer", () => {
  it("operators read runs of ARCHIVED tenants; tenant users no longer see them", async () => {
    const tenant = await activeTenant(server);
    const begun = await transitionPayload({ tenantId: tenant.id, transition: "BEGIN_DEPROVISION", reason: "bye" });
    const runId = begun.operationRun?.id as string;
    await updateRun({ id: runId, status: "RUNNING" });
    await updateRun({ id: runId, status: "SUCCEEDED" });
    await transition(server, tenant.id, "FINALIZE_DEPROVISION");
    await transition(server, tenant.id, "ARCHIVE", { reason: "retention over" });

    const query = `query($id: ID!) { operationRun(id: $id) { id status tenant { id status } } }`;
    const asOperatorData = await server.data<{ operationRun: { tenant: { status: string } } | null }>(
      query,
      { id: runId },
      asOperator,
    );
    expect(asOperatorData.operationRun?.tenant.status).toBe("ARCHIVED");
    const asWorkerData = await server.data<{ operationRun: unknown }>(query, { id: runId }, asWorker);
    expect(asWorkerData.operationRun).not.toBeNull();
    const asAdmin = await server.data<{ operationRun: unknown }>(query, { id: runId }, { as: tenantAdmin(tenant.id) });
    expect(asAdmin.operationRun).toBeNull();
  });

  it("a tenant admin of B gets null for A's run, even with A as remembered context", async () => {
    const a = await activeTenant(server);
    const b = await activeTenant(server);
    const runOfA = await queuedRun(server, a.id);
    const data = await server.data<{ operationRun: unknown; operationRuns: { totalCount: number } }>(
      `query($id: ID!, $a: ID) { operationRun(id: $id) { id } operationRuns(filter: { tenantId: $a }) { totalCount } }`,
      { id: runOfA, a: a.id },
      { as: tenantAdmin(b.id), headers: { "x-tenant-context": a.id } },
    );
    expect(data).toEqual({ operationRun: null, operationRuns: { totalCount: 0 } });
  });
});
