// Resolvers of the tenant event feed: Query.tenantEvents and an event's derived fields. An event
// is the presented audit event itself (the audit trail is the outbox, docs/design.md §9).
import type { GraphQLResolveInfo } from "graphql";
import type { AuditEventRecord } from "../domain/vocabulary.ts";
import type { Presented } from "../services/authorization/presentation.ts";
import { listTenantEvents, type TenantEventFilter } from "../services/events/tenant-event-service.ts";
import { getTenant } from "../services/tenants/tenant-service.ts";
import { pageArgs, toConnection } from "./connection.ts";
import { servicesOf, type GraphQLContext } from "./context.ts";

export type TenantEventParent = Presented<AuditEventRecord>;
export type { TenantEventFilter };

export async function tenantEventsPage(
  _root: unknown,
  args: { first?: number | null; after?: string | null; filter?: TenantEventFilter | null },
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) {
  return toConnection(await listTenantEvents(servicesOf(context), { ...pageArgs(args, info), filter: args.filter }));
}

export const tenantEventTenant = (event: TenantEventParent, _args: unknown, context: GraphQLContext) =>
  getTenant(servicesOf(context), { id: event.tenantId });

/** The event's data: the audit event's `changes`, already masked for the viewer. */
export const tenantEventData = (event: TenantEventParent) => event.changes;

/** The same record, presented once: the audit event behind the feed entry. */
export const tenantEventAuditEvent = (event: TenantEventParent): TenantEventParent => event;
