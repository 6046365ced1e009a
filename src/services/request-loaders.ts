import DataLoader from "dataloader";
import type { QueryResultRow } from "pg";
import { ONBOARDING_COLUMNS, RUN_COLUMNS, TENANT_COLUMNS } from "./database/columns.ts";
import { prepared, type SqlRunner } from "./database/prepared.ts";
import type { OperationKind } from "./domain-types.ts";
import {
  type OnboardingSessionRecord,
  type OperationRunRecord,
  type OperationRunStatus,
  type TenantRecord,
} from "./domain-types.ts";
import { isStorableText } from "./database/text.ts";
import { isUuid } from "./pagination.ts";

/** One tenant's slice of runs: newest first, `limit` rows after the cursor, and the filter's total. */
export interface TenantRunWindowKey {
  tenantId: string;
  limit: number;
  after: { at: Date; id: string } | null;
  statuses: readonly OperationRunStatus[] | null;
  kinds: readonly OperationKind[] | null;
}

export interface TenantRunWindow {
  rows: OperationRunRecord[];
  totalCount: number;
}

/**
 * Per-request batching: N lookups of one kind in one tick become one statement. Never shared
 * across requests, so nothing is cached beyond the request that loaded it. These are the hot read
 * paths, so they use hand-written SQL on the shared pool rather than Prisma's query engine
 * (measured: the engine cost ~40 % of a small read).
 */
export class RequestLoaders {
  constructor(private readonly sql: SqlRunner) {}

  private async rows<Row extends QueryResultRow>(text: string, values: unknown[]): Promise<Row[]> {
    return (await this.sql.query<Row>(prepared(text, values))).rows;
  }

