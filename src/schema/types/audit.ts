import type { AuditChainVerification } from "../../services/audit/audit-service.ts";
import { getTenant } from "../../services/tenants/tenant-service.ts";
import { builder, servicesOf } from "../builder.ts";
import { ActorObject } from "./actor.ts";
import { AuditEventType, TenantType } from "./refs.ts";

builder.objectFields(AuditEventType, (t) => ({
  sequence: t.exposeInt("sequence", { description: "Per tenant, gapless, starting at 1." }),
  action: t.exposeString("action", {
    description:
      "tenant.created, tenant.updated, tenant.lifecycle.<transition in lower snake case>, onboarding.step_completed, operation_run.started, operation_run.updated",
  }),
  tenant: t.field({
    type: TenantType,
    nullable: true,
    resolve: (event, _args, context) => getTenant(servicesOf(context), { id: event.tenantId }),
  }),
  actor: t.field({ type: ActorObject, resolve: (event) => ({ type: event.actorType, id: event.actorId }) }),
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

export const AuditChainVerificationType = builder
  .objectRef<AuditChainVerification>("AuditChainVerification")
  .implement({
    fields: (t) => ({
      valid: t.exposeBoolean("valid"),
      eventCount: t.exposeInt("eventCount"),
      firstBrokenSequence: t.exposeInt("firstBrokenSequence", {
        nullable: true,
        description: "The first sequence whose hash does not verify; null when valid.",
      }),
    }),
  });
