// Resolvers of the audit family: Query.auditEvents/auditChain and an event's tenant and actor.
import type { GraphQLResolveInfo } from "graphql";
import type { AuditEventRecord } from "../domain/vocabulary.ts";
import {
  listAuditEvents,
  verifyAuditChain,
  type AuditChainVerification,
  type AuditEventFilter,
} from "../services/audit/audit-service.ts";
import type { Presented } from "../services/authorization/presentation.ts";
import { getTenant } from "../services/tenants/tenant-service.ts";
import type { ActorParent } from "./actor.ts";
import { pageArgs, toConnection, type ConnectionArgs } from "./connection.ts";
import { chainRefund } from "../server/query-cost.ts";
import { servicesOf, type GraphQLContext } from "./context.ts";

export type AuditEventParent = Presented<AuditEventRecord>;
export type { AuditChainVerification, AuditEventFilter };

export async function auditEventsPage(
  _root: unknown,
  args: ConnectionArgs & { filter?: AuditEventFilter | null },
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) {
  return toConnection(await listAuditEvents(servicesOf(context), { ...pageArgs(args, info), filter: args.filter }));
}

export async function auditChain(_root: unknown, args: { tenantId: string }, context: GraphQLContext) {
  const chain = await verifyAuditChain(servicesOf(context), args.tenantId);
  // Charged for the longest chain before it ran; the caller gets back what this one did not walk.
  context.admission?.refund(chainRefund(chain.eventCount));
  return chain;
}

export const eventTenant = (event: AuditEventParent, _args: unknown, context: GraphQLContext) =>
  getTenant(servicesOf(context), { id: event.tenantId });

export const eventActor = (event: AuditEventParent): ActorParent => ({ type: event.actorType, id: event.actorId });
