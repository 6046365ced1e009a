// Resolvers of the Tenant family: Query.tenant/tenants/viewerTenant, Tenant's nested fields,
// the entity reference, createTenant and updateTenant.
import type { GraphQLResolveInfo } from "graphql";
import type { TenantRecord } from "../domain/vocabulary.ts";
import { listTenantAuditEvents } from "../services/audit/audit-service.ts";
import type { Presented } from "../services/authorization/presentation.ts";
import { InvalidArgumentError } from "../services/errors.ts";
import { getAllowedActions } from "../services/lifecycle/lifecycle-service.ts";
import { getOnboardingSession } from "../services/onboarding/onboarding-service.ts";
import { listTenantOperationRuns, type OperationRunFilter } from "../services/operation-runs/run-service.ts";
import {
  countTenantsPerStatus,
  createTenant,
  getTenant,
  getViewerTenant,
  listTenants,
  updateTenant,
  type CreateTenantInput,
  type TenantChangePayload,
  type TenantFilter,
  type TenantStatusCount,
  type UpdateTenantInput,
} from "../services/tenants/tenant-service.ts";
import { pageArgs, toConnection, toPayload, type ConnectionArgs, type Payload } from "./connection.ts";
import { servicesOf, type GraphQLContext } from "./context.ts";

/** A tenant as the schema receives it: only the presentation module makes one. */
export type TenantParent = Presented<TenantRecord>;
export type TenantChangePayloadParent = Payload<TenantChangePayload>;
export type { CreateTenantInput, TenantFilter, TenantStatusCount, UpdateTenantInput };

type PageFieldArgs = ConnectionArgs;

export function tenantByIdOrSlug(
  _root: unknown,
  args: { id?: string | null; slug?: string | null },
  context: GraphQLContext,
) {
  if ((args.id == null) === (args.slug == null)) throw new InvalidArgumentError("Give exactly one of id or slug");
  return getTenant(servicesOf(context), args.id != null ? { id: args.id } : { slug: args.slug as string });
}

export async function tenantsPage(
  _root: unknown,
  args: PageFieldArgs & { filter?: TenantFilter | null },
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) {
  return toConnection(await listTenants(servicesOf(context), { ...pageArgs(args, info), filter: args.filter }));
}

export const tenantStatusCounts = (_root: unknown, _args: unknown, context: GraphQLContext) =>
  countTenantsPerStatus(servicesOf(context));

export const viewerTenant = (_root: unknown, _args: unknown, context: GraphQLContext) =>
  getViewerTenant(servicesOf(context));

export const tenantAllowedActions = (tenant: TenantParent, _args: unknown, context: GraphQLContext) =>
  getAllowedActions(servicesOf(context), tenant);

export const tenantOnboarding = (tenant: TenantParent, _args: unknown, context: GraphQLContext) =>
  getOnboardingSession(servicesOf(context), tenant);

export async function tenantOperationRuns(
  tenant: TenantParent,
  args: PageFieldArgs & { filter?: OperationRunFilter | null },
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) {
  return toConnection(
    await listTenantOperationRuns(servicesOf(context), tenant, { ...pageArgs(args, info), filter: args.filter }),
  );
}

export async function tenantAuditEvents(
  tenant: TenantParent,
  args: PageFieldArgs,
  context: GraphQLContext,
  info: GraphQLResolveInfo,
) {
  return toConnection(await listTenantAuditEvents(servicesOf(context), tenant, pageArgs(args, info)));
}

/**
 * `_entities` calls resolveReference directly, outside scope-auth: visibility and masking come
 * from the same service call as `Query.tenant`, and per-request loaders batch the lookups.
 * It is async so that a refusal (no token) is a rejected promise, never a synchronous throw:
 * @apollo/subgraph maps the representations in order, and a throw in the middle would leave
 * the earlier representations' promises rejected with no one listening.
 */
export async function resolveTenantReference(reference: object, context: GraphQLContext) {
  const services = servicesOf(context);
  // Representations arrive unchecked: a key that is missing or not a string names no tenant.
  const key: { id?: unknown; slug?: unknown } = reference;
  if (typeof key.id === "string") return getTenant(services, { id: key.id });
  if (typeof key.slug === "string") return getTenant(services, { slug: key.slug });
  return null;
}

export const createTenantMutation = async (
  _root: unknown,
  { input }: { input: CreateTenantInput },
  context: GraphQLContext,
) => toPayload(await createTenant(servicesOf(context), input));

export const updateTenantMutation = async (
  _root: unknown,
  { input }: { input: UpdateTenantInput },
  context: GraphQLContext,
) => toPayload(await updateTenant(servicesOf(context), input));
