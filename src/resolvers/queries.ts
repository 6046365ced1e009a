import { listAuditEvents, verifyAuditChain } from "../services/audit/audit-service.ts";
import { InvalidArgumentError } from "../services/errors.ts";
import { getOperationRun, listOperationRuns } from "../services/operation-runs/run-service.ts";
import { getTenant, listTenants, getViewerTenant } from "../services/tenants/tenant-service.ts";
import { authenticatedField, builder, capabilityField, servicesOf } from "../schema/builder.ts";
import { AuditChainVerificationType } from "../schema/types/audit.ts";
import {
  AuditEventConnection,
  OperationRunConnection,
  OperationRunType,
  TenantConnection,
  TenantType,
} from "../schema/types/refs.ts";
import { pageArgs, toConnection } from "../schema/types/connections.ts";
import { TenantStatusEnum } from "../schema/types/enums.ts";
import { LifecycleTransitionRuleType, lifecycleRules } from "../schema/types/lifecycle.ts";
import { OperationRunFilterInput } from "../schema/types/operation-run.ts";

const TenantFilterInput = builder.inputType("TenantFilter", {
  fields: (t) => ({
    status: t.field({ type: [TenantStatusEnum] }),
    search: t.string({ description: "Case-insensitive match on slug or name." }),
    selectable: t.boolean({ description: "Only tenants that may be chosen as context." }),
    includeArchived: t.boolean({ defaultValue: false, description: "ARCHIVED tenants are left out unless true." }),
  }),
});

const AuditEventFilterInput = builder.inputType("AuditEventFilter", {
  fields: (t) => ({
    tenantId: t.id(),
    action: t.string({ description: "Prefix match, e.g. tenant.lifecycle" }),
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
    resolve: (_root, args, context) => {
      if ((args.id == null) === (args.slug == null)) {
        throw new InvalidArgumentError("Give exactly one of id or slug");
      }
      return getTenant(servicesOf(context), args.id != null ? { id: args.id } : { slug: args.slug as string });
    },
  }),
  tenants: t.field({
    ...capabilityField("readPlatform"),
    type: TenantConnection,
    description: "Platform readers only (FORBIDDEN otherwise). first is 1..100.",
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string(), filter: t.arg({ type: TenantFilterInput }) },
    resolve: async (_root, args, context, info) =>
      toConnection(await listTenants(servicesOf(context), { ...pageArgs(args, info), filter: args.filter })),
  }),
  viewerTenant: t.field({
    ...authenticatedField,
    type: TenantType,
    nullable: true,
    description: "The tenant of a tenant-scoped viewer, or the X-Operator-Override target.",
    resolve: (_root, _args, context) => getViewerTenant(servicesOf(context)),
  }),
  operationRun: t.field({
    ...authenticatedField,
    type: OperationRunType,
    nullable: true,
    description:
      "Canonical viewer: authorized by the record and the viewer's entitlement, never by the remembered tenant context.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => getOperationRun(servicesOf(context), args.id),
  }),
  operationRuns: t.field({
    ...authenticatedField,
    type: OperationRunConnection,
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      filter: t.arg({ type: OperationRunFilterInput }),
    },
    resolve: async (_root, args, context, info) =>
      toConnection(await listOperationRuns(servicesOf(context), { ...pageArgs(args, info), filter: args.filter })),
  }),
  auditEvents: t.field({
    ...capabilityField("readPlatform"),
    type: AuditEventConnection,
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      filter: t.arg({ type: AuditEventFilterInput }),
    },
    resolve: async (_root, args, context, info) =>
      toConnection(await listAuditEvents(servicesOf(context), { ...pageArgs(args, info), filter: args.filter })),
  }),
  lifecycleTransitions: t.field({
    ...authenticatedField,
    type: [LifecycleTransitionRuleType],
    description: "The lifecycle state machine as data.",
    resolve: () => lifecycleRules(),
  }),
  auditChain: t.field({
    ...capabilityField("readPlatform"),
    type: AuditChainVerificationType,
    args: { tenantId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => verifyAuditChain(servicesOf(context), args.tenantId),
  }),
}));
