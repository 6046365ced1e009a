// Resolvers of the lifecycle family: TenantLifecycle's derived fields, the rules as data,
// and transitionTenant.
import type { GraphQLResolveInfo } from "graphql";
import { TENANT_STATUS_BADGES, type StatusBadge } from "../domain/badge-catalog.ts";
import { GUARD_DESCRIPTIONS, TRANSITION_RULES, type TransitionRule } from "../domain/transition-table.ts";
import { LIFECYCLE_ACTION_PREFIX } from "../domain/audit-actions.ts";
import { listTenantAuditEvents } from "../services/audit/audit-service.ts";
import {
  getAvailableTransitions,
  getOperability,
  transitionTenant,
  type AvailableTransition,
  type TransitionPayload,
  type TransitionTenantInput,
} from "../services/lifecycle/lifecycle-service.ts";
import { pageArgs, toConnection, toPayload, type ConnectionArgs, type Payload } from "./connection.ts";
import { servicesOf, type GraphQLContext } from "./context.ts";
import type { TenantParent } from "./tenant.ts";

export type { AvailableTransition, TransitionRule, TransitionTenantInput };
export type TransitionPayloadParent = Payload<TransitionPayload>;

export const lifecycleBadge = (tenant: TenantParent): StatusBadge => TENANT_STATUS_BADGES[tenant.status];

export const lifecycleOperability = (tenant: TenantParent, _args: unknown, context: GraphQLContext) =>
  getOperability(servicesOf(context), tenant);

export const lifecycleAvailableTransitions = (tenant: TenantParent, _args: unknown, context: GraphQLContext) =>
  getAvailableTransitions(servicesOf(context), tenant);

export async function lifecycleHistory(
  tenant: TenantParent,
  args: ConnectionArgs,
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) {
  return toConnection(
    await listTenantAuditEvents(servicesOf(context), tenant, {
      ...pageArgs(args, info),
      actionPrefix: LIFECYCLE_ACTION_PREFIX,
    }),
  );
}

export const lifecycleRules = (): TransitionRule[] => [...TRANSITION_RULES];

export const ruleGuard = (rule: TransitionRule): string | null => (rule.guard ? GUARD_DESCRIPTIONS[rule.guard] : null);

export async function transitionTenantMutation(
  _root: unknown,
  { input }: { input: TransitionTenantInput },
  context: GraphQLContext,
) {
  const outcome = await transitionTenant(servicesOf(context), input);
  if (outcome.ok) context.metrics.transitions.inc({ transition: input.transition });
  return toPayload(outcome);
}
