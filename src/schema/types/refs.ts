// Object types that reference each other (Tenant ↔ OperationRun ↔ AuditEvent) are declared
// here with their own scalar fields only; the cross-references are added in the type-family
// files with prismaObjectFields/implement. That keeps TypeScript's inference acyclic.
import type { TenantRecord } from "../../services/domain-types.ts";
import type { StatusBadge } from "../../services/lifecycle/badge-catalog.ts";
import { builder } from "../builder.ts";
import { BadgeToneEnum, TenantStatusEnum } from "./enums.ts";

export const StatusBadgeType = builder.objectRef<StatusBadge>("StatusBadge").implement({
  description: "Presentation semantics owned by the server, so every dashboard renders a status the same way.",
  fields: (t) => ({
    label: t.exposeString("label"),
    tone: t.expose("tone", { type: BadgeToneEnum }),
    icon: t.exposeString("icon"),
  }),
});

// `@authenticated` at type level lets a router check paths that enter these types from a
// neighbour's field (every way into them here already needs a token).
export const TenantType = builder.prismaObject("Tenant", {
  authenticated: true,
  fields: (t) => ({
    id: t.exposeID("id"),
    slug: t.exposeString("slug"),
    name: t.exposeString("name"),
    status: t.expose("status", { type: TenantStatusEnum }),
  }),
});

export const OperationRunType = builder.prismaObject("OperationRun", {
  authenticated: true,
  fields: (t) => ({ id: t.exposeID("id") }),
});

export const AuditEventType = builder.prismaObject("AuditEvent", {
  description: "Append-only; written in the same database transaction as the change it records.",
  fields: (t) => ({ id: t.exposeID("id") }),
});

/** Backed by the tenant record itself: every field is derived from it or loaded for it. */
export const TenantLifecycleType = builder.objectRef<TenantRecord>("TenantLifecycle");

/** Connections are built by toConnection, which always carries the page's totalCount. */
function totalCountOf(connection: object): number {
  if ("totalCount" in connection && typeof connection.totalCount === "number") return connection.totalCount;
  throw new Error("connection was built without totalCount");
}

export const TenantConnection = builder.connectionObject(
  {
    type: TenantType,
    name: "TenantConnection",
    fields: (t) => ({ totalCount: t.int({ resolve: totalCountOf }) }),
  },
  { name: "TenantEdge" },
);

export const OperationRunConnection = builder.connectionObject(
  {
    type: OperationRunType,
    name: "OperationRunConnection",
    fields: (t) => ({ totalCount: t.int({ resolve: totalCountOf }) }),
  },
  { name: "OperationRunEdge" },
);

export const AuditEventConnection = builder.connectionObject(
  {
    type: AuditEventType,
    name: "AuditEventConnection",
    fields: (t) => ({ totalCount: t.int({ resolve: totalCountOf }) }),
  },
  { name: "AuditEventEdge" },
);
