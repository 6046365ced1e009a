import { randomUUID } from "node:crypto";
import { actorTypeOf } from "../authorization/capabilities.ts";
import type { Viewer } from "../authorization/viewer.ts";
import { RUN_COLUMNS } from "../database/columns.ts";
import type { SqlTransaction } from "../database/sql-transaction.ts";
import { OperationRunStatus, type OperationKind, type OperationRunRecord } from "../domain-types.ts";

export const OPEN_RUN_STATUSES: readonly OperationRunStatus[] = [OperationRunStatus.QUEUED, OperationRunStatus.RUNNING];

export async function openOperationRun(
  tx: SqlTransaction,
  viewer: Viewer,
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
      actorTypeOf(viewer.principal),
      viewer.principal.sub,
      now,
      running ? now : null,
    ],
  );
  return created as OperationRunRecord;
}

/** Newest first, as every run list is ordered. */
const newestFirst = (a: OperationRunRecord, b: OperationRunRecord) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * Closes the tenant's still-open runs (of one kind, or all): side effects only ever close
 * runs that are open (docs/design.md §8). Returns the closed runs, newest first.
 */
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

export async function countOpenRuns(tx: SqlTransaction, tenantId: string, kind: OperationKind): Promise<number> {
  const [row] = await tx.rows<{ count: number }>(
    `SELECT count(*)::int AS count FROM operation_runs
     WHERE tenant_id = $1 AND kind = $2 AND status = ANY($3::operation_run_status[])`,
    [tenantId, kind, [...OPEN_RUN_STATUSES]],
  );
  return row?.count ?? 0;
}

export async function findOperationRun(tx: SqlTransaction, runId: string): Promise<OperationRunRecord | null> {
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
