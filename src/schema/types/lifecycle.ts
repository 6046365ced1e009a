// The lifecycle family: TenantLifecycle and what it derives, the rules as data, and
// transitionTenant with its input and payload.
import type { TenantOperability } from "../../domain/operability.ts";
import {
  lifecycleAvailableTransitions,
  lifecycleBadge,
  lifecycleHistory,
  lifecycleOperability,
  lifecycleRules,
  ruleGuard,
  transitionTenantMutation,
  type AvailableTransition,
  type TransitionPayloadParent,
  type TransitionRule,
} from "../../resolvers/lifecycle.ts";
import { authenticatedField, builder, capabilityField } from "../builder.ts";
import { backwardPageArgs, idempotencyKeyOptions, StatusBadgeType, UserErrorType } from "./common.ts";
import { LifecycleTransitionEnum, TenantStatusEnum } from "./enums.ts";
import { AuditEventConnection, AuditEventType, OperationRunType, TenantLifecycleType, TenantType } from "./refs.ts";

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

const LifecycleTransitionRuleType = builder.objectRef<TransitionRule>("LifecycleTransitionRule").implement({
  fields: (t) => ({
    transition: t.expose("transition", { type: LifecycleTransitionEnum }),
    from: t.field({ type: [TenantStatusEnum], resolve: (rule) => [...rule.from] }),
    to: t.expose("to", { type: TenantStatusEnum }),
    reasonRequired: t.exposeBoolean("reasonRequired"),
    guard: t.string({ nullable: true, description: "Human-readable guard, null when none.", resolve: ruleGuard }),
  }),
});

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
    badge: t.field({ type: StatusBadgeType, resolve: lifecycleBadge }),
    operability: t.field({ type: TenantOperabilityType, resolve: lifecycleOperability }),
    availableTransitions: t.field({
      type: [AvailableTransitionType],
      description: "Transitions leaving the current status, judged for this viewer.",
      resolve: lifecycleAvailableTransitions,
    }),
    history: t.field({
      type: AuditEventConnection,
      description: "Lifecycle audit events, newest first.",
      args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string(), ...backwardPageArgs },
      resolve: lifecycleHistory,
    }),
  }),
});

builder.queryFields((t) => ({
  lifecycleTransitions: t.field({
    ...authenticatedField,
    type: [LifecycleTransitionRuleType],
    description: "The lifecycle state machine as data.",
    resolve: lifecycleRules,
  }),
}));

const TransitionTenantInput = builder.inputType("TransitionTenantInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    transition: t.field({ type: LifecycleTransitionEnum, required: true }),
    reason: t.string({
      description: "Internal note; becomes statusReason. Required where the rule says so (1..1000 characters).",
    }),
    statusMessage: t.string({ description: "Tenant-facing message (0..500 characters)." }),
    expectedVersion: t.int(),
    idempotencyKey: t.string(idempotencyKeyOptions),
  }),
});

const TransitionTenantPayload = builder.objectRef<TransitionPayloadParent>("TransitionTenantPayload").implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantType, nullable: true, resolve: (payload) => payload.tenant ?? null }),
    auditEvent: t.field({ type: AuditEventType, nullable: true, resolve: (payload) => payload.auditEvent ?? null }),
    operationRun: t.field({
      type: OperationRunType,
      nullable: true,
      description: "The run this transition opened or closed, if any.",
      resolve: (payload) => payload.operationRun ?? null,
    }),
    userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
  }),
});

builder.mutationFields((t) => ({
  transitionTenant: t.field({
    ...capabilityField("transitionLifecycle"),
    type: TransitionTenantPayload,
    args: { input: t.arg({ type: TransitionTenantInput, required: true }) },
    resolve: transitionTenantMutation,
  }),
}));
