// The masking rule (docs/design.md §3), and the only way records leave the service layer.
//
// Every record a service hands out is a Presented<T>: a value only this module can produce,
// after judging that the viewer may see it and masking what the viewer may not read. The
// schema's object types are typed over Presented records, so a service path that returns a raw
// record — unmasked, or not checked for visibility — does not compile.
import type {
  AuditEventRecord,
  OnboardingSessionRecord,
  OperationRunRecord,
  TenantRecord,
} from "../../domain/vocabulary.ts";
import { mayReadTenant } from "./tenant-access.ts";
import { masksInternalFields, type AllTenantsAccess, type PlatformReadAccess, type Viewer } from "./viewer.ts";

declare const presented: unique symbol;

/** A record as it may leave the service layer for one viewer: visible to them, masked for them. */
export type Presented<T> = T & { readonly [presented]: true };

/** Fields of audit `changes` that tenant-scoped viewers never receive. */
export const INTERNAL_CHANGE_FIELDS: readonly string[] = ["statusReason", "failureReason"];

function brand<T>(value: T): Presented<T> {
  return value as Presented<T>;
}

/** A tenant as the viewer may see it, or null when they may not see it at all (never a distinct error). */
export function presentTenant(viewer: Viewer, tenant: TenantRecord | null): Presented<TenantRecord> | null {
  if (!tenant || !mayReadTenant(viewer, tenant)) return null;
  return brand(masksInternalFields(viewer) ? { ...tenant, statusReason: null } : tenant);
}

/** A tenant of a platform reader's list (platform readers see every tenant, unmasked). */
export function presentPlatformTenant(access: PlatformReadAccess, tenant: TenantRecord): Presented<TenantRecord> {
  return presentTenant(access.platformReader, tenant) as Presented<TenantRecord>;
}

/** A run, judged by its tenant (the canonical viewer rule: the record and the viewer's entitlement). */
export function presentRun(
  viewer: Viewer,
  run: OperationRunRecord | null,
  tenant: TenantRecord | null,
): Presented<OperationRunRecord> | null {
  if (!run || !tenant || run.tenantId !== tenant.id || !mayReadTenant(viewer, tenant)) return null;
  return brand(masksInternalFields(viewer) ? { ...run, failureReason: null } : run);
}

/** A run of a list across every tenant, for a caller who sees them all (nothing of it is masked). */
export function presentAnyTenantRun(access: AllTenantsAccess, run: OperationRunRecord): Presented<OperationRunRecord> {
  if (masksInternalFields(access.allTenantsViewer)) throw new Error("a tenant-scoped view cannot see every tenant");
  return brand(run);
}

/** A run of a tenant the viewer already sees (the presented tenant is the proof). */
export function presentTenantRun(
  viewer: Viewer,
  tenant: Presented<TenantRecord>,
  run: OperationRunRecord,
): Presented<OperationRunRecord> {
  return presentRun(viewer, run, tenant) as Presented<OperationRunRecord>;
}

/**
 * An audit event of a tenant the viewer sees (the presented tenant is the proof), or of the
 * platform feed (the platform reader's access is).
 */
export function presentAuditEvent(
  viewer: Viewer,
  access: Presented<TenantRecord> | PlatformReadAccess,
  event: AuditEventRecord,
): Presented<AuditEventRecord> {
  if ("id" in access && access.id !== event.tenantId) {
    throw new Error("an audit event was presented under another tenant");
  }
  if (!masksInternalFields(viewer)) return brand(event);
  return brand({ ...event, reason: null, changes: withoutInternalChanges(event.changes) });
}

/** The onboarding session of a tenant the viewer sees. */
export function presentSession(
  tenant: Presented<TenantRecord>,
  session: OnboardingSessionRecord | null,
): Presented<OnboardingSessionRecord> | null {
  return session && session.tenantId === tenant.id ? brand(session) : null;
}

function withoutInternalChanges(changes: AuditEventRecord["changes"]): AuditEventRecord["changes"] {
  if (changes === null || typeof changes !== "object" || Array.isArray(changes)) return changes;
  return Object.fromEntries(Object.entries(changes).filter(([field]) => !INTERNAL_CHANGE_FIELDS.includes(field)));
}
