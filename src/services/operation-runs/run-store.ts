// The one owner of the `operation_runs` table's SQL: writes (in a mutation's transaction),
// batched lookups, per-tenant pages and the platform-wide list (per request).
import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import { actorTypeOf } from "../../domain/capabilities.ts";
import type { Principal } from "../../domain/principal.ts";
import { RUN_COLUMNS } from "../database/columns.ts";
import { listPage, noFilter, PerTenantPages, type ListFilterSql, type ListSource } from "../database/pages.ts";
import type { RequestSql, SqlTransaction } from "../database/sql.ts";
import { OperationKind, OperationRunStatus, type OperationRunRecord } from "../../domain/vocabulary.ts";
import { keysetOrder, type Page, type PageRequest } from "../pagination.ts";
import { timeRangeConditions, timeRangeKey, type TimeRange } from "../time-range.ts";
import { isUuid } from "../text.ts";
import { OPEN_RUN_STATUSES } from "../../domain/run-states.ts";

/** Newest first, as every run list is ordered. */
export const RUN_ORDER = keysetOrder<OperationRunRecord>("operationRuns", [
  { column: "created_at", type: "timestamptz", of: (run) => run.createdAt },
  { column: "id", type: "uuid", of: (run) => run.id },
]);

const RUNS: ListSource<OperationRunRecord> = { table: "operation_runs", columns: RUN_COLUMNS, order: RUN_ORDER };

// ---------------------------------------------------------------- writes

export async function openOperationRun(
  tx: SqlTransaction,
  initiator: Principal,
  run: { tenantId: string; kind: OperationKind; status: OperationRunStatus; summary?: string | null },
): Promise<OperationRunRecord> {
  const now = new Date();
  const running = run.status === OperationRunStatus.RUNNING;
  const [created] = await tx.rows<OperationRunRecord>(
    `INSERT INTO operation_runs (id, tenant_id, kind, status, summary, progress, initiated_by_type, initiated_by_id,
       created_at, updated_at, started_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING ${RUN_COLUMNS}`,
    [
      randomUUID(),
      run.tenantId,
      run.kind,
      run.status,
      run.summary ?? null,
      running ? 0 : null,
      actorTypeOf(initiator),
      initiator.sub,
      now,
      running ? now : null,
    ],
  );
  return created as OperationRunRecord;
}

const newestFirst = (a: OperationRunRecord, b: OperationRunRecord) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Closes the tenant's still-open runs (of one kind, or all); returns them, newest first. */
export async function closeOpenRuns(
  tx: SqlTransaction,
  tenantId: string,
  options: { kind?: OperationKind; to: typeof OperationRunStatus.SUCCEEDED | typeof OperationRunStatus.CANCELLED },
): Promise<OperationRunRecord[]> {
  const closed = await tx.rows<OperationRunRecord>(
    `UPDATE operation_runs
     SET status = $2::operation_run_status, finished_at = now(), updated_at = now(), version = version + 1,
       progress = CASE WHEN $2::operation_run_status = 'SUCCEEDED' THEN 1 ELSE progress END
     WHERE tenant_id = $1 AND status = ANY($3::operation_run_status[])
       AND ($4::operation_kind IS NULL OR kind = $4::operation_kind)
     RETURNING ${RUN_COLUMNS}`,
    [tenantId, options.to, [...OPEN_RUN_STATUSES], options.kind ?? null],
  );
  return closed.sort(newestFirst);
}

export async function latestRunStatus(
  tx: SqlTransaction,
  tenantId: string,
  kind: OperationKind,
): Promise<OperationRunStatus | null> {
  const [latest] = await tx.rows<{ status: OperationRunStatus }>(
    `SELECT status FROM operation_runs WHERE tenant_id = $1 AND kind = $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
    [tenantId, kind],
  );
  return latest?.status ?? null;
}

export async function findOperationRun(tx: SqlTransaction, runId: string): Promise<OperationRunRecord | null> {
  if (!isUuid(runId)) return null;
  const [run] = await tx.rows<OperationRunRecord>(`SELECT ${RUN_COLUMNS} FROM operation_runs WHERE id = $1`, [runId]);
  return run ?? null;
}

export interface OperationRunState {
  status: OperationRunStatus;
  progress: number | null;
  summary: string | null;
  failureReason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Writes a run's new state; bumps its version. */
export async function updateOperationRunState(
  tx: SqlTransaction,
  runId: string,
  state: OperationRunState,
): Promise<OperationRunRecord> {
  const [run] = await tx.rows<OperationRunRecord>(
    `UPDATE operation_runs SET status = $2, progress = $3, summary = $4, failure_reason = $5, started_at = $6,
       finished_at = $7, version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
    [runId, state.status, state.progress, state.summary, state.failureReason, state.startedAt, state.finishedAt],
  );
  return run as OperationRunRecord;
}

