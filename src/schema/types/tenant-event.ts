// The tenant event feed (docs/design.md §9): the type, its filter and Query.tenantEvents.
import {
  tenantEventAuditEvent,
  tenantEventData,
  tenantEventsPage,
  tenantEventTenant,
  type TenantEventParent,
} from "../../resolvers/tenant-event.ts";
import { builder, capabilityField } from "../builder.ts";
import { AuditEventType, TenantType } from "./refs.ts";

export const TenantEventType = builder.objectRef<TenantEventParent>("TenantEvent").implement({
  description:
    "A change to a tenant, as other services consume it: one per audit event, in the order a cursor can follow without missing one.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The audit event's id: stable, the key to deduplicate on." }),
    type: t.exposeString("action", {
      description:
        "The audit action (tenant.created, tenant.lifecycle.suspend, …): one vocabulary with the audit trail.",
    }),
    tenantId: t.exposeID("tenantId"),
    tenant: t.field({ type: TenantType, nullable: true, resolve: tenantEventTenant }),
    sequence: t.exposeInt("sequence", { description: "The tenant's sequence: per tenant, gapless, from 1." }),
    occurredAt: t.expose("occurredAt", { type: "DateTime" }),
    data: t.field({
      type: "JSON",
      description:
        "What changed, { field: { from, to } }; internal fields (statusReason, failureReason) are removed for tenant-scoped viewers.",
      resolve: tenantEventData,
    }),
    auditEvent: t.field({ type: AuditEventType, nullable: true, resolve: tenantEventAuditEvent }),
  }),
});

const TenantEventConnection = builder.connectionObject(
  { type: TenantEventType, name: "TenantEventConnection" },
  { name: "TenantEventEdge" },
);

const TenantEventFilterInput = builder.inputType("TenantEventFilter", {
  fields: (t) => ({
    tenantId: t.id(),
    types: t.stringList({ description: "Event types (audit actions) to keep; unknown names are refused." }),
    since: t.field({
      type: "DateTime",
      description: "Start at the first event recorded at or after this time; resume with a cursor, not a time.",
    }),
  }),
});

builder.queryFields((t) => ({
  tenantEvents: t.field({
    ...capabilityField("readPlatform", "administerOwnTenant"),
    type: TenantEventConnection,
    description:
      "Every change, oldest first. A cursor never skips an event whose transaction commits later; platform readers read every tenant's, a tenant's admin its own (masked).",
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      filter: t.arg({ type: TenantEventFilterInput }),
    },
    resolve: tenantEventsPage,
  }),
}));
