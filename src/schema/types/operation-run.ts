// The OperationRun family: the type's fields and entity key, its filter, its root fields,
// and startOperationRun/updateOperationRun with their inputs and payloads.
import {
  operationRunById,
  operationRunsPage,
  resolveOperationRunReference,
  runBadge,
  runInitiatedBy,
  runTenant,
  startOperationRunMutation,
  updateOperationRunMutation,
  type OperationRunPayloadParent,
} from "../../resolvers/operation-run.ts";
import { authenticatedField, builder, capabilityField } from "../builder.ts";
import { ActorObject } from "./actor.ts";
import { backwardPageArgs, idempotencyKeyOptions, StatusBadgeType, UserErrorType } from "./common.ts";
import { OperationKindEnum, OperationRunStatusEnum } from "./enums.ts";
import { OperationRunConnection, OperationRunType, TenantType } from "./refs.ts";

builder.objectFields(OperationRunType, (t) => ({
  tenant: t.field({ type: TenantType, resolve: runTenant }),
  kind: t.expose("kind", { type: OperationKindEnum }),
  status: t.expose("status", { type: OperationRunStatusEnum }),
  badge: t.field({ type: StatusBadgeType, resolve: runBadge }),
  progress: t.exposeFloat("progress", { nullable: true, description: "0..1" }),
  summary: t.exposeString("summary", { nullable: true }),
  failureReason: t.exposeString("failureReason", {
    nullable: true,
    description: "Internal failure detail; null for tenant-scoped viewers.",
  }),
  initiatedBy: t.field({ type: ActorObject, resolve: runInitiatedBy }),
  version: t.exposeInt("version"),
  createdAt: t.expose("createdAt", { type: "DateTime" }),
  startedAt: t.expose("startedAt", { type: "DateTime", nullable: true }),
  finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
}));

builder.asEntity(OperationRunType, {
  key: builder.selection<{ id: string }>("id"),
  resolveReference: resolveOperationRunReference,
});

export const OperationRunFilterInput = builder.inputType("OperationRunFilter", {
  fields: (t) => ({
    tenantId: t.id(),
    status: t.field({ type: [OperationRunStatusEnum] }),
    kind: t.field({ type: [OperationKindEnum] }),
    createdAfter: t.field({ type: "DateTime", description: "Created at or after this time." }),
    createdBefore: t.field({
      type: "DateTime",
      description: "Created before this time (not at it); not earlier than createdAfter.",
    }),
  }),
});

builder.queryFields((t) => ({
  operationRun: t.field({
    ...authenticatedField,
    type: OperationRunType,
    nullable: true,
    description:
      "Canonical viewer: authorized by the record and the viewer's entitlement, never by the remembered tenant context.",
    args: { id: t.arg.id({ required: true }) },
    resolve: operationRunById,
  }),
  operationRuns: t.field({
    ...authenticatedField,
    type: OperationRunConnection,
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      ...backwardPageArgs,
      filter: t.arg({ type: OperationRunFilterInput }),
    },
    resolve: operationRunsPage,
  }),
}));

const StartOperationRunInput = builder.inputType("StartOperationRunInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    kind: t.field({
      type: OperationKindEnum,
      required: true,
      description: "DATA_EXPORT or MAINTENANCE; the others are opened by lifecycle transitions.",
    }),
    summary: t.string(),
    idempotencyKey: t.string(idempotencyKeyOptions),
  }),
});

const UpdateOperationRunInput = builder.inputType("UpdateOperationRunInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    status: t.field({ type: OperationRunStatusEnum }),
    progress: t.float(),
    summary: t.string(),
    failureReason: t.string(),
    expectedVersion: t.int(),
    idempotencyKey: t.string(idempotencyKeyOptions),
  }),
});

/** startOperationRun and updateOperationRun answer with the same shape under their own names. */
function operationRunPayload(name: string) {
  return builder.objectRef<OperationRunPayloadParent>(name).implement({
    fields: (t) => ({
      operationRun: t.field({
        type: OperationRunType,
        nullable: true,
        resolve: (payload) => payload.operationRun ?? null,
      }),
      userErrors: t.field({ type: [UserErrorType], resolve: (payload) => payload.userErrors }),
    }),
  });
}

builder.mutationFields((t) => ({
  startOperationRun: t.field({
    ...capabilityField("administerTenants"),
    type: operationRunPayload("StartOperationRunPayload"),
    args: { input: t.arg({ type: StartOperationRunInput, required: true }) },
    resolve: startOperationRunMutation,
  }),
  updateOperationRun: t.field({
    ...capabilityField("operateRuns"),
    type: operationRunPayload("UpdateOperationRunPayload"),
    args: { input: t.arg({ type: UpdateOperationRunInput, required: true }) },
    resolve: updateOperationRunMutation,
  }),
}));
