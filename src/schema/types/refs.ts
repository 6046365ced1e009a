// Object types that reference each other (Tenant ↔ OperationRun ↔ AuditEvent) are declared
// here with their own scalar fields only; the cross-references are added in the type-family
// files with objectFields/implement. That keeps TypeScript's inference acyclic. They are plain
// object refs over the services' presented records (services/authorization/presentation.ts):
// nothing in the schema can load data by itself, and nothing can reach a type unmasked or
// unchecked.
import type { AuditEventParent } from "../../resolvers/audit.ts";
import type { OperationRunParent } from "../../resolvers/operation-run.ts";
import type { TenantParent } from "../../resolvers/tenant.ts";
import { builder } from "../builder.ts";
import { connectionFields } from "./common.ts";
import { TenantStatusEnum } from "./enums.ts";

// `@authenticated` at type level lets a router check paths that enter these types from a
// neighbour's field (every way into them here already needs a token).
export const TenantType = builder.objectRef<TenantParent>("Tenant").implement({
  authenticated: true,
  fields: (t) => ({
    id: t.exposeID("id"),
    slug: t.exposeString("slug"),
    name: t.exposeString("name"),
    status: t.expose("status", { type: TenantStatusEnum }),
  }),
});

export const OperationRunType = builder.objectRef<OperationRunParent>("OperationRun").implement({
  authenticated: true,
  fields: (t) => ({ id: t.exposeID("id") }),
});

export const AuditEventType = builder.objectRef<AuditEventParent>("AuditEvent").implement({
  description: "Append-only; written in the same database transaction as the change it records.",
  fields: (t) => ({ id: t.exposeID("id") }),
});

/** Backed by the tenant record itself: every field is derived from it or loaded for it. */
export const TenantLifecycleType = builder.objectRef<TenantParent>("TenantLifecycle");

export const TenantConnection = builder.connectionObject(
  { type: TenantType, name: "TenantConnection", fields: connectionFields },
  { name: "TenantEdge" },
);

export const OperationRunConnection = builder.connectionObject(
  { type: OperationRunType, name: "OperationRunConnection", fields: connectionFields },
  { name: "OperationRunEdge" },
);

export const AuditEventConnection = builder.connectionObject(
  { type: AuditEventType, name: "AuditEventConnection", fields: connectionFields },
  { name: "AuditEventEdge" },
);
