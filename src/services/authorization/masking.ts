import type { AuditEventRecord, OperationRunRecord, TenantRecord } from "../domain-types.ts";
import { masksInternalFields, type Viewer } from "./viewer.ts";

/**
 * The masking rule (docs/design.md §3): tenant-scoped viewers never receive internal operator notes.
 * Applied where data leaves the service layer, so every read path and payload goes through it.
 */
export const INTERNAL_CHANGE_FIELDS: readonly string[] = ["statusReason", "failureReason"];

export function maskTenant<T extends Pick<TenantRecord, "statusReason">>(viewer: Viewer, tenant: T): T {
  return masksInternalFields(viewer) ? { ...tenant, statusReason: null } : tenant;
}

export function maskOperationRun<T extends Pick<OperationRunRecord, "failureReason">>(viewer: Viewer, run: T): T {
  return masksInternalFields(viewer) ? { ...run, failureReason: null } : run;
}

export function maskAuditEvent<T extends Pick<AuditEventRecord, "reason" | "changes">>(viewer: Viewer, event: T): T {
  if (!masksInternalFields(viewer)) return event;
  return { ...event, reason: null, changes: withoutInternalChanges(event.changes) };
}

function withoutInternalChanges(changes: AuditEventRecord["changes"]): AuditEventRecord["changes"] {
  if (changes === null || typeof changes !== "object" || Array.isArray(changes)) return changes;
  return Object.fromEntries(Object.entries(changes).filter(([field]) => !INTERNAL_CHANGE_FIELDS.includes(field)));
}
