import { actorTypeOf } from "../authorization/capabilities.ts";
import type { Viewer } from "../authorization/viewer.ts";
import type { TransactionClient } from "../database/client.ts";
import { OperationRunStatus, type OperationKind, type OperationRunRecord } from "../domain-types.ts";

export const OPEN_RUN_STATUSES: readonly OperationRunStatus[] = [OperationRunStatus.QUEUED, OperationRunStatus.RUNNING];

export async function openOperationRun(
  tx: TransactionClient,
  viewer: Viewer,
  run: { tenantId: string; kind: OperationKind; status: OperationRunStatus; summary?: string | null },
): Promise<OperationRunRecord> {
  const now = new Date();
  return tx.operationRun.create({
    data: {
      tenantId: run.tenantId,
      kind: run.kind,
      status: run.status,
      summary: run.summary ?? null,
      progress: run.status === OperationRunStatus.RUNNING ? 0 : null,
      initiatedByType: actorTypeOf(viewer.principal),
      initiatedById: viewer.principal.sub,
      createdAt: now,
      startedAt: run.status === OperationRunStatus.RUNNING ? now : null,
    },
  });
}

/**
 * Closes the tenant's still-open runs (of one kind, or all): side effects only ever close
 * runs that are open (DESIGN.md §8). Returns the closed runs, newest first.
 */
export async function closeOpenRuns(
  tx: TransactionClient,
  tenantId: string,
  options: { kind?: OperationKind; to: typeof OperationRunStatus.SUCCEEDED | typeof OperationRunStatus.CANCELLED },
): Promise<OperationRunRecord[]> {
  const open = await tx.operationRun.findMany({
    where: { tenantId, status: { in: [...OPEN_RUN_STATUSES] }, ...(options.kind ? { kind: options.kind } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  if (open.length === 0) return [];
  const finishedAt = new Date();
  await tx.operationRun.updateMany({
    where: { id: { in: open.map((run) => run.id) } },
    data: {
      status: options.to,
      finishedAt,
      version: { increment: 1 },
      ...(options.to === OperationRunStatus.SUCCEEDED ? { progress: 1 } : {}),
    },
  });
  return open.map((run) => ({
    ...run,
    status: options.to,
    finishedAt,
    version: run.version + 1,
    progress: options.to === OperationRunStatus.SUCCEEDED ? 1 : run.progress,
    updatedAt: finishedAt,
  }));
}

export async function latestRunStatus(
  tx: TransactionClient,
  tenantId: string,
  kind: OperationKind,
): Promise<OperationRunStatus | null> {
  const latest = await tx.operationRun.findFirst({
    where: { tenantId, kind },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { status: true },
  });
  return latest?.status ?? null;
}
