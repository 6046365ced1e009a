import { ForbiddenError } from "../errors.ts";
import {
  hasAnyCapability,
  hasCapability,
  isTenantScoped,
  type Capability,
  type TenantWrite,
} from "../../domain/capabilities.ts";
import { holdsWriteCapability, seesAllTenants } from "./tenant-access.ts";
import type { Principal } from "../../domain/principal.ts";

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

export const OPERATOR_OVERRIDE_READ_ONLY = "OPERATOR_OVERRIDE_READ_ONLY";

/** The refusal of any write under an override, wherever it is refused (service or schema). */
export function overrideReadOnlyError(): ForbiddenError {
  return new ForbiddenError("Requests under X-Operator-Override are read-only", OPERATOR_OVERRIDE_READ_ONLY);
}

export function createViewer(
  principal: Principal,
  headers: { operatorOverrideTenantId: string | null; contextTenantId: string | null },
): Viewer {
  if (headers.operatorOverrideTenantId !== null) {
    if (!hasCapability(principal, "readPlatform")) throw new OperatorOverrideNotAllowedError();
    return {
      principal,
      tenantScope: { tenantId: headers.operatorOverrideTenantId, isAdmin: true, viaOperatorOverride: true },
      contextTenantId: headers.contextTenantId,
    };
  }
  // A token with tenant_id is a user of that tenant and nothing else, whatever its other scopes.
  const tenantScope =
    isTenantScoped(principal) && hasCapability(principal, "readOwnTenant")
      ? {
          tenantId: principal.tenantId as string,
          isAdmin: hasCapability(principal, "administerOwnTenant"),
          viaOperatorOverride: false,
        }
      : null;
  return { principal, tenantScope, contextTenantId: headers.contextTenantId };
}

/** What an override view may do: whatever the tenant's admin may (design §3), writes then refused as read-only. */
const OVERRIDE_CAPABILITIES: ReadonlySet<Capability> = new Set(["readOwnTenant", "administerOwnTenant"]);

/**
 * Whether the viewer holds any of these capabilities. Under X-Operator-Override the view is the
 * tenant admin's, whatever the operator's token grants: a platform-wide field (the tenant list,
 * the audit feed, a chain check) is refused to it as it would be to that admin.
 */
export function viewerHoldsAnyCapability(viewer: Viewer, capabilities: readonly Capability[]): boolean {
  if (viewer.tenantScope?.viaOperatorOverride) {
    return capabilities.some((capability) => OVERRIDE_CAPABILITIES.has(capability));
  }
  return hasAnyCapability(viewer.principal, capabilities);
}

/** Tenant-scoped viewers never receive internal operator notes (the masking rule's condition). */
export function masksInternalFields(viewer: Viewer): boolean {
  return viewer.tenantScope !== null;
}

/** A write needs its capability: FORBIDDEN before anything about the record (an override view is read-only). */
export function requireWrite(viewer: Viewer, write: TenantWrite): void {
  if (viewer.tenantScope?.viaOperatorOverride) {
    throw overrideReadOnlyError();
  }
  if (!holdsWriteCapability(viewer, write))
    throw new ForbiddenError("You do not have permission to perform this action");
}

/** Proof that the caller reads platform-wide (tenant lists, the audit feed, chain checks). */
export interface PlatformReadAccess {
  readonly platformReader: Viewer;
}

/** Platform-wide reads: never from a tenant-scoped view (FORBIDDEN otherwise). */
export function requirePlatformReader(viewer: Viewer): PlatformReadAccess {
  if (viewer.tenantScope !== null || !hasCapability(viewer.principal, "readPlatform")) {
    throw new ForbiddenError("You do not have permission to perform this action");
  }
  return { platformReader: viewer };
}

/** Proof that the caller sees every tenant: platform readers and run operators. */
export interface AllTenantsAccess {
  readonly allTenantsViewer: Viewer;
}

/** The access for lists across every tenant (the run list), or null for a caller who does not see them all. */
export function allTenantsAccess(viewer: Viewer): AllTenantsAccess | null {
  return seesAllTenants(viewer) ? { allTenantsViewer: viewer } : null;
}
