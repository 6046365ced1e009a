import { change, type AuditChanges } from "../audit/audit-store.ts";
import { holdsWriteCapability } from "../authorization/tenant-access.ts";
import {
  factsNeeded,
  judgeTenantActions,
  type TenantActionFacts,
  type TenantActionJudgement,
} from "../../domain/tenant-actions.ts";
import type { TenantWrite } from "../../domain/capabilities.ts";
import { presentRun, type Presented } from "../authorization/presentation.ts";
import type { Principal } from "../../domain/principal.ts";
import type { SqlTransaction } from "../database/sql.ts";
import {
  OnboardingStatus,
  OperationKind,
  OperationRunStatus,
  TenantStatus,
  type LifecycleTransition,
  type OnboardingSessionRecord,
  type OperationRunRecord,
  type TenantRecord,
} from "../../domain/vocabulary.ts";
import { fail, succeed, type Outcome } from "../errors.ts";
import { defineMutation } from "../mutation.ts";
import { findOnboardingSession, finishOnboardingSession, openOnboardingSession } from "../onboarding/session-store.ts";
import { closeOpenRuns, latestRunStatus, openOperationRun } from "../operation-runs/run-store.ts";
import type { UserError } from "../../domain/user-errors.ts";
import type { ServiceContext } from "../service-context.ts";
import { presentChange, type TenantChange, type TenantChangePayload } from "../tenants/tenant-service.ts";
import { readTenant, setTenantStatus } from "../tenants/tenant-store.ts";
import { TEXT_LIMITS, validateText } from "../text.ts";
import { lifecycleAuditAction } from "../../domain/audit-actions.ts";
import { deriveOperability, type TenantOperability } from "../../domain/operability.ts";
import {
  checkGuard,
  TRANSITION_TABLE,
  transitionsLeaving,
  type GuardFacts,
  type TransitionRule,
  type TransitionSideEffect,
} from "../../domain/transition-table.ts";

