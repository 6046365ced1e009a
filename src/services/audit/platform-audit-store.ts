// The one owner of the `platform_audit_events` table's SQL (docs/design.md §9): changes that
// belong to no tenant — webhook endpoints — recorded one per change in the change's transaction.
import { randomUUID } from "node:crypto";
import { actorTypeOf } from "../../domain/capabilities.ts";
import type { PlatformAuditEventRecord } from "../../domain/vocabulary.ts";
import type { JsonValue } from "../canonical-json.ts";
import { PLATFORM_AUDIT_COLUMNS } from "../database/columns.ts";
import type { SqlRows } from "../database/sql.ts";
import { afterCondition, keysetOrder, orderByClause, type KeysetPosition } from "../pagination.ts";
import type { AuditWriter } from "./audit-store.ts";

/** The platform-wide actions: what happened to which kind of subject. */
export const PLATFORM_AUDIT_ACTIONS = [
  "webhook_endpoint.created",
  "webhook_endpoint.updated",
  "webhook_endpoint.secret_rotated",
  "webhook_endpoint.deleted",
  "webhook_endpoint.deliveries_replayed",
] as const;
export type PlatformAuditAction = (typeof PLATFORM_AUDIT_ACTIONS)[number];

export interface PlatformAuditDraft {
  action: PlatformAuditAction;
  subjectId: string;
  /** `{ field: { from, to } }` or the request's parameters — never a secret. */
  changes: Record<string, JsonValue>;
}

/** Appends one record in the caller's transaction: it commits or rolls back with the change. */
export async function appendPlatformAuditEvent(
  tx: SqlRows,
  writer: AuditWriter,
  draft: PlatformAuditDraft,
): Promise<PlatformAuditEventRecord> {
  const [event] = await tx.rows<PlatformAuditEventRecord>(
    `INSERT INTO platform_audit_events (id, action, subject_id, actor_type, actor_id, changes, request_id)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING ${PLATFORM_AUDIT_COLUMNS}`,
    [
      randomUUID(),
      draft.action,
      draft.subjectId,
      actorTypeOf(writer.viewer.principal),
      writer.viewer.principal.sub,
      JSON.stringify(draft.changes),
      writer.requestId,
    ],
  );
  return event as PlatformAuditEventRecord;
}

/** Newest first (platform_audit_events_occurred_at_id_idx, or …_subject_id_… for one subject). */
export const PLATFORM_AUDIT_ORDER = keysetOrder<PlatformAuditEventRecord>("platformAuditEvents", [
  { column: "occurred_at", type: "timestamptz", of: (event) => event.occurredAt },
  { column: "id", type: "uuid", of: (event) => event.id },
]);

export function platformAuditRows(
  sql: SqlRows,
  subjectId: string | null,
  after: KeysetPosition | null,
  limit: number,
): Promise<PlatformAuditEventRecord[]> {
  const values: unknown[] = [];
  const conditions: string[] = [];
  if (subjectId !== null) conditions.push(`subject_id = $${values.push(subjectId)}::uuid`);
  if (after !== null) conditions.push(afterCondition(PLATFORM_AUDIT_ORDER, after, values));
  return sql.rows<PlatformAuditEventRecord>(
    `SELECT ${PLATFORM_AUDIT_COLUMNS} FROM platform_audit_events
     ${conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : ""}
     ORDER BY ${orderByClause(PLATFORM_AUDIT_ORDER)} LIMIT $${values.push(limit)}`,
    values,
  );
}
