// Decisions on one tenant for one viewer, from the capability table: whether the viewer may read
// it, and separately whether it may write it.
import {
  hasAnyCapability,
  hasCapability,
  isTenantScoped,
  TENANT_WRITES,
  type TenantWrite,
} from "../../domain/capabilities.ts";
import { isVisibleToTenantUsers } from "../../domain/operability.ts";
import type { TenantStatus } from "../../domain/vocabulary.ts";
import type { Viewer } from "./viewer.ts";

/** Platform readers and run operators see every tenant (and no tenant-scoped view does). */
export function seesAllTenants(viewer: Viewer): boolean {
  return viewer.tenantScope === null && hasAnyCapability(viewer.principal, ["readPlatform", "operateRuns"]);
}

/**
 * Whether the viewer may read this tenant at all. A miss must look exactly like absence to the
 * caller (null / NOT_FOUND), so callers never tell the two apart.
 */
export function mayReadTenant(viewer: Viewer, tenant: { id: string; status: TenantStatus }): boolean {
  if (viewer.tenantScope !== null) {
    return tenant.id === viewer.tenantScope.tenantId && isVisibleToTenantUsers(tenant.status);
  }
  return seesAllTenants(viewer);
}

/** Whether the caller holds the capability for this kind of write at all (else FORBIDDEN, before any lookup). */
export function holdsWriteCapability(viewer: Viewer, write: TenantWrite): boolean {
  if (viewer.tenantScope?.viaOperatorOverride) return false;
  const { platform, tenant } = TENANT_WRITES[write];
  return isTenantScoped(viewer.principal)
    ? tenant !== null && hasCapability(viewer.principal, tenant)
    : hasCapability(viewer.principal, platform);
}

/**
 * Whether the caller may make this write to this tenant: the capability, and — for a tenant
 * user — the tenant being its own and visible to it. Outside that, a tenant is NOT_FOUND.
 */
export function mayWriteTenant(
  viewer: Viewer,
  tenant: { id: string; status: TenantStatus },
  write: TenantWrite,
): boolean {
  if (!holdsWriteCapability(viewer, write)) return false;
  return viewer.tenantScope === null || mayReadTenant(viewer, tenant);
}
