import DataLoader from "dataloader";
import { Prisma } from "../generated/prisma/client.ts";
import type { PrismaClient } from "./database/client.ts";
import {
  OperationKind,
  type OnboardingSessionRecord,
  type OperationRunRecord,
  type OperationRunStatus,
  type TenantRecord,
} from "./domain-types.ts";
import { isUuid } from "./pagination.ts";

/**
 * Per-request batching: N lookups of one kind in one tick become one statement. Never shared
 * across requests, so nothing is cached beyond the request that loaded it.
 */
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

const RUN_COLUMNS = Prisma.sql`id, tenant_id AS "tenantId", kind, status, progress, summary, failure_reason AS "failureReason",
  initiated_by_type AS "initiatedByType", initiated_by_id AS "initiatedById", version, created_at AS "createdAt",
  updated_at AS "updatedAt", started_at AS "startedAt", finished_at AS "finishedAt"`;

export class RequestLoaders {
  constructor(private readonly db: PrismaClient) {}

  readonly tenantById = new DataLoader<string, TenantRecord | null>(async (ids) => {
    const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
    const rows = valid.length === 0 ? [] : await this.db.tenant.findMany({ where: { id: { in: valid } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  });

  readonly tenantBySlug = new DataLoader<string, TenantRecord | null>(async (slugs) => {
    const rows = await this.db.tenant.findMany({ where: { slug: { in: [...slugs] } } });
    const bySlug = new Map(rows.map((row) => [row.slug, row]));
    return slugs.map((slug) => bySlug.get(slug) ?? null);
  });

  readonly onboardingByTenantId = new DataLoader<string, OnboardingSessionRecord | null>(async (tenantIds) => {
    const rows = await this.db.onboardingSession.findMany({ where: { tenantId: { in: [...tenantIds] } } });
    const byTenant = new Map(rows.map((row) => [row.tenantId, row]));
    return tenantIds.map((id) => byTenant.get(id) ?? null);
  });

  /** The latest DEPROVISION run's status per tenant (the FINALIZE_DEPROVISION guard). */
  readonly latestDeprovisionStatusByTenantId = new DataLoader<string, OperationRunStatus | null>(async (tenantIds) => {
    const rows = await this.db.operationRun.findMany({
      where: { tenantId: { in: [...tenantIds] }, kind: OperationKind.DEPROVISION },
      distinct: ["tenantId"],
      orderBy: [{ tenantId: "asc" }, { createdAt: "desc" }, { id: "desc" }],
      select: { tenantId: true, status: true },
    });
    const byTenant = new Map(rows.map((row) => [row.tenantId, row.status]));
    return tenantIds.map((id) => byTenant.get(id) ?? null);
  });

  readonly runById = new DataLoader<string, OperationRunRecord | null>(async (ids) => {
    const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
    const rows = valid.length === 0 ? [] : await this.db.operationRun.findMany({ where: { id: { in: valid } } });
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
    const tenantIds = group.map((key) => key.tenantId);
    const filters: Prisma.Sql[] = [Prisma.sql`tenant_id = ANY(${tenantIds}::uuid[])`];
    if (shape.statuses?.length) filters.push(Prisma.sql`status = ANY(${[...shape.statuses]}::operation_run_status[])`);
    if (shape.kinds?.length) filters.push(Prisma.sql`kind = ANY(${[...shape.kinds]}::operation_kind[])`);
    const where = Prisma.join(filters, " AND ");
    const cursor = shape.after
      ? Prisma.sql`AND (created_at, id) < (${shape.after.at}, ${shape.after.id}::uuid)`
      : Prisma.empty;
    const [rows, counts] = await Promise.all([
      this.db.$queryRaw<OperationRunRecord[]>`
        SELECT ${RUN_COLUMNS} FROM (
          SELECT r.*, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at DESC, id DESC) AS position
          FROM operation_runs r WHERE ${where} ${cursor}
        ) ranked WHERE position <= ${shape.limit} ORDER BY tenant_id, created_at DESC, id DESC`,
      this.db.$queryRaw<{ tenantId: string; count: number }[]>`
        SELECT tenant_id AS "tenantId", count(*)::int AS count FROM operation_runs WHERE ${where} GROUP BY tenant_id`,
    ]);
    const counted = new Map(counts.map((row) => [row.tenantId, row.count]));
    return group.map((key) => [
      key,
      { rows: rows.filter((row) => row.tenantId === key.tenantId), totalCount: counted.get(key.tenantId) ?? 0 },
    ]);
  }
}
