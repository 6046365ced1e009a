// The persistence enums are the domain's vocabulary; re-exported here so services and
// the schema import them from one place rather than from generated code paths.
export {
  ActorType,
  OnboardingStatus,
  OnboardingStep,
  OperationKind,
  OperationRunStatus,
  TenantStatus,
  WebhookDeliveryStatus,
} from "../generated/prisma/enums.ts";
import type { AuditEvent } from "../generated/prisma/browser.ts";

/**
 * An audit event as services use it. Its feed position is the event feed's business alone
 * (services/events, read there as text: an int8 the driver returns as a string).
 */
export type AuditEventRecord = Omit<AuditEvent, "position">;
export type {
  OnboardingSession as OnboardingSessionRecord,
  OperationRun as OperationRunRecord,
  PlatformAuditEvent as PlatformAuditEventRecord,
  Tenant as TenantRecord,
  WebhookAttempt as WebhookAttemptRecord,
  WebhookDelivery as WebhookDeliveryRecord,
  WebhookEndpoint as WebhookEndpointRecord,
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
