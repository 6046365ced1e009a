// The persistence enums are the domain's vocabulary; re-exported here so services and
// the schema import them from one place rather than from generated code paths.
export {
  ActorType,
  OnboardingStatus,
  OnboardingStep,
  OperationKind,
  OperationRunStatus,
  TenantStatus,
} from "../generated/prisma/enums.ts";
export type {
  AuditEvent as AuditEventRecord,
  OnboardingSession as OnboardingSessionRecord,
  OperationRun as OperationRunRecord,
  Tenant as TenantRecord,
} from "../generated/prisma/browser.ts";

/** Lifecycle transitions; the rules for each live in services/lifecycle/transition-table.ts. */
export const LifecycleTransition = {
  START_ONBOARDING: "START_ONBOARDING",
  ACTIVATE: "ACTIVATE",
  SUSPEND: "SUSPEND",
  REACTIVATE: "REACTIVATE",
  BEGIN_DEPROVISION: "BEGIN_DEPROVISION",
  FINALIZE_DEPROVISION: "FINALIZE_DEPROVISION",
  ARCHIVE: "ARCHIVE",
} as const;
export type LifecycleTransition = (typeof LifecycleTransition)[keyof typeof LifecycleTransition];
