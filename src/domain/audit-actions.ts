// The catalog of audit actions: every event this service appends names one of them, and an
// action-prefix filter is answered from this list (one index range per action it matches) rather
// than by a LIKE scan that no index can keep in time order.
import { LifecycleTransition } from "./vocabulary.ts";

export const LIFECYCLE_ACTION_PREFIX = "tenant.lifecycle.";

/** The action a lifecycle transition records, e.g. tenant.lifecycle.start_onboarding. */
export function lifecycleAuditAction(transition: LifecycleTransition): LifecycleAuditAction {
  return `${LIFECYCLE_ACTION_PREFIX}${transition.toLowerCase() as Lowercase<LifecycleTransition>}`;
}

type LifecycleAuditAction = `tenant.lifecycle.${Lowercase<LifecycleTransition>}`;

export const AUDIT_ACTIONS = [
  "tenant.created",
  "tenant.updated",
  ...Object.values(LifecycleTransition).map(lifecycleAuditAction),
  "onboarding.step_completed",
  "operation_run.started",
  "operation_run.updated",
] as const;

export type AuditAction =
  | "tenant.created"
  | "tenant.updated"
  | LifecycleAuditAction
  | "onboarding.step_completed"
  | "operation_run.started"
  | "operation_run.updated";

/**
 * Platform-level facts published as events (docs/design.md §9): recorded in the platform audit
 * trail, belonging to no tenant. A checkpoint is one (design §4): its copies outside the database
 * are what expose a history rewritten after it.
 */
export const PLATFORM_EVENT_TYPES = ["audit.checkpoint.created"] as const;
export type PlatformEventType = (typeof PLATFORM_EVENT_TYPES)[number];

/** Every event type a subscriber can name (a webhook endpoint's eventTypes): one vocabulary. */
export const EVENT_TYPES: readonly string[] = [...AUDIT_ACTIONS, ...PLATFORM_EVENT_TYPES];

/** The catalogued actions starting with `prefix` (every action for ""). */
export function auditActionsWithPrefix(prefix: string): AuditAction[] {
  return AUDIT_ACTIONS.filter((action) => action.startsWith(prefix));
}
