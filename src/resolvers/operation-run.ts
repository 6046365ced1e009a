// Resolvers of the OperationRun family: Query.operationRun/operationRuns, the run's tenant,
// the entity reference, startOperationRun and updateOperationRun.
import type { GraphQLResolveInfo } from "graphql";
import { OPERATION_RUN_STATUS_BADGES, type StatusBadge } from "../domain/badge-catalog.ts";
import type { OperationRunRecord } from "../domain/vocabulary.ts";
import type { Presented } from "../services/authorization/presentation.ts";
import {
  getOperationRun,
  getOperationRunsByIds,
  listOperationRuns,
  startOperationRun,
  updateOperationRun,
  type OperationRunFilter,
  type OperationRunPayload,
  type StartOperationRunInput,
  type UpdateOperationRunInput,
} from "../services/operation-runs/run-service.ts";
import { getTenant } from "../services/tenants/tenant-service.ts";
import type { ActorParent } from "./actor.ts";
import { pageArgs, toConnection, toPayload, type ConnectionArgs, type Payload } from "./connection.ts";
import { servicesOf, type GraphQLContext } from "./context.ts";

export type OperationRunParent = Presented<OperationRunRecord>;
export type OperationRunPayloadParent = Payload<OperationRunPayload>;
export type { OperationRunFilter, StartOperationRunInput, UpdateOperationRunInput };

export const operationRunById = (_root: unknown, args: { id: string }, context: GraphQLContext) =>
  getOperationRun(servicesOf(context), args.id);

export async function operationRunsPage(
  _root: unknown,
  args: ConnectionArgs & { filter?: OperationRunFilter | null },
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) {
  return toConnection(await listOperationRuns(servicesOf(context), { ...pageArgs(args, info), filter: args.filter }));
}

// A run is only ever returned to a viewer who may see its tenant (the canonical viewer rule).
export async function runTenant(run: OperationRunParent, _args: unknown, context: GraphQLContext) {
  const tenant = await getTenant(servicesOf(context), { id: run.tenantId });
  if (!tenant) throw new Error(`operation run ${run.id} was returned without its visible tenant`);
  return tenant;
}

export const runBadge = (run: OperationRunParent): StatusBadge => OPERATION_RUN_STATUS_BADGES[run.status];

export const runInitiatedBy = (run: OperationRunParent): ActorParent => ({
  type: run.initiatedByType,
  id: run.initiatedById,
});

/** Like the tenant's: async, so that a refusal is a rejected promise (see resolveTenantReference). */
export async function resolveOperationRunReference(reference: object, context: GraphQLContext) {
  const services = servicesOf(context);
  // Representations arrive unchecked: a missing or non-string id names no run.
  const id: unknown = (reference as { id?: unknown }).id;
  if (typeof id !== "string") return null;
  const [run] = await getOperationRunsByIds(services, [id]);
  return run ?? null;
}

export const startOperationRunMutation = async (
  _root: unknown,
  { input }: { input: StartOperationRunInput },
  context: GraphQLContext,
) => toPayload(await startOperationRun(servicesOf(context), input));

export const updateOperationRunMutation = async (
  _root: unknown,
  { input }: { input: UpdateOperationRunInput },
  context: GraphQLContext,
) => toPayload(await updateOperationRun(servicesOf(context), input));