// ---------------------------------------------------------------- reads

export interface RunListFilter {
  statuses: readonly OperationRunStatus[] | null;
  kinds: readonly OperationKind[] | null;
  /** When the runs were created. */
  created: TimeRange;
}

const ALL_STATUSES: readonly OperationRunStatus[] = Object.values(OperationRunStatus);
const ALL_KINDS: readonly OperationKind[] = Object.values(OperationKind);

/** Within one tenant (its runs are few): plain conditions on the walk of its time index. */
function tenantFilterSql(filter: RunListFilter, values: unknown[]): ListFilterSql {
  const conditions = timeRangeConditions("created_at", filter.created, values);
  if (filter.statuses) conditions.push(`status = ANY($${values.push(filter.statuses)}::operation_run_status[])`);
  if (filter.kinds) conditions.push(`kind = ANY($${values.push(filter.kinds)}::operation_kind[])`);
  return { conditions, oneOf: [] };
}

/**
 * Across tenants, a status or kind filter walks operation_runs_status_kind_created_at_id_idx
 * once per (status, kind) pair — the one given, or all of the other — and merges the walks.
 */
function fleetFilterSql(filter: RunListFilter, values: unknown[]): ListFilterSql {
  const conditions = timeRangeConditions("created_at", filter.created, values);
  if (!filter.statuses && !filter.kinds) return { ...noFilter(), conditions };
  return {
    conditions,
    oneOf: [
      { column: "status", type: "operation_run_status", values: filter.statuses ?? ALL_STATUSES },
      { column: "kind", type: "operation_kind", values: filter.kinds ?? ALL_KINDS },
    ],
  };
}

/** Per-request reads of runs, batched: N lookups in one tick become one statement. */
export class RunReader {
  private readonly perTenant: PerTenantPages<OperationRunRecord, RunListFilter>;

  constructor(private readonly sql: RequestSql) {
    this.perTenant = new PerTenantPages(sql, {
      ...RUNS,
      filterSql: tenantFilterSql,
      filterKey: (filter) => JSON.stringify([filter.statuses, filter.kinds, timeRangeKey(filter.created)]),
    });
  }

  readonly byId = new DataLoader<string, OperationRunRecord | null>(async (ids) => {
    const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const rows =
      valid.length === 0
        ? []
        : await this.sql.rows<OperationRunRecord>(
            `SELECT ${RUN_COLUMNS} FROM operation_runs WHERE id = ANY($1::uuid[])`,
            [valid],
          );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  });

  /** The latest DEPROVISION run's status per tenant (the FINALIZE_DEPROVISION guard). */
  readonly latestDeprovisionStatus = new DataLoader<string, OperationRunStatus | null>(async (tenantIds) => {
    const rows = await this.sql.rows<{ tenantId: string; status: OperationRunStatus }>(
      `SELECT parent.tenant_id AS "tenantId", latest.status FROM unnest($1::uuid[]) AS parent(tenant_id)
       CROSS JOIN LATERAL (SELECT status FROM operation_runs WHERE tenant_id = parent.tenant_id AND kind = 'DEPROVISION'
         ORDER BY created_at DESC, id DESC LIMIT 1) latest`,
      [[...tenantIds]],
    );
    const byTenant = new Map(rows.map((row) => [row.tenantId, row.status]));
    return tenantIds.map((id) => byTenant.get(id) ?? null);
  });

  /** `Tenant.operationRuns`: batched across the tenants of a page. */
  tenantPage(tenantId: string, filter: RunListFilter, request: PageRequest): Promise<Page<OperationRunRecord>> {
    return this.perTenant.load(tenantId, filter, request);
  }

  /** `Query.operationRuns`: one tenant's runs or everyone's, newest first. */
  page(filter: RunListFilter & { tenantId: string | null }, request: PageRequest): Promise<Page<OperationRunRecord>> {
    const values: unknown[] = [];
    if (filter.tenantId === null) return listPage(this.sql, RUNS, fleetFilterSql(filter, values), values, request);
    const sql = tenantFilterSql(filter, values);
    sql.conditions.push(`tenant_id = $${values.push(filter.tenantId)}::uuid`);
    return listPage(this.sql, RUNS, sql, values, request);
  }
}
