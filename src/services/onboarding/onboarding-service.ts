import { change } from "../audit/audit-store.ts";
import { presentSession, presentTenant, type Presented } from "../authorization/presentation.ts";
import { stepCompletionBlocked } from "../../domain/tenant-actions.ts";
import {
  OnboardingStatus,
  OnboardingStep,
  type OnboardingSessionRecord,
  type TenantRecord,
} from "../../domain/vocabulary.ts";
import { fail, succeed, type Outcome } from "../errors.ts";
import { defineMutation } from "../mutation.ts";
import type { ServiceContext } from "../service-context.ts";
import { readTenant } from "../tenants/tenant-store.ts";
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
  tenant: Presented<TenantRecord>,
): Promise<Presented<OnboardingSessionRecord> | null> {
  return presentSession(tenant, await context.read.sessions.byTenantId.load(tenant.id));
}

export interface CompleteOnboardingStepInput {
  tenantId: string;
  step: OnboardingStep;
  idempotencyKey?: string | null;
}

interface StepResult {
  onboarding: OnboardingSessionRecord;
  tenant: TenantRecord;
}

export interface CompleteOnboardingStepPayload {
  onboarding: Presented<OnboardingSessionRecord> | null;
  tenant: Presented<TenantRecord> | null;
}

/** Steps complete in any order; completing one twice is a success that writes nothing. */
export const completeOnboardingStep = defineMutation({
  write: "completeOnboardingStep",
  validate: (input: CompleteOnboardingStepInput) => succeed(input),
  tenantToWrite: (tx, valid) => readTenant(tx, valid.tenantId),
  tenantIdIn: (valid) => valid.tenantId,
  notFound: { code: "NOT_FOUND", message: "Tenant not found", field: ["input", "tenantId"] },
  async work({ tx, valid, tenant, audit }): Promise<Outcome<StepResult>> {
    const session = await findOnboardingSession(tx, tenant.id);
    const blocked = stepCompletionBlocked({ status: tenant.status, onboardingStatus: session?.status ?? null });
    if (blocked || !session)
      return fail("PRECONDITION_FAILED", blocked ?? "No onboarding session", ["input", "tenantId"]);
    if (session.completedSteps.includes(valid.step)) return succeed({ onboarding: session, tenant });
    const completedSteps = ONBOARDING_STEPS.filter(
      (step) => step === valid.step || session.completedSteps.includes(step),
    );
    const onboarding = await setCompletedSteps(tx, session.id, completedSteps);
    await audit({
      action: "onboarding.step_completed",
      reason: null,
      changes: { completedSteps: change([...session.completedSteps], [...completedSteps]) },
    });
    return succeed({ onboarding, tenant });
  },
  tenantOf: (result) => result.tenant.id,
  present(viewer, result): CompleteOnboardingStepPayload {
    const tenant = presentTenant(viewer, result.tenant);
    return { tenant, onboarding: tenant && presentSession(tenant, result.onboarding) };
  },
});
