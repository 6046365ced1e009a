import { ForbiddenError } from "../errors.ts";
import { hasAnyCapability, type Capability } from "./capabilities.ts";
import type { Viewer } from "./viewer.ts";

export const OPERATOR_OVERRIDE_READ_ONLY = "OPERATOR_OVERRIDE_READ_ONLY";

/** Capability failures are FORBIDDEN and are checked before anything about the record. */
export function requireCapability(viewer: Viewer, capabilities: readonly Capability[]): void {
  if (!hasAnyCapability(viewer.principal, capabilities)) {
    throw new ForbiddenError("You do not have permission to perform this action");
  }
}

/** Every write: an operator-override view is read-only, then the capability is required. */
export function requireWriteCapability(viewer: Viewer, capabilities: readonly Capability[]): void {
  if (viewer.tenantScope?.viaOperatorOverride) {
    throw new ForbiddenError("Requests under X-Operator-Override are read-only", OPERATOR_OVERRIDE_READ_ONLY);
  }
  requireCapability(viewer, capabilities);
}

/** Platform-wide reads (tenant lists, audit search, chain checks): never from a tenant-scoped view. */
export function requirePlatformReader(viewer: Viewer): void {
  if (viewer.tenantScope !== null) throw new ForbiddenError("You do not have permission to perform this action");
  requireCapability(viewer, ["readPlatform"]);
}
