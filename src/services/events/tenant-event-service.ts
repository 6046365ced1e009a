// `Query.tenantEvents` (docs/design.md §9): the audit trail as a replayable feed, oldest first.
import { AUDIT_ACTIONS, PLATFORM_EVENT_TYPES, type AuditAction } from "../../domain/audit-actions.ts";
import type { AuditEventRecord } from "../../domain/vocabulary.ts";
import { presentAuditEvent, presentTenant, type Presented } from "../authorization/presentation.ts";
import { requirePlatformReader } from "../authorization/viewer.ts";
import { ForbiddenError, InvalidArgumentError } from "../errors.ts";
import { emptyPage, mapPage, validatePageRequest, type Page, type PageArgs } from "../pagination.ts";
import type { ServiceContext } from "../service-context.ts";
import { isUuid } from "../text.ts";
import type { TenantEventFeedFilter } from "../audit/audit-store.ts";
import { TenantEventReader } from "./tenant-event-feed.ts";

export interface TenantEventFilter {
  tenantId?: string | null;
  types?: readonly string[] | null;
  since?: Date | null;
}

const CATALOGUED: ReadonlySet<string> = new Set(AUDIT_ACTIONS);
const PLATFORM: ReadonlySet<string> = new Set(PLATFORM_EVENT_TYPES);

/** The filter's types as catalogued actions; an unknown name is a mistake worth saying (BAD_USER_INPUT). */
export function eventTypesOf(types: readonly string[] | null | undefined): AuditAction[] | null {
  if (types === null || types === undefined) return null;
  const platform = types.find((type) => PLATFORM.has(type));
  if (platform !== undefined) {
    // Catalogued, but a fact of no tenant: it is not in this feed (docs/design.md §9).
    throw new InvalidArgumentError(
      `filter.types: ${platform} is a platform event, not a tenant's: webhooks and broker sinks deliver it, and platformAuditEvents lists it`,
      "filter",
    );
  }
  const unknown = types.filter((type) => !CATALOGUED.has(type));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `filter.types has ${unknown.length === 1 ? "an unknown event type" : "unknown event types"} (${unknown
        .slice(0, 3)
        .map((type) => JSON.stringify(type.slice(0, 100)))
        .join(", ")}); the types are: ${AUDIT_ACTIONS.join(", ")}`,
      "filter",
    );
  }
  return [...new Set(types)] as AuditAction[];
}

/**
 * Platform readers read every tenant's events; a tenant's admin (or an operator overriding into
 * the tenant) reads that tenant's, masked, while the tenant is visible to its users. A filter on
 * another tenant is, for them, a tenant that does not exist: an empty feed.
 */
export async function listTenantEvents(
  context: ServiceContext,
  args: PageArgs & { filter?: TenantEventFilter | null },
): Promise<Page<Presented<AuditEventRecord>>> {
  const { viewer } = context;
  const request = validatePageRequest(args);
  const actions = eventTypesOf(args.filter?.types);
  const since = args.filter?.since ?? null;
  const requestedTenant = args.filter?.tenantId ?? null;
  if (requestedTenant !== null && !isUuid(requestedTenant)) return emptyPage(request);
  const reader = new TenantEventReader(context.sql);
  const feed = (tenantId: string | null): TenantEventFeedFilter => ({ tenantId, actions, since });

  const scope = viewer.tenantScope;
  if (scope === null) {
    const access = requirePlatformReader(viewer);
    const tenantId = requestedTenant?.toLowerCase() ?? null;
    const page = await reader.page(feed(tenantId), request);
    return mapPage(page, (event) => presentAuditEvent(viewer, access, event));
  }
  if (!scope.isAdmin) throw new ForbiddenError("You do not have permission to perform this action");
  if (requestedTenant !== null && requestedTenant.toLowerCase() !== scope.tenantId) return emptyPage(request);
  const tenant = presentTenant(viewer, await context.read.tenants.byId.load(scope.tenantId));
  if (tenant === null) return emptyPage(request);
  const page = await reader.page(feed(tenant.id), request);
  return mapPage(page, (event) => presentAuditEvent(viewer, tenant, event));
}
