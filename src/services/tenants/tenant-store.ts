// The one owner of the `tenants` table's SQL: writes (in a mutation's transaction), batched
// lookups and the list page (per request).
import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import { TENANT_COLUMNS } from "../database/columns.ts";
import { listPage, type ListFilterSql, type ListSource } from "../database/pages.ts";
import type { RequestSql, SqlTransaction } from "../database/sql.ts";
import type { TenantRecord, TenantStatus } from "../../domain/vocabulary.ts";
import { keysetOrder, SEARCH_COUNT_CAP, type Page, type PageRequest } from "../pagination.ts";
import { isStorableText, isUuid } from "../text.ts";
import { isUnbounded, timeRangeConditions, type TimeRange } from "../time-range.ts";

export const SLUG_CONSTRAINT = "tenants_slug_key";

/** Newest first: the dashboard's order (index tenants_created_at_id_idx). */
export const TENANT_ORDER = keysetOrder<TenantRecord>("tenants", [
  { column: "created_at", type: "timestamptz", of: (tenant) => tenant.createdAt },
  { column: "id", type: "uuid", of: (tenant) => tenant.id },
]);

const TENANTS: ListSource<TenantRecord> = { table: "tenants", columns: TENANT_COLUMNS, order: TENANT_ORDER };

/**
 * The nil UUID, which no tenant has (ids are random v4 UUIDs). Looking it up costs what looking
 * up a tenant costs: a by-id path that found no record looks this up in its place, so that a
 * record the caller may not see and one that does not exist cost the same statements (§3).
 */
export const NO_TENANT_ID = "00000000-0000-0000-0000-000000000000";

// ---------------------------------------------------------------- writes

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

/**
 * The tenant as it is now, without a lock: a mutation judges whether the caller may write it
 * before it locks the row, and a replayed mutation re-judges visibility on it.
 */
export async function readTenant(tx: SqlTransaction, tenantId: string): Promise<TenantRecord | null> {
  if (!isUuid(tenantId)) return null;
  const [tenant] = await tx.rows<TenantRecord>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [tenantId]);
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

// ---------------------------------------------------------------- reads

export interface TenantListFilter {
  /** The statuses listed; null: every status. */
  statuses: readonly TenantStatus[] | null;
  /** Trimmed, validated search term; null: none. */
  search: string | null;
  /** When the tenants were created. */
  created: TimeRange;
}

/** Below this many characters a term has no trigram: it matches slugs by prefix instead. */
export const SHORTEST_INFIX_SEARCH = 3;

/** Escapes LIKE wildcards so `%`, `_` and `\` in user input match themselves. */
export function escapeLikePattern(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/**
 * A term of 3+ characters matches anywhere in the slug or the name, case-insensitively (the
 * trigram index over both); a shorter one matches the start of the slug (tenants_slug_prefix_idx),
 * since one or two characters occur in nearly every name.
 */
function searchCondition(search: string, values: unknown[]): string {
  if ([...search].length < SHORTEST_INFIX_SEARCH) {
    return `slug LIKE $${values.push(`${escapeLikePattern(search.toLowerCase())}%`)} ESCAPE '\\'`;
  }
  // The expression of tenants_search_trgm_idx, as the migration writes it.
  return `(slug || E'\\x1f' || name) ILIKE $${values.push(`%${escapeLikePattern(search)}%`)} ESCAPE '\\'`;
}

function filterSql(filter: TenantListFilter, values: unknown[]): ListFilterSql {
  // A creation range bounds the time-ordered walk (created_at follows the status in its index).
  const created = timeRangeConditions("created_at", filter.created, values);
  if (filter.search === null) {
    return {
      conditions: created,
      oneOf: filter.statuses ? [{ column: "status", type: "tenant_status", values: filter.statuses }] : [],
    };
  }
  // With a search the planner chooses: the trigram index for a rare term, the time-ordered walk
  // for a common one. A walk per status would force the second.
  const conditions = [searchCondition(filter.search, values), ...created];
  if (filter.statuses) conditions.push(`status = ANY($${values.push(filter.statuses)}::tenant_status[])`);
  return { conditions, oneOf: [], plannedPerCall: true, countCap: SEARCH_COUNT_CAP, countWithPage: true };
}

/** Per-request reads of tenants: N lookups in one tick become one statement. */
export class TenantReader {
  constructor(private readonly sql: RequestSql) {}

  readonly byId = new DataLoader<string, TenantRecord | null>(async (ids) => {
    const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const rows =
      valid.length === 0
        ? []
        : await this.sql.rows<TenantRecord>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = ANY($1::uuid[])`, [
            valid,
          ]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  });

  readonly bySlug = new DataLoader<string, TenantRecord | null>(async (slugs) => {
    const valid = [...new Set(slugs.filter(isStorableText))];
    const rows =
      valid.length === 0
        ? []
        : await this.sql.rows<TenantRecord>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE slug = ANY($1::text[])`, [
            valid,
          ]);
    const bySlug = new Map(rows.map((row) => [row.slug, row]));
    return slugs.map((slug) => bySlug.get(slug) ?? null);
  });

  /**
   * One page of the list, newest first. Filtered by status alone, its total is exact and read
   * from the per-status counters (tenant_status_counts); with a search, counted up to
   * SEARCH_COUNT_CAP; with a creation range (which the counters do not know), up to COUNT_CAP.
   */
  page(filter: TenantListFilter, request: PageRequest): Promise<Page<TenantRecord>> {
    const values: unknown[] = [];
    const exactTotal =
      filter.search === null && isUnbounded(filter.created) ? () => this.countByStatus(filter.statuses) : undefined;
    return listPage(this.sql, TENANTS, filterSql(filter, values), values, request, exactTotal);
  }

  /**
   * Tenants per status (a status with none is absent), in one statement over the counters the
   * tenants table's triggers keep: at most 32 rows per status, whatever the fleet's size.
   */
  async countsPerStatus(): Promise<Map<TenantStatus, number>> {
    const rows = await this.sql.rows<{ status: TenantStatus; count: string }>(
      "SELECT status, sum(count)::int8 AS count FROM tenant_status_counts GROUP BY status",
      [],
    );
    return new Map(rows.map((row) => [row.status, Number(row.count)]));
  }

  /** Tenants in these statuses (all for null), from the counters the tenants table's triggers keep. */
  async countByStatus(statuses: readonly TenantStatus[] | null): Promise<number> {
    const [row] = await this.sql.rows<{ count: number }>(
      `SELECT coalesce(sum(count), 0)::int8 AS count FROM tenant_status_counts
       WHERE $1::tenant_status[] IS NULL OR status = ANY($1::tenant_status[])`,
      [statuses],
    );
    return Number(row?.count ?? 0);
  }
}
