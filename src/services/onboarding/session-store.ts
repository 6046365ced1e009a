// The one owner of the `onboarding_sessions` table's SQL.
import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import { ONBOARDING_COLUMNS } from "../database/columns.ts";
import type { RequestSql, SqlTransaction } from "../database/sql.ts";
import { OnboardingStatus, type OnboardingSessionRecord, type OnboardingStep } from "../../domain/vocabulary.ts";

export async function openOnboardingSession(tx: SqlTransaction, tenantId: string): Promise<OnboardingSessionRecord> {
  const [session] = await tx.rows<OnboardingSessionRecord>(
    `INSERT INTO onboarding_sessions (id, tenant_id, status, completed_steps) VALUES ($1, $2, $3, '{}')
     RETURNING ${ONBOARDING_COLUMNS}`,
    [randomUUID(), tenantId, OnboardingStatus.IN_PROGRESS],
  );
  return session as OnboardingSessionRecord;
}

export async function findOnboardingSession(
  tx: SqlTransaction,
  tenantId: string,
): Promise<OnboardingSessionRecord | null> {
  const [session] = await tx.rows<OnboardingSessionRecord>(
    `SELECT ${ONBOARDING_COLUMNS} FROM onboarding_sessions WHERE tenant_id = $1`,
    [tenantId],
  );
  return session ?? null;
}

export async function setCompletedSteps(
  tx: SqlTransaction,
  sessionId: string,
  completedSteps: readonly OnboardingStep[],
): Promise<OnboardingSessionRecord> {
  const [session] = await tx.rows<OnboardingSessionRecord>(
    `UPDATE onboarding_sessions SET completed_steps = $2::onboarding_step[], updated_at = now() WHERE id = $1
     RETURNING ${ONBOARDING_COLUMNS}`,
    [sessionId, [...completedSteps]],
  );
  return session as OnboardingSessionRecord;
}

/** Finishes the tenant's session if it is still in progress; returns it as it is now (or null). */
export async function finishOnboardingSession(
  tx: SqlTransaction,
  tenantId: string,
  status: typeof OnboardingStatus.COMPLETED | typeof OnboardingStatus.ABANDONED,
): Promise<{ before: OnboardingSessionRecord; after: OnboardingSessionRecord } | null> {
  const session = await findOnboardingSession(tx, tenantId);
  if (!session || session.status !== OnboardingStatus.IN_PROGRESS) return null;
  const [after] = await tx.rows<OnboardingSessionRecord>(
    `UPDATE onboarding_sessions SET status = $2, finished_at = now(), updated_at = now() WHERE id = $1
     RETURNING ${ONBOARDING_COLUMNS}`,
    [session.id, status],
  );
  return { before: session, after: after as OnboardingSessionRecord };
}

/** Per-request reads of sessions: the sessions of a page of tenants in one statement. */
export class SessionReader {
  constructor(private readonly sql: RequestSql) {}

  readonly byTenantId = new DataLoader<string, OnboardingSessionRecord | null>(async (tenantIds) => {
    const rows = await this.sql.rows<OnboardingSessionRecord>(
      `SELECT ${ONBOARDING_COLUMNS} FROM onboarding_sessions WHERE tenant_id = ANY($1::uuid[])`,
      [[...tenantIds]],
    );
    const byTenant = new Map(rows.map((row) => [row.tenantId, row]));
    return tenantIds.map((id) => byTenant.get(id) ?? null);
  });
}
