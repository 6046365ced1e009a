import { appendAuditEvent, change } from "../audit/audit-store.ts";
import { requireWriteCapability } from "../authorization/guards.ts";
import { maskTenant } from "../authorization/masking.ts";
import {
  OnboardingStatus,
  OnboardingStep,
  TenantStatus,
  type OnboardingSessionRecord,
  type TenantRecord,
} from "../domain-types.ts";
import { fail, succeed, type Outcome } from "../errors.ts";
import { runMutation } from "../mutation-runner.ts";
import type { ServiceContext } from "../service-context.ts";
import { canWrite } from "../tenants/tenant-service.ts";
import { lockTenant } from "../tenants/tenant-store.ts";
import { findOnboardingSession, setCompletedSteps } from "./session-store.ts";

export const ONBOARDING_STEPS: readonly OnboardingStep[] = Object.values(OnboardingStep);

/** First step not yet completed, in the canonical order; null when all are. */
export function currentOnboardingStep(session: Pick<OnboardingSessionRecord, "completedSteps">): OnboardingStep | null {
  return ONBOARDING_STEPS.find((step) => !session.completedSteps.includes(step)) ?? null;
}

export function isSessionResumable(session: Pick<OnboardingSessionRecord, "status">): boolean {
  return session.status === OnboardingStatus.IN_PROGRESS;
}

/** The session of a tenant the viewer already sees (batched per request). */
export async function getOnboardingSession(
  context: ServiceContext,
  tenant: Pick<TenantRecord, "id">,
): Promise<OnboardingSessionRecord | null> {
  return context.read.sessions.byTenantId.load(tenant.id);
}

export interface CompleteOnboardingStepInput {
  tenantId: string;
  step: OnboardingStep;
  idempotencyKey?: string | null;
}

export interface CompleteOnboardingStepPayload {
  onboarding: OnboardingSessionRecord;
  tenant: TenantRecord;
}

/** Steps complete in any order; completing one twice is a success that writes nothing. */
export async function completeOnboardingStep(
  context: ServiceContext,
  input: CompleteOnboardingStepInput,
): Promise<Outcome<CompleteOnboardingStepPayload>> {
  const { viewer } = context;
  requireWriteCapability(viewer, ["administerTenants", "administerOwnTenant"]);
  const spec = { name: "completeOnboardingStep", input: { ...input }, idempotencyKey: input.idempotencyKey };
  const outcome = await runMutation(context, spec, async (tx) => {
    const tenant = await lockTenant(tx, input.tenantId);
    if (!tenant || !canWrite(viewer, tenant)) return fail("NOT_FOUND", "Tenant not found", ["input", "tenantId"]);
    const session = await findOnboardingSession(tx, tenant.id);
    if (tenant.status !== TenantStatus.ONBOARDING || !session || session.status !== OnboardingStatus.IN_PROGRESS) {
      return fail(
        "PRECONDITION_FAILED",
        `Onboarding steps can only be completed while the tenant is ONBOARDING (it is ${tenant.status})`,
        ["input", "tenantId"],
      );
    }
    if (session.completedSteps.includes(input.step)) return succeed({ onboarding: session, tenant });
    const completedSteps = ONBOARDING_STEPS.filter(
      (step) => step === input.step || session.completedSteps.includes(step),
    );
    const onboarding = await setCompletedSteps(tx, session.id, completedSteps);
    await appendAuditEvent(tx, context, {
      tenantId: tenant.id,
      action: "onboarding.step_completed",
      reason: null,
      changes: { completedSteps: change([...session.completedSteps], [...completedSteps]) },
    });
    return succeed({ onboarding, tenant });
  });
  if (!outcome.ok) return outcome;
  return succeed({ onboarding: outcome.value.onboarding, tenant: maskTenant(viewer, outcome.value.tenant) });
}
