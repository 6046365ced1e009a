// Object types that reference each other (Tenant ↔ OperationRun ↔ AuditEvent) are declared
// here with their own scalar fields only; the cross-references are added in the type-family
// files with objectFields/implement. That keeps TypeScript's inference acyclic. They are plain
// object refs over the services' presented records (authorization/presentation.ts): nothing in
// the schema can load data by itself, and nothing can reach a type unmasked or unchecked.
import type { AuditEventRecord, OperationRunRecord, TenantRecord } from "../../domain/vocabulary.ts";
import type { Presented } from "../../services/authorization/presentation.ts";
import type { TotalCount } from "../../services/pagination.ts";
import type { StatusBadge } from "../../domain/badge-catalog.ts";
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
export const TenantType = builder.objectRef<Presented<TenantRecord>>("Tenant").implement({
  authenticated: true,
  fields: (t) => ({
    id: t.exposeID("id"),
    slug: t.exposeString("slug"),
    name: t.exposeString("name"),
    status: t.expose("status", { type: TenantStatusEnum }),
  }),
});

export const OperationRunType = builder.objectRef<Presented<OperationRunRecord>>("OperationRun").implement({
  authenticated: true,
  fields: (t) => ({ id: t.exposeID("id") }),
});

export const AuditEventType = builder.objectRef<Presented<AuditEventRecord>>("AuditEvent").implement({
  description: "Append-only; written in the same database transaction as the change it records.",
  fields: (t) => ({ id: t.exposeID("id") }),
});

/** Backed by the tenant record itself: every field is derived from it or loaded for it. */
export const TenantLifecycleType = builder.objectRef<Presented<TenantRecord>>("TenantLifecycle");

/** How exact a connection's totalCount is. */
export const CountPrecisionEnum = builder.enumType("CountPrecision", {
  description: "How exact a connection's totalCount is.",
  values: {
    EXACT: { description: "totalCount is the number of items." },
    AT_LEAST: { description: "Counting stopped at a cap: there are at least totalCount items." },
  },
});

/** Connections are built by toConnection, whose totalCount is counted when the field is selected. */
function totalOf(connection: object): TotalCount {
  if ("totalCount" in connection && connection.totalCount) return connection.totalCount as TotalCount;
  throw new Error("totalCount was selected but the connection was built without counting");
}

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

function connectionFields(t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, object>) {
  return {
    totalCount: t.int({
      description: "Counted only when selected; see totalCountPrecision.",
      resolve: (connection) => totalOf(connection).value,
    }),
    totalCountPrecision: t.field({
      type: CountPrecisionEnum,
      description: "EXACT, or AT_LEAST when counting stopped at a cap (lists with a search or a wide filter).",
      resolve: (connection) => (totalOf(connection).exact ? "EXACT" : "AT_LEAST"),
    }),
  };
}

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