  readonly tenantById = new DataLoader<string, TenantRecord | null>(async (ids) => {
    const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const rows =
      valid.length === 0
        ? []
        : await this.rows<TenantRecord>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = ANY($1::uuid[])`, [valid]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  });

  readonly tenantBySlug = new DataLoader<string, TenantRecord | null>(async (slugs) => {
    const valid = [...new Set(slugs.filter(isStorableText))];
    const rows =
      valid.length === 0
        ? []
        : await this.rows<TenantRecord>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE slug = ANY($1::text[])`, [valid]);
    const bySlug = new Map(rows.map((row) => [row.slug, row]));
    return slugs.map((slug) => bySlug.get(slug) ?? null);
  });

  readonly onboardingByTenantId = new DataLoader<string, OnboardingSessionRecord | null>(async (tenantIds) => {
    const rows = await this.rows<OnboardingSessionRecord>(
      `SELECT ${ONBOARDING_COLUMNS} FROM onboarding_sessions WHERE tenant_id = ANY($1::uuid[])`,
      [[...tenantIds]],
    );
    const byTenant = new Map(rows.map((row) => [row.tenantId, row]));
    return tenantIds.map((id) => byTenant.get(id) ?? null);
  });

  /** The latest DEPROVISION run's status per tenant (the FINALIZE_DEPROVISION guard). */
  readonly latestDeprovisionStatusByTenantId = new DataLoader<string, OperationRunStatus | null>(async (tenantIds) => {
    const rows = await this.rows<{ tenantId: string; status: OperationRunStatus }>(
      `SELECT DISTINCT ON (tenant_id) tenant_id AS "tenantId", status FROM operation_runs
       WHERE tenant_id = ANY($1::uuid[]) AND kind = 'DEPROVISION' ORDER BY tenant_id, created_at DESC, id DESC`,
      [[...tenantIds]],
    );
    const byTenant = new Map(rows.map((row) => [row.tenantId, row.status]));
    return tenantIds.map((id) => byTenant.get(id) ?? null);
  });

  readonly runById = new DataLoader<string, OperationRunRecord | null>(async (ids) => {
    const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const rows =
      valid.length === 0
        ? []
        : await this.rows<OperationRunRecord>(`SELECT ${RUN_COLUMNS} FROM operation_runs WHERE id = ANY($1::uuid[])`, [
            valid,
          ]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  });

  /**
   * The first runs of many tenants at once (a dashboard page): one windowed statement for the
   * rows and one grouped count, whatever the number of tenants.
   */
  readonly tenantRunWindow = new DataLoader<TenantRunWindowKey, TenantRunWindow, string>(
    async (keys) => {
      // Keys differing only in their tenant share one statement pair.
      const groups = new Map<string, TenantRunWindowKey[]>();
      for (const key of keys) {
        const signature = JSON.stringify([key.limit, key.after, key.statuses, key.kinds]);
        groups.set(signature, [...(groups.get(signature) ?? []), key]);
      }
      const windows = new Map<TenantRunWindowKey, TenantRunWindow>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          for (const [key, window] of await this.loadRunWindows(group)) windows.set(key, window);
        }),
      );
      return keys.map((key) => windows.get(key) as TenantRunWindow);
    },
    { cacheKeyFn: (key) => JSON.stringify([key.tenantId, key.limit, key.after, key.statuses, key.kinds]) },
  );

  private async loadRunWindows(group: TenantRunWindowKey[]): Promise<[TenantRunWindowKey, TenantRunWindow][]> {
    const shape = group[0] as TenantRunWindowKey;
    const values: unknown[] = [group.map((key) => key.tenantId)];
    const filters = ["tenant_id = ANY($1::uuid[])"];
    if (shape.statuses?.length)
      filters.push(`status = ANY($${values.push([...shape.statuses])}::operation_run_status[])`);
    if (shape.kinds?.length) filters.push(`kind = ANY($${values.push([...shape.kinds])}::operation_kind[])`);
    const where = filters.join(" AND ");
    const countValues = [...values];
    const cursor = shape.after
      ? `AND (created_at, id) < ($${values.push(shape.after.at)}::timestamptz, $${values.push(shape.after.id)}::uuid)`
      : "";
    const limit = `$${values.push(shape.limit)}`;
    if (!shape.after) {
      // A first page (the dashboard's case): the total comes from the same statement, as a window count.
      const ranked = await this.rows<OperationRunRecord & { total: number }>(
        `SELECT ${RUN_COLUMNS}, total FROM (
           SELECT r.*, count(*) OVER (PARTITION BY tenant_id)::int AS total,
             row_number() OVER (PARTITION BY tenant_id ORDER BY created_at DESC, id DESC) AS position
           FROM operation_runs r WHERE ${where}
         ) ranked WHERE position <= ${limit} ORDER BY tenant_id, created_at DESC, id DESC`,
        values,
      );
      const windows = new Map<string, TenantRunWindow>();
      for (const { total, ...run } of ranked) {
        const window = windows.get(run.tenantId) ?? { rows: [], totalCount: total };
        window.rows.push(run);
        windows.set(run.tenantId, window);
      }
      return group.map((key) => [key, windows.get(key.tenantId) ?? { rows: [], totalCount: 0 }]);
    }
    const [rows, counts] = await Promise.all([
      this.rows<OperationRunRecord>(
        `SELECT ${RUN_COLUMNS} FROM (
           SELECT r.*, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at DESC, id DESC) AS position
           FROM operation_runs r WHERE ${where} ${cursor}
         ) ranked WHERE position <= ${limit} ORDER BY tenant_id, created_at DESC, id DESC`,
        values,
      ),
      this.rows<{ tenantId: string; count: number }>(
        `SELECT tenant_id AS "tenantId", count(*)::int AS count FROM operation_runs WHERE ${where} GROUP BY tenant_id`,
        countValues,
      ),
    ]);
    const counted = new Map(counts.map((row) => [row.tenantId, row.count]));
    return group.map((key) => [
      key,
      { rows: rows.filter((row) => row.tenantId === key.tenantId), totalCount: counted.get(key.tenantId) ?? 0 },
    ]);
  }
}
