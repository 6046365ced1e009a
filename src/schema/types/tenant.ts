import { listTenantAuditEvents } from "../../services/audit/audit-service.ts";
import { getOnboardingSession } from "../../services/onboarding/onboarding-service.ts";
import { listTenantOperationRuns } from "../../services/operation-runs/run-service.ts";
import { getTenant } from "../../services/tenants/tenant-service.ts";
import { builder, servicesOf } from "../builder.ts";
import { pageArgs, toConnection } from "./connections.ts";
import { OnboardingSessionType } from "./onboarding.ts";
import { OperationRunFilterInput } from "./operation-run.ts";
import { AuditEventConnection, OperationRunConnection, TenantLifecycleType, TenantType } from "./refs.ts";

builder.objectFields(TenantType, (t) => ({
  lifecycle: t.field({ type: TenantLifecycleType, resolve: (tenant) => tenant }),
  onboarding: t.field({
    type: OnboardingSessionType,
    nullable: true,
    resolve: (tenant, _args, context) => getOnboardingSession(servicesOf(context), tenant),
  }),
  operationRuns: t.field({
    type: OperationRunConnection,
    args: {
      first: t.arg.int({ defaultValue: 20 }),
      after: t.arg.string(),
      filter: t.arg({ type: OperationRunFilterInput }),
    },
    resolve: async (tenant, args, context, info) =>
      toConnection(
        await listTenantOperationRuns(servicesOf(context), tenant, { ...pageArgs(args, info), filter: args.filter }),
      ),
  }),
  auditEvents: t.field({
    type: AuditEventConnection,
    description: "Platform readers and tenant admins of this tenant; masked for tenant viewers.",
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
    resolve: async (tenant, args, context, info) =>
      toConnection(await listTenantAuditEvents(servicesOf(context), tenant, pageArgs(args, info))),
  }),
  createdAt: t.expose("createdAt", { type: "DateTime" }),
  updatedAt: t.expose("updatedAt", { type: "DateTime" }),
}));

/**
 * `_entities` calls resolveReference directly, outside scope-auth: visibility and masking come
 * from the same service call as `Query.tenant`, and per-request loaders batch the lookups.
 * It is async so that a refusal (no token) is a rejected promise, never a synchronous throw:
 * @apollo/subgraph maps the representations in order, and a throw in the middle would leave
 * the earlier representations' promises rejected with no one listening.
 */
builder.asEntity(TenantType, {
  key: [builder.selection<{ id: string }>("id"), builder.selection<{ slug: string }>("slug")],
  resolveReference: async (reference, context) => {
    const services = servicesOf(context);
    // Representations arrive unchecked: a key that is missing or not a string names no tenant.
    const key: { id?: unknown; slug?: unknown } = reference;
    if (typeof key.id === "string") return getTenant(services, { id: key.id });
    if (typeof key.slug === "string") return getTenant(services, { slug: key.slug });
    return null;
  },
});
