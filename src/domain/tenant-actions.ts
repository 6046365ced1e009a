// What a viewer may do to a tenant beyond lifecycle transitions, each action with the write it
// takes from the capability table and the rule the write itself applies: the one place that
// says why an action is blocked. `Tenant.allowedActions` reads it, and the writes refuse with
// the same words (services/tenants, services/operation-runs, services/onboarding).
import { TENANT_WRITES, type TenantWrite } from "./capabilities.ts";
import { deriveOperability } from "./operability.ts";
import { isFinalRunStatus } from "./run-states.ts";
import { OnboardingStatus, OnboardingStep, OperationKind, OperationRunStatus, TenantStatus } from "./vocabulary.ts";

/** What the rules read about the tenant; facts a rule does not need may be left null. */
export interface TenantActionFacts {
  status: TenantStatus;
  /** Whether the viewer acts as a user of this tenant (its rules are stricter than an operator's). */
  tenantUser: boolean;
  /** The onboarding session's status (while ONBOARDING). */
  onboardingStatus: OnboardingStatus | null;
  /** The latest DEPROVISION run's status (while DEPROVISIONING). */
  latestDeprovisionRunStatus: OperationRunStatus | null;
}

/** The facts beyond the status an action's rule needs loaded. */
export type FactNeed = "onboardingSession" | "latestDeprovisionRun";

interface ActionRule {
  write: TenantWrite;
  /** Null when the write would be accepted, else why not (the write's own refusal message). */
  blocked(facts: TenantActionFacts): string | null;
  needs(status: TenantStatus): FactNeed | null;
}

/** A tenant's users change it only while it is actionable; operators at any time. */
export function tenantChangeBlocked(facts: Pick<TenantActionFacts, "status" | "tenantUser">): string | null {
  return facts.tenantUser && !deriveOperability(facts.status, null).actionable
    ? `A ${facts.status} tenant cannot be changed by its users`
    : null;
}

/** Why a run of `kind` cannot be started on the tenant now, or null. */
export function runStartBlocked(
  kind: OperationKind,
  facts: Pick<TenantActionFacts, "status" | "latestDeprovisionRunStatus">,
): string | null {
  if (kind === OperationKind.ONBOARDING) return "ONBOARDING runs are opened by the START_ONBOARDING transition";
  if (kind === OperationKind.DEPROVISION) {
    if (facts.status !== TenantStatus.DEPROVISIONING) {
      return `A DEPROVISION run can only be started while the tenant is DEPROVISIONING (it is ${facts.status})`;
    }
    // A retry (docs/design.md §2): only after the latest one FAILED or was CANCELLED. One that
    // SUCCEEDED is what FINALIZE_DEPROVISION waits for; a new run would hide it.
    const latest = facts.latestDeprovisionRunStatus;
    if (latest !== null && !isFinalRunStatus(latest)) return "A DEPROVISION run is already open for this tenant";
    if (latest === OperationRunStatus.SUCCEEDED) {
      return "The latest DEPROVISION run SUCCEEDED: finalize the deprovisioning instead of starting another";
    }
    return null;
  }
  return deriveOperability(facts.status, null).actionable
    ? null
    : `Operation runs cannot be started while the tenant is ${facts.status}`;
}

/** Why no onboarding step can be completed now, or null (completing a completed step is a no-op success). */
export function stepCompletionBlocked(facts: Pick<TenantActionFacts, "status" | "onboardingStatus">): string | null {
  return facts.status !== TenantStatus.ONBOARDING || facts.onboardingStatus !== OnboardingStatus.IN_PROGRESS
    ? `Onboarding steps can only be completed while the tenant is ONBOARDING (it is ${facts.status})`
    : null;
}

const runKinds = Object.values(OperationKind);
const steps = Object.values(OnboardingStep);

const runActions = Object.fromEntries(
  runKinds.map((kind): [string, ActionRule] => [
    `START_RUN_${kind}`,
    {
      write: "startOperationRun",
      blocked: (facts) => runStartBlocked(kind, facts),
      needs: (status) =>
        kind === OperationKind.DEPROVISION && status === TenantStatus.DEPROVISIONING ? "latestDeprovisionRun" : null,
    },
  ]),
) as Record<`START_RUN_${OperationKind}`, ActionRule>;

const stepActions = Object.fromEntries(
  steps.map((step): [string, ActionRule] => [
    `COMPLETE_ONBOARDING_STEP_${step}`,
    {
      write: "completeOnboardingStep",
      blocked: stepCompletionBlocked,
      needs: (status) => (status === TenantStatus.ONBOARDING ? "onboardingSession" : null),
    },
  ]),
) as Record<`COMPLETE_ONBOARDING_STEP_${OnboardingStep}`, ActionRule>;

/** Every action, in the order a dashboard lists them. */
export const TENANT_ACTIONS: Readonly<Record<TenantActionKind, ActionRule>> = {
  RENAME: { write: "updateTenant", blocked: tenantChangeBlocked, needs: () => null },
  CHANGE_SLUG: { write: "changeSlug", blocked: () => null, needs: () => null },
  ...runActions,
  ...stepActions,
  // Endpoints belong to no tenant, so no tenant state blocks them: the capability alone decides.
  MANAGE_WEBHOOKS: { write: "manageWebhooks", blocked: () => null, needs: () => null },
};

export type TenantActionKind =
  | "RENAME"
  | "CHANGE_SLUG"
  | `START_RUN_${OperationKind}`
  | `COMPLETE_ONBOARDING_STEP_${OnboardingStep}`
  | "MANAGE_WEBHOOKS";

export const TENANT_ACTION_KINDS = Object.keys(TENANT_ACTIONS) as readonly TenantActionKind[];

export interface TenantActionJudgement {
  action: TenantActionKind;
  permitted: boolean;
  blockedReason: string | null;
}

/** What the viewer lacks when it may not make the write at all. */
export function missingPermission(write: TenantWrite): string {
  return TENANT_WRITES[write].tenant === null
    ? "Only platform operators may do this"
    : "You do not have permission to do this";
}

/** The facts the actions' rules need for a tenant in `status`. */
export function factsNeeded(status: TenantStatus): Set<FactNeed> {
  return new Set(
    TENANT_ACTION_KINDS.flatMap((kind) => {
      const need = TENANT_ACTIONS[kind].needs(status);
      return need ? [need] : [];
    }),
  );
}

/**
 * Every action judged for a viewer: blocked first by the capability the write takes
 * (`mayWrite`, from the capability table), then by the write's own rule.
 */
export function judgeTenantActions(
  mayWrite: (write: TenantWrite) => boolean,
  facts: TenantActionFacts,
): TenantActionJudgement[] {
  return TENANT_ACTION_KINDS.map((action) => {
    const rule = TENANT_ACTIONS[action];
    const blockedReason = mayWrite(rule.write) ? rule.blocked(facts) : missingPermission(rule.write);
    return { action, permitted: blockedReason === null, blockedReason };
  });
}
