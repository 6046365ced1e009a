// The audit family: the event's fields, chain verification, the filter and the root fields.
import {
  auditChain,
  auditEventsPage,
  eventActor,
  eventTenant,
  type AuditChainVerification,
} from "../../resolvers/audit.ts";
import { builder, capabilityField } from "../builder.ts";
import { backwardPageArgs } from "./common.ts";
import { ActorObject } from "./actor.ts";
import { AuditEventConnection, AuditEventType, TenantType } from "./refs.ts";

builder.objectFields(AuditEventType, (t) => ({
  sequence: t.exposeInt("sequence", { description: "Per tenant, gapless, starting at 1." }),
  action: t.exposeString("action", {
    description:
      "tenant.created, tenant.updated, tenant.lifecycle.<transition in lower snake case>, onboarding.step_completed, operation_run.started, operation_run.updated",
  }),
  tenant: t.field({ type: TenantType, nullable: true, resolve: eventTenant }),
  actor: t.field({ type: ActorObject, resolve: eventActor }),
  operatorOverride: t.exposeBoolean("operatorOverride"),
  reason: t.exposeString("reason", { nullable: true, description: "null for tenant-scoped viewers." }),
  changes: t.expose("changes", {
    type: "JSON",
    description:
      "{ field: { from, to } }; internal fields (statusReason, failureReason) are removed for tenant-scoped viewers.",
  }),
  requestId: t.exposeString("requestId", {
    nullable: true,
    description: "The request's X-Request-Id (or the id the server generated).",
  }),
  occurredAt: t.expose("occurredAt", { type: "DateTime" }),
  hash: t.exposeString("hash", { description: "sha256 over the previous hash and this event's canonical content." }),
  previousHash: t.exposeString("previousHash", { nullable: true }),
}));

const AuditChainVerificationType = builder.objectRef<AuditChainVerification>("AuditChainVerification").implement({
  fields: (t) => ({
    valid: t.exposeBoolean("valid"),
    eventCount: t.exposeInt("eventCount"),
    firstBrokenSequence: t.exposeInt("firstBrokenSequence", {
      nullable: true,
      description: "The first sequence whose hash does not verify; null when valid.",
    }),
  }),
});

const AuditEventFilterInput = builder.inputType("AuditEventFilter", {
  fields: (t) => ({
    tenantId: t.id(),
    action: t.string({ description: "Prefix match, e.g. tenant.lifecycle" }),
    occurredAfter: t.field({ type: "DateTime", description: "Occurred at or after this time." }),
    occurredBefore: t.field({
      type: "DateTime",
      description: "Occurred before this time (not at it); not earlier than occurredAfter.",
    }),
  }),
});

builder.queryFields((t) => ({
  auditEvents: t.field({
    ...capabilityField("readPlatform"),
    type: AuditEventConnection,
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      ...backwardPageArgs,
      filter: t.arg({ type: AuditEventFilterInput }),
    },
    resolve: auditEventsPage,
  }),
  auditChain: t.field({
    ...capabilityField("readPlatform"),
    type: AuditChainVerificationType,
    args: { tenantId: t.arg.id({ required: true }) },
    resolve: auditChain,
  }),
}));
