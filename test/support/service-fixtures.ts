// Tenants built through the services themselves (as an operator and a worker would), and plain
// SQL reads of what the services wrote, for the service-level integration tests.
import { randomBytes } from "node:crypto";
import { AUDIT_COLUMNS, ONBOARDING_COLUMNS, RUN_COLUMNS, TENANT_COLUMNS } from "../../src/services/database/columns.ts";
import type { Outcome } from "../../src/services/errors.ts";
import { transitionTenant, type TransitionTenantInput } from "../../src/services/lifecycle/lifecycle-service.ts";
import { completeOnboardingStep } from "../../src/services/onboarding/onboarding-service.ts";
import { startOperationRun, updateOperationRun } from "../../src/services/operation-runs/run-service.ts";
import { createTenant } from "../../src/services/tenants/tenant-service.ts";
import type { UserError } from "../../src/domain/user-errors.ts";
import {
  OnboardingStep,
  OperationKind,
  OperationRunStatus,
  TenantStatus,
  type AuditEventRecord,
  type LifecycleTransition,
  type OnboardingSessionRecord,
  type OperationRunRecord,
  type TenantRecord,
} from "../../src/domain/vocabulary.ts";
import { personas } from "./personas.ts";
import type { ServiceDatabase } from "./service-context.ts";

export const ALL_STEPS: readonly OnboardingStep[] = Object.values(OnboardingStep);
export const ALL_STATUSES: readonly TenantStatus[] = Object.values(TenantStatus);

/** The value of a successful outcome; a failed one fails the test with its user errors. */
export function ok<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome.errors)}`);
  return outcome.value;
}

/** The user errors of a failed outcome; a success fails the test. */
export function refusal<T>(outcome: Outcome<T>): UserError[] {
  if (outcome.ok) throw new Error(`expected user errors, got success ${JSON.stringify(outcome.value).slice(0, 300)}`);
  return outcome.errors;
}

export function uniqueSlug(prefix = "svc"): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

export async function createDraft(db: ServiceDatabase, name = "Fixture"): Promise<TenantRecord> {
  const created = ok(await createTenant(db.context(personas.operator), { slug: uniqueSlug(), name }));
  if (!created.tenant) throw new Error("an operator's new tenant came back hidden");
  return created.tenant;
}

export async function transition(
  db: ServiceDatabase,
  tenantId: string,
  name: LifecycleTransition,
  extra: Omit<TransitionTenantInput, "tenantId" | "transition"> = {},
) {
  return ok(await transitionTenant(db.context(personas.operator), { tenantId, transition: name, ...extra }));
}

export async function completeSteps(
  db: ServiceDatabase,
  tenantId: string,
  steps: readonly OnboardingStep[] = ALL_STEPS,
): Promise<void> {
  for (const step of steps) ok(await completeOnboardingStep(db.context(personas.operator), { tenantId, step }));
}

export async function startRun(
  db: ServiceDatabase,
  tenantId: string,
  kind: OperationKind = OperationKind.DATA_EXPORT,
): Promise<OperationRunRecord> {
  const { operationRun } = ok(await startOperationRun(db.context(personas.operator), { tenantId, kind }));
  if (!operationRun) throw new Error("an operator's new run came back hidden");
  return operationRun;
}

/** Moves a run through these statuses as a worker would; returns it as it ends up. */
export async function moveRun(
  db: ServiceDatabase,
  runId: string,
  ...statuses: OperationRunStatus[]
): Promise<OperationRunRecord> {
  let run: OperationRunRecord | null = null;
  for (const status of statuses) {
    ({ operationRun: run } = ok(await updateOperationRun(db.context(personas.worker), { id: runId, status })));
  }
  if (!run) throw new Error("moveRun needs at least one status");
  return run;
}

/** A tenant's latest run of a kind, read behind the services' back. */
export async function latestRun(db: ServiceDatabase, tenantId: string, kind: OperationKind) {
  const [run] = await db.query<OperationRunRecord>(
    `SELECT ${RUN_COLUMNS} FROM operation_runs WHERE tenant_id = $1 AND kind = $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
    [tenantId, kind],
  );
  if (!run) throw new Error(`tenant ${tenantId} has no ${kind} run`);
  return run;
}

/**
 * A new tenant brought to `status` the ordinary way: DRAFT → ONBOARDING → (steps) ACTIVE →
 * SUSPENDED, or ACTIVE → DEPROVISIONING → (run succeeded) DEPROVISIONED; ARCHIVED from DRAFT.
 * `reason` is given to every transition on the way (so statusReason holds it at the end, where the
 * last transition takes one).
 */
export async function tenantIn(
  db: ServiceDatabase,
  status: TenantStatus,
  options: { reason?: string; name?: string } = {},
): Promise<TenantRecord> {
  const reason = options.reason ?? "fixture reason";
  const tenant = await createDraft(db, options.name);
  const go = (name: LifecycleTransition) => transition(db, tenant.id, name, { reason });
  switch (status) {
    case TenantStatus.DRAFT:
      break;
    case TenantStatus.ARCHIVED:
      await go("ARCHIVE");
      break;
    default: {
      await go("START_ONBOARDING");
      if (status === TenantStatus.ONBOARDING) break;
      await completeSteps(db, tenant.id);
      await go("ACTIVATE");
      if (status === TenantStatus.SUSPENDED) await go("SUSPEND");
      if (status === TenantStatus.DEPROVISIONING || status === TenantStatus.DEPROVISIONED) {
        await go("BEGIN_DEPROVISION");
      }
      if (status === TenantStatus.DEPROVISIONED) {
        const run = await latestRun(db, tenant.id, OperationKind.DEPROVISION);
        await moveRun(db, run.id, OperationRunStatus.RUNNING, OperationRunStatus.SUCCEEDED);
        await go("FINALIZE_DEPROVISION");
      }
    }
  }
  const current = await tenantRow(db, tenant.id);
  if (current.status !== status) throw new Error(`fixture reached ${current.status}, not ${status}`);
  return current;
}

// ---------------------------------------------------------------- what is stored

export async function tenantRow(db: ServiceDatabase, tenantId: string): Promise<TenantRecord> {
  const [tenant] = await db.query<TenantRecord>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [tenantId]);
  if (!tenant) throw new Error(`no tenant ${tenantId}`);
  return tenant;
}

export function auditEventsOf(db: ServiceDatabase, tenantId: string): Promise<AuditEventRecord[]> {
  return db.query<AuditEventRecord>(
    `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE tenant_id = $1 ORDER BY sequence`,
    [tenantId],
  );
}

export function runsOf(db: ServiceDatabase, tenantId: string): Promise<OperationRunRecord[]> {
  return db.query<OperationRunRecord>(
    `SELECT ${RUN_COLUMNS} FROM operation_runs WHERE tenant_id = $1 ORDER BY created_at, id`,
    [tenantId],
  );
}

export async function sessionOf(db: ServiceDatabase, tenantId: string): Promise<OnboardingSessionRecord | null> {
  const [session] = await db.query<OnboardingSessionRecord>(
    `SELECT ${ONBOARDING_COLUMNS} FROM onboarding_sessions WHERE tenant_id = $1`,
    [tenantId],
  );
  return session ?? null;
}

/** Everything the services keep about one tenant: equal before and after means nothing was written. */
export async function footprint(db: ServiceDatabase, tenantId: string) {
  return {
    tenant: await tenantRow(db, tenantId),
    events: await auditEventsOf(db, tenantId),
    runs: await runsOf(db, tenantId),
    session: await sessionOf(db, tenantId),
  };
}
