import { randomUUID } from "node:crypto";
import { actorTypeOf } from "../authorization/capabilities.ts";
import type { Viewer } from "../authorization/viewer.ts";
import { AUDIT_COLUMNS } from "../database/columns.ts";
import type { SqlTransaction } from "../database/sql-transaction.ts";
import type { AuditEventRecord } from "../domain-types.ts";
import { auditEventHash, type JsonValue } from "./audit-hash.ts";

/** `{ field: { from, to } }` — what an event says changed. */
export type AuditChanges = Record<string, JsonValue>;

export function change(from: JsonValue, to: JsonValue): JsonValue {
  return { from, to };
}

export interface AuditEventDraft {
  tenantId: string;
  action: string;
  reason: string | null;
  changes: AuditChanges;
}

export interface AuditWriter {
  viewer: Viewer;
  requestId: string;
}

/**
 * Appends the next event of a tenant's chain. The caller must hold the tenant's row lock (or
 * have created the tenant in this transaction): that lock is what keeps sequences gapless and
 * the chain linear when requests race.
 */
export async function appendAuditEvent(
  tx: SqlTransaction,
  writer: AuditWriter,
  draft: AuditEventDraft,
): Promise<AuditEventRecord> {
  const [previous] = await tx.rows<{ sequence: number; hash: string }>(
    "SELECT sequence, hash FROM audit_events WHERE tenant_id = $1 ORDER BY sequence DESC LIMIT 1",
    [draft.tenantId],
  );
  const content = {
    tenantId: draft.tenantId,
    sequence: (previous?.sequence ?? 0) + 1,
    action: draft.action,
    actorType: actorTypeOf(writer.viewer.principal),
    actorId: writer.viewer.principal.sub,
    operatorOverride: writer.viewer.tenantScope?.viaOperatorOverride ?? false,
    reason: draft.reason,
    changes: draft.changes,
    requestId: writer.requestId,
    occurredAt: new Date(),
  };
  const previousHash = previous?.hash ?? null;
  const [event] = await tx.rows<AuditEventRecord>(
    `INSERT INTO audit_events (id, tenant_id, sequence, action, actor_type, actor_id, operator_override, reason, changes,
       request_id, occurred_at, hash, previous_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13) RETURNING ${AUDIT_COLUMNS}`,
    [
      randomUUID(),
      content.tenantId,
      content.sequence,
      content.action,
      content.actorType,
      content.actorId,
      content.operatorOverride,
      content.reason,
      JSON.stringify(content.changes),
      content.requestId,
      content.occurredAt,
      auditEventHash(previousHash, content),
      previousHash,
    ],
  );
  return event as AuditEventRecord;
}
