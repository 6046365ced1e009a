// The feed that webhooks and broker sinks follow (docs/design.md §9): the tenant events (the
// audit trail, audit_events) and the published platform events (a checkpoint's record in
// platform_audit_events), merged in one order. Both tables take positions from one sequence and
// record their transaction's id, so (feed_xid, position) orders them together; both walks stop at
// the same snapshot xmin, read once, so no event of either is skipped by a cursor that passed it.
import type { AuditEventRecord, PlatformAuditEventRecord } from "../../domain/vocabulary.ts";
import { auditEventsByIds, FEED_LAG_COUNT_CAP, feedEnd, feedLag, feedRows } from "../audit/audit-store.ts";
import {
  platformEventsByIds,
  platformFeedEnd,
  platformFeedLag,
  platformFeedRows,
  type PlatformFeedPlace,
} from "../audit/platform-audit-store.ts";
import type { SqlRows } from "../database/sql.ts";

/** A place in the merged feed (xid8 and int8 as decimal text). */
export type OutboxPlace = PlatformFeedPlace;

/** An event as it goes out, whichever table holds it. */
export interface OutgoingEvent {
  /** The record's id: the key to deduplicate on (webhook-id, Nats-Msg-Id, ce-id). */
  id: string;
  /** The event type: an audit action or a platform event type (audit-actions.ts). */
  type: string;
  /** CloudEvents `subject`: the tenant's id, or a platform event's subject (a checkpoint's id). */
  subject: string;
  /** null for a platform event, which belongs to no tenant. */
  tenantId: string | null;
  /** The tenant's sequence; null for a platform event. */
  sequence: number | null;
  occurredAt: Date;
  /** The body in binary mode, `data` in structured mode. */
  data: Record<string, unknown>;
}

export interface OutboxRow extends OutgoingEvent, OutboxPlace {}

export function outgoingTenantEvent(event: AuditEventRecord): OutgoingEvent {
  return {
    id: event.id,
    type: event.action,
    subject: event.tenantId,
    tenantId: event.tenantId,
    sequence: event.sequence,
    occurredAt: event.occurredAt,
    data: {
      tenantId: event.tenantId,
      sequence: event.sequence,
      actor: { type: event.actorType, id: event.actorId },
      reason: event.reason,
      changes: event.changes,
      requestId: event.requestId,
    },
  };
}

export function outgoingPlatformEvent(event: PlatformAuditEventRecord): OutgoingEvent {
  return {
    id: event.id,
    type: event.action,
    subject: event.subjectId,
    tenantId: null,
    sequence: null,
    occurredAt: event.occurredAt,
    data: {
      subjectId: event.subjectId,
      actor: { type: event.actorType, id: event.actorId },
      changes: event.changes,
      requestId: event.requestId,
    },
  };
}

const compare = (a: OutboxPlace, b: OutboxPlace): number => {
  const xid = BigInt(a.feedXid) - BigInt(b.feedXid);
  if (xid !== 0n) return xid < 0n ? -1 : 1;
  const position = BigInt(a.feedPosition) - BigInt(b.feedPosition);
  return position === 0n ? 0 : position < 0n ? -1 : 1;
};

/**
 * The settled events after `after`, oldest first, at most `limit`. The xmin is read once and both
 * walks stop below it: two statements with their own snapshots could otherwise let one table's
 * walk pass a transaction the other's still waited for.
 */
export async function outboxRows(sql: SqlRows, after: OutboxPlace, limit: number): Promise<OutboxRow[]> {
  const settledBelow = await snapshotXmin(sql);
  const tenant = await feedRows(sql, { actions: null, since: null }, after, limit, settledBelow);
  const platform = await platformFeedRows(sql, after, settledBelow, limit);
  const merged: OutboxRow[] = [
    ...tenant.map((row) => ({ ...outgoingTenantEvent(row), feedXid: row.feedXid, feedPosition: row.feedPosition })),
    ...platform.map((row) => ({ ...outgoingPlatformEvent(row), feedXid: row.feedXid, feedPosition: row.feedPosition })),
  ];
  return platform.length === 0 ? merged : merged.sort(compare).slice(0, limit);
}

/** Below it, no transaction can still add an event to either table. */
async function snapshotXmin(sql: SqlRows): Promise<string> {
  const [bound] = await sql.rows<{ xmin: string }>("SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin");
  return (bound as { xmin: string }).xmin;
}

/**
 * The settled feed's end as it is now: the last event below the snapshot's xmin (the origin when
 * there is none). A reader placed there (a new sink; the webhook fan-out while no endpoint
 * exists) skips nothing that commits later: every transaction still running adds after it.
 */
export async function outboxEnd(sql: SqlRows): Promise<OutboxPlace> {
  const settledBelow = await snapshotXmin(sql);
  const tenant = await feedEnd(sql, settledBelow);
  const platform = await platformFeedEnd(sql, settledBelow);
  return platform !== null && compare(platform, tenant) > 0 ? platform : tenant;
}

/** Whether `a` comes after `b` in the feed. */
export const isAfter = (a: OutboxPlace, b: OutboxPlace): boolean => compare(a, b) > 0;

/**
 * How far a reader at `after` is behind (a broker sink's lag): the events after it, committed
 * ones settled or not (at most FEED_LAG_COUNT_CAP), and how long ago the next one was recorded.
 */
export async function outboxLag(
  sql: SqlRows,
  after: OutboxPlace,
): Promise<{ events: number; nextEventAgeSeconds: number }> {
  const tenant = await feedLag(sql, after);
  const platform = await platformFeedLag(sql, after, FEED_LAG_COUNT_CAP);
  return {
    events: Math.min(FEED_LAG_COUNT_CAP, tenant.events + platform.events),
    nextEventAgeSeconds: Math.max(tenant.nextEventAgeSeconds, platform.nextEventAgeSeconds),
  };
}

/** Events by id, as they go out (a webhook delivery's): a delivery without a tenant is a platform event's. */
export async function outgoingEventsByIds(
  sql: SqlRows,
  deliveries: readonly { eventId: string; tenantId: string | null }[],
): Promise<Map<string, OutgoingEvent>> {
  const tenantIds = [...new Set(deliveries.filter((d) => d.tenantId !== null).map((d) => d.eventId))];
  const platformIds = [...new Set(deliveries.filter((d) => d.tenantId === null).map((d) => d.eventId))];
  const events = new Map<string, OutgoingEvent>();
  if (tenantIds.length > 0) {
    for (const event of await auditEventsByIds(sql, tenantIds)) events.set(event.id, outgoingTenantEvent(event));
  }
  if (platformIds.length > 0) {
    for (const event of await platformEventsByIds(sql, platformIds)) events.set(event.id, outgoingPlatformEvent(event));
  }
  return events;
}
