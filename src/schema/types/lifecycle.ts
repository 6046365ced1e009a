import { listTenantAuditEvents, LIFECYCLE_ACTION_PREFIX } from "../../services/audit/audit-service.ts";
import { TENANT_STATUS_BADGES } from "../../domain/badge-catalog.ts";
import {
  getAvailableTransitions,
  getOperability,
  type AvailableTransition,
} from "../../services/lifecycle/lifecycle-service.ts";
import type { TenantOperability } from "../../domain/operability.ts";
import { GUARD_DESCRIPTIONS, TRANSITION_RULES, type TransitionRule } from "../../domain/transition-table.ts";
import { builder, servicesOf } from "../builder.ts";
import { pageArgs, toConnection } from "./connections.ts";
import { LifecycleTransitionEnum, TenantStatusEnum } from "./enums.ts";
import { AuditEventConnection, StatusBadgeType, TenantLifecycleType } from "./refs.ts";

const TenantOperabilityType = builder.objectRef<TenantOperability>("TenantOperability").implement({
  description: "What may be done with a tenant now; derived from lifecycle, never stored.",
  fields: (t) => ({
    viewable: t.exposeBoolean("viewable"),
    selectable: t.exposeBoolean("selectable", {
      description: "May be chosen as the current tenant context (tenant chooser).",
    }),
    actionable: t.exposeBoolean("actionable", {
      description: "Tenant-scoped writes and new operation runs are allowed.",
    }),
    onboardingResumable: t.exposeBoolean("onboardingResumable"),
    monitoringReferenceable: t.exposeBoolean("monitoringReferenceable", {
      description: "Its operation runs and audit events stay referenceable by canonical id.",
    }),
  }),
});

const AvailableTransitionType = builder.objectRef<AvailableTransition>("AvailableTransition").implement({
  fields: (t) => ({
    transition: t.expose("transition", { type: LifecycleTransitionEnum }),
    to: t.expose("to", { type: TenantStatusEnum }),
    reasonRequired: t.exposeBoolean("reasonRequired"),
    permitted: t.exposeBoolean("permitted", { description: "The viewer holds the capability and every guard passes." }),
    blockedReason: t.exposeString("blockedReason", {
      nullable: true,
      description: "Why not permitted (missing capability or failed guard); null when permitted.",
    }),
  }),
});

export const LifecycleTransitionRuleType = builder.objectRef<TransitionRule>("LifecycleTransitionRule").implement({
  fields: (t) => ({
    transition: t.expose("transition", { type: LifecycleTransitionEnum }),
    from: t.field({ type: [TenantStatusEnum], resolve: (rule) => [...rule.from] }),
    to: t.expose("to", { type: TenantStatusEnum }),
    reasonRequired: t.exposeBoolean("reasonRequired"),
    guard: t.string({
      nullable: true,
      description: "Human-readable guard, null when none.",
      resolve: (rule) => (rule.guard ? GUARD_DESCRIPTIONS[rule.guard] : null),
    }),
  }),
});

export const lifecycleRules = (): TransitionRule[] => [...TRANSITION_RULES];

TenantLifecycleType.implement({
  fields: (t) => ({
    status: t.expose("status", { type: TenantStatusEnum }),
    statusReason: t.exposeString("statusReason", {
      nullable: true,
      description: "Internal operator note. null (and no error) for tenant-scoped viewers, on every path.",
    }),
    statusMessage: t.exposeString("statusMessage", {
      nullable: true,
      description: "Tenant-facing message, safe to show to the tenant.",
    }),
    changedAt: t.expose("statusChangedAt", { type: "DateTime" }),
    version: t.exposeInt("version", {
      description: "Increases by one on every change to the tenant; use as expectedVersion.",
    }),
    badge: t.field({ type: StatusBadgeType, resolve: (tenant) => TENANT_STATUS_BADGES[tenant.status] }),
    operability: t.field({
      type: TenantOperabilityType,
      resolve: (tenant, _args, context) => getOperability(servicesOf(context), tenant),
    }),
    availableTransitions: t.field({
      type: [AvailableTransitionType],
      description: "Transitions leaving the current status, judged for this viewer.",
      resolve: (tenant, _args, context) => getAvailableTransitions(servicesOf(context), tenant),
    }),
    history: t.field({
      type: AuditEventConnection,
      description: "Lifecycle audit events, newest first.",
      args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
      resolve: async (tenant, args, context, info) =>
        toConnection(
          await listTenantAuditEvents(servicesOf(context), tenant, {
            ...pageArgs(args, info),
            actionPrefix: LIFECYCLE_ACTION_PREFIX,
          }),
        ),
    }),
  }),
});
