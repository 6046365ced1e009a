// The one owner of the `platform_audit_events` table's SQL (docs/design.md §9): what belongs to
// no tenant — webhook endpoint changes, signed checkpoints — recorded one per change in the
// change's transaction. Records of the published types (PLATFORM_EVENT_TYPES) are also events of
// the feed that webhooks and broker sinks follow: this table is their outbox, as audit_events is
// the tenant events'.
import { randomUUID } from "node:crypto";
import { PLATFORM_EVENT_TYPES } from "../../domain/audit-actions.ts";
import { actorTypeOf } from "../../domain/capabilities.ts";
import { ActorType, type PlatformAuditEventRecord } from "../../domain/vocabulary.ts";
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
  ...PLATFORM_EVENT_TYPES,
] as const;
export type PlatformAuditAction = (typeof PLATFORM_AUDIT_ACTIONS)[number];

const PUBLISHED: ReadonlySet<string> = new Set(PLATFORM_EVENT_TYPES);

export interface PlatformAuditDraft {
  action: PlatformAuditAction;
  /** An endpoint's uuid, a checkpoint's id. */
  subjectId: string;
  /** `{ field: { from, to } }` or the request's parameters — never a secret. */
  changes: Record<string, JsonValue>;
}

/** Who made a platform change: a caller (with its request), or the service itself. */
export interface PlatformActor {
  type: ActorType;
  id: string;
  requestId: string | null;
}

export function platformActorOf(writer: AuditWriter): PlatformActor {
  return { type: actorTypeOf(writer.viewer.principal), id: writer.viewer.principal.sub, requestId: writer.requestId };
}

/**
 * The service itself, as the actor of a change no caller made (a periodic checkpoint, an endpoint
 * the delivery loop disabled); `component` says which part of it.
 */
export function systemActor(component: string): PlatformActor {
  return { type: ActorType.SYSTEM, id: component, requestId: null };
}

/**
 * Appends one record in the caller's transaction: it commits or rolls back with the change. A
 * published type also takes its place in the event feed (a position from the tenant events'
 * sequence, so both tables share one order, and this transaction's id).
 */
export async function appendPlatformAuditEvent(
  tx: SqlRows,
  actor: PlatformActor,
  draft: PlatformAuditDraft,
): Promise<PlatformAuditEventRecord> {
  const [event] = await tx.rows<PlatformAuditEventRecord>(
    `INSERT INTO platform_audit_events (id, action, subject_id, actor_type, actor_id, changes, request_id, position, feed_xid)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, CASE WHEN $8::boolean THEN nextval('audit_events_position_seq') END,
       CASE WHEN $8::boolean THEN pg_current_xact_id() END)
     RETURNING ${PLATFORM_AUDIT_COLUMNS}`,
    [
      randomUUID(),
      draft.action,
      draft.subjectId,
      actor.type,
      actor.id,
      JSON.stringify(draft.changes),
      actor.requestId,
      PUBLISHED.has(draft.action),
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
  if (subjectId !== null) conditions.push(`subject_id = $${values.push(subjectId)}`);
  if (after !== null) conditions.push(afterCondition(PLATFORM_AUDIT_ORDER, after, values));
  return sql.rows<PlatformAuditEventRecord>(
    `SELECT ${PLATFORM_AUDIT_COLUMNS} FROM platform_audit_events
     ${conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : ""}
     ORDER BY ${orderByClause(PLATFORM_AUDIT_ORDER)} LIMIT $${values.push(limit)}`,
    values,
  );
}

// ---------------------------------------------------------------- the published records in the feed

/** A place in the event feed (xid8 and int8 as decimal text). */
export interface PlatformFeedPlace {
  feedXid: string;
  feedPosition: string;
}

/** A published record with its place in the feed. */
export interface PlatformFeedRow extends PlatformAuditEventRecord, PlatformFeedPlace {}

const PLATFORM_FEED_COLUMNS = `${PLATFORM_AUDIT_COLUMNS}, feed_xid::text AS "feedXid", position::text AS "feedPosition"`;

/**
 * Published records after `after` whose transaction id is below `settledBelow` (a snapshot's
 * xmin, read once for this and the tenant events' walk: services/events/outbox.ts), in feed
 * order (platform_audit_events_feed_xid_position_idx).
 */
export function platformFeedRows(
  sql: SqlRows,
  after: PlatformFeedPlace,
  settledBelow: string,
  limit: number,
): Promise<PlatformFeedRow[]> {
  return sql.rows<PlatformFeedRow>(
    `SELECT ${PLATFORM_FEED_COLUMNS} FROM platform_audit_events
     WHERE feed_xid < $1::xid8 AND (feed_xid, position) > ($2::xid8, $3::int8)
     ORDER BY feed_xid, position LIMIT $4`,
    [settledBelow, after.feedXid, after.feedPosition, limit],
  );
}

/** Published records by id (a webhook delivery's event), in no particular order. */
export function platformEventsByIds(sql: SqlRows, ids: readonly string[]): Promise<PlatformAuditEventRecord[]> {
  return sql.rows<PlatformAuditEventRecord>(
    `SELECT ${PLATFORM_AUDIT_COLUMNS} FROM platform_audit_events WHERE id = ANY($1::uuid[]) AND feed_xid IS NOT NULL`,
    [[...ids]],
  );
}

/** The last published record's place below `settledBelow` (a snapshot's xmin); null when none was. */
export async function platformFeedEnd(sql: SqlRows, settledBelow: string): Promise<PlatformFeedPlace | null> {
  const [last] = await sql.rows<PlatformFeedPlace>(
    `SELECT feed_xid::text AS "feedXid", position::text AS "feedPosition" FROM platform_audit_events
     WHERE feed_xid < $1::xid8 ORDER BY feed_xid DESC, position DESC LIMIT 1`,
    [settledBelow],
  );
  return last ?? null;
}

/** Published records after `after` (at most `cap`), and the next one's age in seconds (0: none). */
export async function platformFeedLag(
  sql: SqlRows,
  after: PlatformFeedPlace,
  cap: number,
): Promise<{ events: number; nextEventAgeSeconds: number }> {
  const [lag] = await sql.rows<{ events: number; nextEventAgeSeconds: number }>(
    `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM platform_audit_events
          WHERE (feed_xid, position) > ($1::xid8, $2::int8) LIMIT $3) AS capped) AS events,
       COALESCE((SELECT EXTRACT(EPOCH FROM now() - occurred_at)::float8 FROM platform_audit_events
          WHERE (feed_xid, position) > ($1::xid8, $2::int8) ORDER BY feed_xid, position LIMIT 1), 0) AS "nextEventAgeSeconds"`,
    [after.feedXid, after.feedPosition, cap],
  );
  return lag ?? { events: 0, nextEventAgeSeconds: 0 };
}
