import { randomUUID } from "node:crypto";
import { TENANT_COLUMNS } from "../database/columns.ts";
import type { SqlTransaction } from "../database/sql-transaction.ts";
import type { TenantRecord, TenantStatus } from "../domain-types.ts";
import { isUuid } from "../pagination.ts";

/**
 * Locks the tenant's row for the rest of the transaction and returns it. Every write that
 * touches a tenant or appends to its audit chain goes through here first, so concurrent
 * writers — in this process or another — serialize on the row.
 */
export async function lockTenant(tx: SqlTransaction, tenantId: string): Promise<TenantRecord | null> {
  if (!isUuid(tenantId)) return null;
  const [tenant] = await tx.rows<TenantRecord>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1 FOR UPDATE`, [
    tenantId,
  ]);
  return tenant ?? null;
}

export async function isSlugTaken(tx: SqlTransaction, slug: string): Promise<boolean> {
  return (await tx.rows("SELECT 1 FROM tenants WHERE slug = $1", [slug])).length > 0;
}

/** A new tenant in DRAFT at version 1 (the column defaults). */
export async function insertTenant(tx: SqlTransaction, tenant: { slug: string; name: string }): Promise<TenantRecord> {
  const [created] = await tx.rows<TenantRecord>(
    `INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3) RETURNING ${TENANT_COLUMNS}`,
    [randomUUID(), tenant.slug, tenant.name],
  );
  return created as TenantRecord;
}

/** Renames and/or re-slugs a locked tenant (an absent value keeps the current one); bumps its version. */
export async function renameTenant(
  tx: SqlTransaction,
  tenantId: string,
  change: { name?: string; slug?: string },
): Promise<TenantRecord> {
  const [tenant] = await tx.rows<TenantRecord>(
    `UPDATE tenants SET name = COALESCE($2, name), slug = COALESCE($3, slug), version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
    [tenantId, change.name ?? null, change.slug ?? null],
  );
  return tenant as TenantRecord;
}

/** Moves a locked tenant to a new status with its reason and message; bumps its version. */
export async function setTenantStatus(
  tx: SqlTransaction,
  tenantId: string,
  change: { status: TenantStatus; statusReason: string | null; statusMessage: string | null; at: Date },
): Promise<TenantRecord> {
  const [tenant] = await tx.rows<TenantRecord>(
    `UPDATE tenants SET status = $2, status_reason = $3, status_message = $4, status_changed_at = $5,
       version = version + 1, updated_at = $5
     WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
    [tenantId, change.status, change.statusReason, change.statusMessage, change.at],
  );
  return tenant as TenantRecord;
}

/** A statement that failed on the named unique index (PostgreSQL's unique_violation). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === "23505" && violated === constraint;
}
