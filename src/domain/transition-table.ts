import { LifecycleTransition, OnboardingStep, OperationKind, OperationRunStatus, TenantStatus } from "./vocabulary.ts";

/** What a transition does besides changing status; executed by the lifecycle service in the same transaction. */
export type TransitionSideEffect =
  | { kind: "openOnboardingSession" }
  | { kind: "openOperationRun"; runKind: OperationKind; status: OperationRunStatus }
  | { kind: "completeOnboardingSession" }
  | { kind: "succeedOpenRuns"; runKind: OperationKind }
  | { kind: "abandonOnboardingSession" }
  | { kind: "cancelOpenRuns" };

export type TransitionGuard = "allOnboardingStepsCompleted" | "latestDeprovisionRunSucceeded";

export interface TransitionRule {
  transition: LifecycleTransition;
  from: readonly TenantStatus[];
  to: TenantStatus;
  reasonRequired: boolean;
  guard: TransitionGuard | null;
  sideEffects: readonly TransitionSideEffect[];
}

/** Human-readable guards, as `Query.lifecycleTransitions` shows them. */
export const GUARD_DESCRIPTIONS: Record<TransitionGuard, string> = {
  allOnboardingStepsCompleted: `every onboarding step (${Object.values(OnboardingStep).join(", ")}) completed`,
  latestDeprovisionRunSucceeded: "the latest DEPROVISION operation run is SUCCEEDED",
};

/**
 * The tenant lifecycle state machine (docs/design.md §2): the only source of truth. The mutation,
 * `availableTransitions`, `Query.lifecycleTransitions`, the docs and the tests all read it.
 */
export const TRANSITION_TABLE: Readonly<Record<LifecycleTransition, TransitionRule>> = {
  START_ONBOARDING: {
    transition: LifecycleTransition.START_ONBOARDING,
    from: [TenantStatus.DRAFT],
    to: TenantStatus.ONBOARDING,
    reasonRequired: false,
    guard: null,
    sideEffects: [
      { kind: "openOnboardingSession" },
      { kind: "openOperationRun", runKind: OperationKind.ONBOARDING, status: OperationRunStatus.RUNNING },
    ],
  },
  ACTIVATE: {
    transition: LifecycleTransition.ACTIVATE,
    from: [TenantStatus.ONBOARDING],
    to: TenantStatus.ACTIVE,
    reasonRequired: false,
    guard: "allOnboardingStepsCompleted",
    sideEffects: [
      { kind: "completeOnboardingSession" },
      { kind: "succeedOpenRuns", runKind: OperationKind.ONBOARDING },
    ],
  },
  SUSPEND: {
    transition: LifecycleTransition.SUSPEND,
    from: [TenantStatus.ACTIVE],
    to: TenantStatus.SUSPENDED,
    reasonRequired: true,
    guard: null,
    sideEffects: [],
  },
  REACTIVATE: {
    transition: LifecycleTransition.REACTIVATE,
    from: [TenantStatus.SUSPENDED],
    to: TenantStatus.ACTIVE,
    reasonRequired: false,
    guard: null,
    sideEffects: [],
  },
  BEGIN_DEPROVISION: {
    transition: LifecycleTransition.BEGIN_DEPROVISION,
    from: [TenantStatus.ACTIVE, TenantStatus.SUSPENDED],
    to: TenantStatus.DEPROVISIONING,
    reasonRequired: true,
    guard: null,
    sideEffects: [{ kind: "openOperationRun", runKind: OperationKind.DEPROVISION, status: OperationRunStatus.QUEUED }],
  },
  FINALIZE_DEPROVISION: {
    transition: LifecycleTransition.FINALIZE_DEPROVISION,
    from: [TenantStatus.DEPROVISIONING],
    to: TenantStatus.DEPROVISIONED,
    reasonRequired: false,
    guard: "latestDeprovisionRunSucceeded",
    sideEffects: [],
  },
  ARCHIVE: {
    transition: LifecycleTransition.ARCHIVE,
    from: [TenantStatus.DRAFT, TenantStatus.ONBOARDING, TenantStatus.DEPROVISIONED],
    to: TenantStatus.ARCHIVED,
    reasonRequired: true,
    guard: null,
    sideEffects: [{ kind: "abandonOnboardingSession" }, { kind: "cancelOpenRuns" }],
  },
};

export const TRANSITION_RULES: readonly TransitionRule[] = Object.values(TRANSITION_TABLE);

export function transitionsLeaving(status: TenantStatus): TransitionRule[] {
  return TRANSITION_RULES.filter((rule) => rule.from.includes(status));
}

/** The facts guards are judged on; loaded by the lifecycle service under the tenant's row lock. */
export interface GuardFacts {
  completedOnboardingSteps: readonly OnboardingStep[];
  latestDeprovisionRunStatus: OperationRunStatus | null;
}

/** null when the guard passes, else a message naming what is missing. */
export function checkGuard(guard: TransitionGuard | null, facts: GuardFacts): string | null {
  switch (guard) {
    case null:
      return null;
    case "allOnboardingStepsCompleted": {
      const missing = Object.values(OnboardingStep).filter((step) => !facts.completedOnboardingSteps.includes(step));
      return missing.length === 0 ? null : `Onboarding steps not completed: ${missing.join(", ")}`;
    }
    case "latestDeprovisionRunSucceeded":
      return facts.latestDeprovisionRunStatus === OperationRunStatus.SUCCEEDED
        ? null
        : facts.latestDeprovisionRunStatus === null
          ? "No DEPROVISION operation run exists"
          : `The latest DEPROVISION operation run is ${facts.latestDeprovisionRunStatus}, not SUCCEEDED`;
  }
}