export interface TransitionTenantInput {
  tenantId: string;
  transition: LifecycleTransition;
  reason?: string | null;
  statusMessage?: string | null;
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

interface ValidTransition {
  tenantId: string;
  rule: TransitionRule;
  reason: string | null;
  statusMessage: string | null;
  expectedVersion?: number | null;
}

interface TransitionResult extends TenantChange {
  /** The run this transition opened or closed, if any. */
  operationRun: OperationRunRecord | null;
}

export interface TransitionPayload extends TenantChangePayload {
  operationRun: Presented<OperationRunRecord> | null;
}

export const transitionTenant = defineMutation({
  write: "transitionTenant",
  validate(input: TransitionTenantInput): Outcome<ValidTransition> {
    const reason = validateText(input.reason, {
      field: ["input", "reason"],
      label: "reason",
      maxLength: TEXT_LIMITS.reason,
    });
    const statusMessage = validateText(input.statusMessage, {
      field: ["input", "statusMessage"],
      label: "statusMessage",
      maxLength: TEXT_LIMITS.statusMessage,
    });
    const errors: UserError[] = [reason, statusMessage].flatMap((text) => ("error" in text ? [text.error] : []));
    if ("error" in reason || "error" in statusMessage) return { ok: false, errors };
    return succeed({
      tenantId: input.tenantId,
      rule: TRANSITION_TABLE[input.transition],
      reason: reason.value,
      statusMessage: statusMessage.value,
      expectedVersion: input.expectedVersion,
    });
  },
  tenantToWrite: (tx, valid) => readTenant(tx, valid.tenantId),
  tenantIdIn: (valid) => valid.tenantId,
  notFound: { code: "NOT_FOUND", message: "Tenant not found", field: ["input", "tenantId"] },
  expectedVersion: (valid) => valid.expectedVersion,
  async work({ tx, viewer, valid, tenant: current, audit }): Promise<Outcome<TransitionResult>> {
    const { rule, reason, statusMessage } = valid;
    if (!rule.from.includes(current.status)) {
      return fail(
        "INVALID_TRANSITION",
        `${rule.transition} does not leave ${current.status} (it leaves ${rule.from.join(", ")})`,
        ["input", "transition"],
      );
    }
    if (rule.reasonRequired && reason === null) {
      return fail("REASON_REQUIRED", `${rule.transition} requires a reason`, ["input", "reason"]);
    }
    const guardFailure = checkGuard(rule.guard, await loadGuardFacts(tx, current.id, rule));
    if (guardFailure !== null) return fail("PRECONDITION_FAILED", guardFailure, ["input", "transition"]);

    const tenant = await setTenantStatus(tx, current.id, {
      status: rule.to,
      statusReason: reason,
      statusMessage,
      at: new Date(),
    });
    const changes: AuditChanges = {
      status: change(current.status, tenant.status),
      statusReason: change(current.statusReason, tenant.statusReason),
      statusMessage: change(current.statusMessage, tenant.statusMessage),
      version: change(current.version, tenant.version),
    };
    const operationRun = await applySideEffects(tx, viewer.principal, tenant, rule.sideEffects, changes);
    const auditEvent = await audit({ action: lifecycleAuditAction(rule.transition), reason, changes });
    return succeed({ tenant, auditEvent, operationRun });
  },
  tenantOf: (result) => result.tenant.id,
  present: (viewer, result): TransitionPayload => ({
    ...presentChange(viewer, result),
    operationRun: presentRun(viewer, result.operationRun, result.tenant),
  }),
});

async function loadGuardFacts(tx: SqlTransaction, tenantId: string, rule: TransitionRule): Promise<GuardFacts> {
  const facts: GuardFacts = { completedOnboardingSteps: [], latestDeprovisionRunStatus: null };
  if (rule.guard === "allOnboardingStepsCompleted") {
    facts.completedOnboardingSteps = (await findOnboardingSession(tx, tenantId))?.completedSteps ?? [];
  }
  if (rule.guard === "latestDeprovisionRunSucceeded") {
    facts.latestDeprovisionRunStatus = await latestRunStatus(tx, tenantId, OperationKind.DEPROVISION);
  }
  return facts;
}

function sessionChange(before: OnboardingSessionRecord | null, after: OnboardingSessionRecord) {
  return change(before ? { id: before.id, status: before.status } : null, { id: after.id, status: after.status });
}

/** Executes a rule's side effects in the transition's transaction; records each in `changes`. */
async function applySideEffects(
  tx: SqlTransaction,
  initiator: Principal,
  tenant: TenantRecord,
  sideEffects: readonly TransitionSideEffect[],
  changes: AuditChanges,
): Promise<OperationRunRecord | null> {
  let touchedRun: OperationRunRecord | null = null;
  for (const effect of sideEffects) {
    switch (effect.kind) {
      case "openOnboardingSession": {
        const session = await openOnboardingSession(tx, tenant.id);
        changes["onboardingSession"] = sessionChange(null, session);
        break;
      }
      case "completeOnboardingSession":
      case "abandonOnboardingSession": {
        const status =
          effect.kind === "completeOnboardingSession" ? OnboardingStatus.COMPLETED : OnboardingStatus.ABANDONED;
        const finished = await finishOnboardingSession(tx, tenant.id, status);
        if (finished) changes["onboardingSession"] = sessionChange(finished.before, finished.after);
        break;
      }
      case "openOperationRun": {
        touchedRun = await openOperationRun(tx, initiator, {
          tenantId: tenant.id,
          kind: effect.runKind,
          status: effect.status,
        });
        changes["operationRuns"] = [{ id: touchedRun.id, kind: touchedRun.kind, from: null, to: touchedRun.status }];
        break;
      }
      case "succeedOpenRuns":
      case "cancelOpenRuns": {
        const closed =
          effect.kind === "succeedOpenRuns"
            ? await closeOpenRuns(tx, tenant.id, { kind: effect.runKind, to: OperationRunStatus.SUCCEEDED })
            : await closeOpenRuns(tx, tenant.id, { to: OperationRunStatus.CANCELLED });
        if (closed.length > 0) {
          changes["operationRuns"] = closed.map((run) => ({ id: run.id, kind: run.kind, to: run.status }));
          touchedRun = closed[0] ?? null;
        }
        break;
      }
    }
  }
  return touchedRun;
}

export interface AvailableTransition {
  transition: LifecycleTransition;
  to: TenantRecord["status"];
  reasonRequired: boolean;
  permitted: boolean;
  blockedReason: string | null;
}

/**
 * Transitions leaving the tenant's status, judged for this viewer. Guard facts come from the
 * request's batch loaders, so a page of tenants costs no statement per tenant; when no guard
 * needs a fact the answer is synchronous, because graphql-js completes a page without promise
 * bookkeeping only while its fields return plain values (bench scenario (b)).
 */
export function getAvailableTransitions(
  context: ServiceContext,
  tenant: Pick<TenantRecord, "id" | "status">,
): AvailableTransition[] | Promise<AvailableTransition[]> {
  const { viewer, read } = context;
  const mayTransition = holdsWriteCapability(viewer, "transitionTenant");
  const leaving = transitionsLeaving(tenant.status);
  const guards = new Set(mayTransition ? leaving.map((rule) => rule.guard) : []);
  const judge = (facts: GuardFacts) => judgeTransitions(leaving, mayTransition, facts);
  const needsSession = guards.has("allOnboardingStepsCompleted");
  const needsDeprovisionRun = guards.has("latestDeprovisionRunSucceeded");
  if (!needsSession && !needsDeprovisionRun) {
    return judge({ completedOnboardingSteps: [], latestDeprovisionRunStatus: null });
  }
  return Promise.all([
    needsSession ? read.sessions.byTenantId.load(tenant.id) : null,
    needsDeprovisionRun ? read.runs.latestDeprovisionStatus.load(tenant.id) : null,
  ]).then(([session, latestDeprovisionRunStatus]) =>
    judge({ completedOnboardingSteps: session?.completedSteps ?? [], latestDeprovisionRunStatus }),
  );
}

/** Each transition leaving a status, permitted or with the reason it is blocked (capability first, then guard). */
export function judgeTransitions(
  leaving: readonly TransitionRule[],
  mayTransition: boolean,
  facts: GuardFacts,
): AvailableTransition[] {
  return leaving.map((rule) => {
    const blockedReason = !mayTransition
      ? "You do not have permission to change this tenant's lifecycle"
      : checkGuard(rule.guard, facts);
    return {
      transition: rule.transition,
      to: rule.to,
      reasonRequired: rule.reasonRequired,
      permitted: blockedReason === null,
      blockedReason,
    };
  });
}

/**
 * The actions beyond transitions (rename, change slug, start each run kind, complete each step),
 * judged for this viewer as `getAvailableTransitions` judges transitions: the capability table
 * first, then the write's own rule (domain/tenant-actions.ts), with facts from the request's
 * batch loaders — loaded only in the statuses whose rules read them.
 */
export function getAllowedActions(
  context: ServiceContext,
  tenant: Pick<TenantRecord, "id" | "status">,
): TenantActionJudgement[] | Promise<TenantActionJudgement[]> {
  const { viewer, read } = context;
  const mayWrite = (write: TenantWrite) => holdsWriteCapability(viewer, write);
  const needs = factsNeeded(tenant.status);
  const judge = (facts: Pick<TenantActionFacts, "onboardingStatus" | "latestDeprovisionRunStatus">) =>
    judgeTenantActions(mayWrite, { status: tenant.status, tenantUser: viewer.tenantScope !== null, ...facts });
  if (needs.size === 0) return judge({ onboardingStatus: null, latestDeprovisionRunStatus: null });
  return Promise.all([
    needs.has("onboardingSession") ? read.sessions.byTenantId.load(tenant.id) : null,
    needs.has("latestDeprovisionRun") ? read.runs.latestDeprovisionStatus.load(tenant.id) : null,
  ]).then(([session, latestDeprovisionRunStatus]) =>
    judge({ onboardingStatus: session?.status ?? null, latestDeprovisionRunStatus }),
  );
}

/** Operability of a tenant the viewer sees; the session is only needed (and loaded) while ONBOARDING. */
export function getOperability(
  context: ServiceContext,
  tenant: Pick<TenantRecord, "id" | "status">,
): TenantOperability | Promise<TenantOperability> {
  if (tenant.status !== TenantStatus.ONBOARDING) return deriveOperability(tenant.status, null);
  return context.read.sessions.byTenantId
    .load(tenant.id)
    .then((session) => deriveOperability(tenant.status, session?.status ?? null));
}
