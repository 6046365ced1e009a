// Resolvers of the audit family: Query.auditEvents/auditChain/platformAuditEvents and an event's tenant and actor.
import type { GraphQLResolveInfo } from "graphql";
import type { AuditEventRecord, PlatformAuditEventRecord } from "../domain/vocabulary.ts";
import {
  listAuditEvents,
  requestAuditCheckpoint,
  listPlatformAuditEvents,
  verifyAuditChain,
  type AuditChainVerification,
  type AuditEventFilter,
  type CheckpointCoverage,
} from "../services/audit/audit-service.ts";
import { auditPublicKeyOf, type AuditPublicKey } from "../services/audit/audit-keys.ts";
import type { AuditCheckpointRecord } from "../services/audit/checkpoint-signature.ts";
import type { Presented } from "../services/authorization/presentation.ts";
import { getTenant } from "../services/tenants/tenant-service.ts";
import type { ActorParent } from "./actor.ts";
import { pageArgs, toConnection, type ConnectionArgs, type UserError } from "./connection.ts";
import { chainRefund } from "../server/query-cost.ts";
import { servicesOf, type GraphQLContext } from "./context.ts";

export type AuditEventParent = Presented<AuditEventRecord>;
export type { AuditChainVerification, AuditCheckpointRecord, AuditEventFilter, AuditPublicKey, CheckpointCoverage };

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

export const auditPublicKey = (_root: unknown, _args: unknown, context: GraphQLContext): AuditPublicKey =>
  auditPublicKeyOf(servicesOf(context).auditKeys.signer);

export async function createAuditCheckpoint(
  _root: unknown,
  _args: unknown,
  context: GraphQLContext,
): Promise<{ checkpoint: AuditCheckpointRecord; userErrors: UserError[] }> {
  const checkpoint = await requestAuditCheckpoint(servicesOf(context));
  context.logger.info(
    { checkpointId: checkpoint.id, tenantCount: checkpoint.tenantCount },
    "audit checkpoint taken on demand",
  );
  return { checkpoint, userErrors: [] };
}

export async function platformAuditEventsPage(
  _root: unknown,
  args: { first?: number | null; after?: string | null; subjectId?: string | null },
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) {
  return toConnection(
    await listPlatformAuditEvents(servicesOf(context), { ...pageArgs(args, info), subjectId: args.subjectId }),
  );
}

export const platformEventActor = (event: PlatformAuditEventRecord): ActorParent => ({
  type: event.actorType,
  id: event.actorId,
});
