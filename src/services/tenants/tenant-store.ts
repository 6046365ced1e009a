import type { TransactionClient } from "../database/client.ts";
import type { TenantRecord } from "../domain-types.ts";
import { isUuid } from "../pagination.ts";

/**
 * Locks the tenant's row for the rest of the transaction and returns it. Every write that
 * touches a tenant or appends to its audit chain goes through here first, so concurrent
 * writers — in this process or another — serialize on the row.
 */
export async function lockTenant(tx: TransactionClient, tenantId: string): Promise<TenantRecord | null> {
  if (!isUuid(tenantId)) return null;
  const rows = await tx.$queryRaw<TenantRecord[]>`
    SELECT id, slug, name, status, status_reason AS "statusReason", status_message AS "statusMessage",
           status_changed_at AS "statusChangedAt", version, created_at AS "createdAt", updated_at AS "updatedAt"
    FROM tenants WHERE id = ${tenantId}::uuid FOR UPDATE`;
  return rows[0] ?? null;
}

/** Unique violations surface as P2002; through the pg adapter the constraint name sits in the cause. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, meta } = error as { code?: unknown; meta?: Record<string, unknown> };
  if (code !== "P2002") return false;
  const adapterError = meta?.["driverAdapterError"] as { cause?: { constraint?: { index?: string } } } | undefined;
  const index = adapterError?.cause?.constraint?.index;
  return index === constraint || meta?.["target"] === constraint;
}
