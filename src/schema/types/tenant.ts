// The Tenant family: the type's nested fields and entity key, its filter, its root fields,
// and createTenant/updateTenant with their inputs and payloads.
import {
  createTenantMutation,
  resolveTenantReference,
  tenantAllowedActions,
  tenantAuditEvents,
  tenantByIdOrSlug,
  tenantOnboarding,
  tenantOperationRuns,
  tenantsPage,
  tenantStatusCounts,
  updateTenantMutation,
  viewerTenant,
  type TenantChangePayloadParent,
  type TenantStatusCount,
} from "../../resolvers/tenant.ts";
import { authenticatedField, builder, capabilityField } from "../builder.ts";
import { backwardPageArgs, idempotencyKeyOptions, UserErrorType } from "./common.ts";
import { TenantActionKindEnum, TenantStatusEnum } from "./enums.ts";
import type { TenantActionJudgement } from "../../domain/tenant-actions.ts";
import { OnboardingSessionType } from "./onboarding.ts";
import { OperationRunFilterInput } from "./operation-run.ts";
import {
  AuditEventConnection,
  AuditEventType,
  OperationRunConnection,
  TenantConnection,
  TenantLifecycleType,
  TenantType,
} from "./refs.ts";

const TenantActionType = builder.objectRef<TenantActionJudgement>("TenantAction").implement({
  description: "An action beyond transitions, judged for the viewer: permitted, or why not.",
  fields: (t) => ({
    action: t.expose("action", { type: TenantActionKindEnum }),
    permitted: t.exposeBoolean("permitted"),
    blockedReason: t.exposeString("blockedReason", { nullable: true }),
  }),
});

builder.objectFields(TenantType, (t) => ({
  allowedActions: t.field({
    type: [TenantActionType],
    description:
      "Every action beyond lifecycle transitions (see lifecycle.availableTransitions), judged for this viewer " +
      "from the capability table and the action's own rule, with the reason when blocked. Advisory: the write decides.",
    resolve: tenantAllowedActions,
  }),
  lifecycle: t.field({ type: TenantLifecycleType, resolve: (tenant) => tenant }),
  onboarding: t.field({ type: OnboardingSessionType, nullable: true, resolve: tenantOnboarding }),
  operationRuns: t.field({
    type: OperationRunConnection,
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      ...backwardPageArgs,
      filter: t.arg({ type: OperationRunFilterInput }),
    },
    resolve: tenantOperationRuns,
  }),
  auditEvents: t.field({
    type: AuditEventConnection,
    description: "Platform readers and tenant admins of this tenant; masked for tenant viewers.",
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string(), ...backwardPageArgs },
    resolve: tenantAuditEvents,
  }),
  createdAt: t.expose("createdAt", { type: "DateTime" }),
  updatedAt: t.expose("updatedAt", { type: "DateTime" }),
}));

builder.asEntity(TenantType, {
  key: [builder.selection<{ id: string }>("id"), builder.selection<{ slug: string }>("slug")],
  resolveReference: resolveTenantReference,
});

const TenantFilterInput = builder.inputType("TenantFilter", {
  fields: (t) => ({
    status: t.field({ type: [TenantStatusEnum] }),
    search: t.string({
      description:
        "Case-insensitive substring match on slug or name (`%` and `_` match themselves); a term of 1–2 characters matches the start of the slug only. At most 200 characters.",
    }),
    selectable: t.boolean({ description: "Only tenants that may be chosen as context." }),
    includeArchived: t.boolean({ defaultValue: false, description: "ARCHIVED tenants are left out unless true." }),
    createdAfter: t.field({ type: "DateTime", description: "Created at or after this time." }),
    createdBefore: t.field({
      type: "DateTime",
      description: "Created before this time (not at it); not earlier than createdAfter.",
    }),
  }),
});

const TenantStatusCountType = builder.objectRef<TenantStatusCount>("TenantStatusCount").implement({
  description: "How many tenants are in a status: exact, read from counters the database keeps.",
  fields: (t) => ({
    status: t.expose("status", { type: TenantStatusEnum }),
    count: t.exposeInt("count"),
  }),
});

builder.queryFields((t) => ({
  tenant: t.field({
    ...authenticatedField,
    type: TenantType,
    nullable: true,
    description:
      "Exactly one of id or slug. null when it does not exist OR the viewer may not see it (never FORBIDDEN).",
    args: { id: t.arg.id(), slug: t.arg.string() },
    resolve: tenantByIdOrSlug,
  }),
  tenants: t.field({
    ...capabilityField("readPlatform"),
    type: TenantConnection,
    description: "Platform readers only (FORBIDDEN otherwise). first is 1..100.",
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      ...backwardPageArgs,
      filter: t.arg({ type: TenantFilterInput }),
    },
    resolve: tenantsPage,
  }),
  tenantStatusCounts: t.field({
    ...capabilityField("readPlatform"),
    type: [TenantStatusCountType],
    description:
      "Every status with its exact number of tenants (zero included), in one call: the status tabs of a " +
      "dashboard. Platform readers only (FORBIDDEN otherwise).",
    resolve: tenantStatusCounts,
  }),
  viewerTenant: t.field({
    ...authenticatedField,
    type: TenantType,
    nullable: true,
    description: "The tenant of a tenant-scoped viewer, or the X-Operator-Override target.",
    resolve: viewerTenant,
  }),
}));

const CreateTenantInput = builder.inputType("CreateTenantInput", {
  fields: (t) => ({
    slug: t.string({
      required: true,
      description: "3..63 of a-z, 0-9 and '-', starting and ending with a letter or digit; not reserved.",
    }),
    name: t.string({ required: true, description: "1..200 characters after trimming." }),
    idempotencyKey: t.string(idempotencyKeyOptions),
  }),
});

const UpdateTenantInput = builder.inputType("UpdateTenantInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    name: t.string(),
    slug: t.string({ description: "Platform operators only." }),
    expectedVersion: t.int(),
    idempotencyKey: t.string(idempotencyKeyOptions),
  }),
});

/** createTenant and updateTenant answer with the same shape under their own names. */
function tenantChangePayload(name: string) {
  return builder.objectRef<TenantChangePayloadParent>(name).implement({
    fields: (t) => ({
      tenant: t.field({ type: TenantType, nullable: true, resolve: (payload) => payload.tenant ?? null }),
      auditEvent: t.field({ type: AuditEventType, nullable: true, resolve: (payload) => payload.auditEvent ?? null }),
      userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
    }),
  });
}

builder.mutationFields((t) => ({
  createTenant: t.field({
    ...capabilityField("administerTenants"),
    type: tenantChangePayload("CreateTenantPayload"),
    args: { input: t.arg({ type: CreateTenantInput, required: true }) },
    resolve: createTenantMutation,
  }),
  updateTenant: t.field({
    ...capabilityField("administerTenants", "administerOwnTenant"),
    type: tenantChangePayload("UpdateTenantPayload"),
    args: { input: t.arg({ type: UpdateTenantInput, required: true }) },
    resolve: updateTenantMutation,
  }),
}));
