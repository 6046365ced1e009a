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

/** The catalogued actions starting with `prefix` (every action for ""). */
export function auditActionsWithPrefix(prefix: string): AuditAction[] {
  return AUDIT_ACTIONS.filter((action) => action.startsWith(prefix));
}
