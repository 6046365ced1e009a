import { isVisibleToTenantUsers } from "../lifecycle/operability.ts";
import type { TenantStatus } from "../domain-types.ts";
import { hasAnyCapability, hasCapability } from "./capabilities.ts";
import type { Principal } from "./principal.ts";

/** A tenant-scoped view: a tenant user, or a platform reader under X-Operator-Override. */
export interface TenantScope {
  tenantId: string;
  /** tenant:admin (an override sees what the tenant's admin would see). */
  isAdmin: boolean;
  viaOperatorOverride: boolean;
}

/** The caller as the services judge it: who they are and which slice of the data they may see. */
export interface Viewer {
  principal: Principal;
  /** Set when the caller sees one tenant only, masked; null for platform-wide callers. */
  tenantScope: TenantScope | null;
  /** X-Tenant-Context: defaults the tenant filter of run/audit lists, nothing else. */
  contextTenantId: string | null;
}

export class OperatorOverrideNotAllowedError extends Error {
  constructor() {
    super("X-Operator-Override is only accepted from platform readers");
    this.name = "OperatorOverrideNotAllowedError";
  }
}

export function createViewer(
  principal: Principal,
  headers: { operatorOverrideTenantId: string | null; contextTenantId: string | null },
): Viewer {
  const platformWide = hasAnyCapability(principal, ["readPlatform", "operateRuns"]);
  if (headers.operatorOverrideTenantId !== null) {
    if (!hasCapability(principal, "readPlatform")) throw new OperatorOverrideNotAllowedError();
    return {
      principal,
      tenantScope: { tenantId: headers.operatorOverrideTenantId, isAdmin: true, viaOperatorOverride: true },
      contextTenantId: headers.contextTenantId,
    };
  }
  const tenantScope =
    !platformWide && principal.tenantId !== null && hasCapability(principal, "readOwnTenant")
      ? {
          tenantId: principal.tenantId,
          isAdmin: hasCapability(principal, "administerOwnTenant"),
          viaOperatorOverride: false,
        }
      : null;
  return { principal, tenantScope, contextTenantId: headers.contextTenantId };
}

/** Platform readers and run operators see every tenant; nobody else sees any beyond their scope. */
export function seesAllTenants(viewer: Viewer): boolean {
  return viewer.tenantScope === null && hasAnyCapability(viewer.principal, ["readPlatform", "operateRuns"]);
}

/**
 * Whether the viewer may see this tenant at all. A miss must look exactly like absence to
 * the caller (null / NOT_FOUND), so callers never distinguish the two.
 */
export function canSeeTenant(viewer: Viewer, tenant: { id: string; status: TenantStatus }): boolean {
  if (viewer.tenantScope !== null) {
    return tenant.id === viewer.tenantScope.tenantId && isVisibleToTenantUsers(tenant.status);
  }
  return seesAllTenants(viewer);
}

export function masksInternalFields(viewer: Viewer): boolean {
  return viewer.tenantScope !== null;
}
