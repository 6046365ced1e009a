import { OPERATION_RUN_STATUS_BADGES } from "../../domain/badge-catalog.ts";
import { getOperationRunsByIds } from "../../services/operation-runs/run-service.ts";
import { getTenant } from "../../services/tenants/tenant-service.ts";
import { builder, servicesOf } from "../builder.ts";
import { ActorObject } from "./actor.ts";
import { OperationKindEnum, OperationRunStatusEnum } from "./enums.ts";
import { OperationRunType, StatusBadgeType, TenantType } from "./refs.ts";

builder.objectFields(OperationRunType, (t) => ({
  tenant: t.field({
    type: TenantType,
    // A run is only ever returned to a viewer who may see its tenant (the canonical viewer rule).
    resolve: async (run, _args, context) => {
      const tenant = await getTenant(servicesOf(context), { id: run.tenantId });
      if (!tenant) throw new Error(`operation run ${run.id} was returned without its visible tenant`);
      return tenant;
    },
  }),
  kind: t.expose("kind", { type: OperationKindEnum }),
  status: t.expose("status", { type: OperationRunStatusEnum }),
  badge: t.field({ type: StatusBadgeType, resolve: (run) => OPERATION_RUN_STATUS_BADGES[run.status] }),
  progress: t.exposeFloat("progress", { nullable: true, description: "0..1" }),
  summary: t.exposeString("summary", { nullable: true }),
  failureReason: t.exposeString("failureReason", {
    nullable: true,
    description: "Internal failure detail; null for tenant-scoped viewers.",
  }),
  initiatedBy: t.field({
    type: ActorObject,
    resolve: (run) => ({ type: run.initiatedByType, id: run.initiatedById }),
  }),
  version: t.exposeInt("version"),
  createdAt: t.expose("createdAt", { type: "DateTime" }),
  startedAt: t.expose("startedAt", { type: "DateTime", nullable: true }),
  finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
}));

builder.asEntity(OperationRunType, {
  key: builder.selection<{ id: string }>("id"),
  resolveReference: async (reference, context) => {
    const services = servicesOf(context);
    // Representations arrive unchecked: a missing or non-string id names no run.
    const id: unknown = reference.id;
    if (typeof id !== "string") return null;
    const [run] = await getOperationRunsByIds(services, [id]);
    return run ?? null;
  },
});

export const OperationRunFilterInput = builder.inputType("OperationRunFilter", {
  fields: (t) => ({
    tenantId: t.id(),
    status: t.field({ type: [OperationRunStatusEnum] }),
    kind: t.field({ type: [OperationKindEnum] }),
  }),
});
