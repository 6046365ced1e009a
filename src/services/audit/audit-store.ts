// The one owner of the `audit_events` and `audit_chain_heads` tables' SQL: the append (in a mutation's transaction), the
// per-tenant pages, the platform feed and the chain walk (per request).
import { auditActionsWithPrefix, type AuditAction } from "../../domain/audit-actions.ts";
import { randomUUID } from "node:crypto";
import { actorTypeOf } from "../../domain/capabilities.ts";
import type { Viewer } from "../authorization/viewer.ts";
import { AUDIT_COLUMNS } from "../database/columns.ts";
import { listPage, noFilter, PerTenantPages, type ListFilterSql } from "../database/pages.ts";
import type { RequestSql, SqlRows, SqlTransaction } from "../database/sql.ts";
import type { AuditEventRecord } from "../../domain/vocabulary.ts";
import { keysetOrder, type Page, type PageRequest } from "../pagination.ts";
import { timeRangeConditions, type TimeRange } from "../time-range.ts";
import { isStorableText } from "../text.ts";
import type { JsonValue } from "../canonical-json.ts";
import { inSpan } from "../../telemetry/tracing.ts";
import { auditEventHash } from "./audit-hash.ts";
import { auditLinkMac, type AuditEvidenceKeys } from "./audit-keys.ts";

/** `{ field: { from, to } }` — what an event says changed. */
export type AuditChanges = Record<string, JsonValue>;

export function change(from: JsonValue, to: JsonValue): JsonValue {
  return { from, to };
}

export interface AuditEventDraft {
  tenantId: string;
  action: AuditAction;
  reason: string | null;
  changes: AuditChanges;
}

/** Who writes: the request's caller and id, and the keys the link is keyed with. */
export interface AuditWriter {
  viewer: Viewer;
  requestId: string;
  auditKeys: AuditEvidenceKeys;
}

/**
 * Appends the next event of a tenant's chain. The caller must hold the tenant's row lock (or
 * have created the tenant in this transaction): that lock is what keeps sequences gapless and
 * the chain linear when requests race.
 */
export function appendAuditEvent(
  tx: SqlTransaction,
  writer: AuditWriter,
  draft: AuditEventDraft,
): Promise<AuditEventRecord> {
  return inSpan(tx.trace ?? null, "audit append", { "audit.action": draft.action }, (inner) =>
    appendToChain(tx.within?.(inner) ?? tx, writer, draft),
  );
}

async function appendToChain(
  tx: SqlTransaction,
  writer: AuditWriter,
  draft: AuditEventDraft,
): Promise<AuditEventRecord> {
  const [previous] = await tx.rows<{ sequence: number; hash: string; feedXid: string }>(
    `SELECT sequence, hash, feed_xid::text AS "feedXid" FROM audit_events WHERE tenant_id = $1 ORDER BY sequence DESC LIMIT 1`,
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
  // The hash covers these values; PostgreSQL must store exactly them, or the link is broken for good.
  assertStoredAsHashed(content);
  const hash = auditEventHash(previousHash, content);
  const key = writer.auditKeys.keyring.current;
  // The event and its tenant's head in one statement of the same transaction (design §4): a
  // chain whose tail is later deleted no longer matches its head.
  const [event] = await tx.rows<AuditEventRecord>(
    `WITH event AS (
       INSERT INTO audit_events (id, tenant_id, sequence, action, actor_type, actor_id, operator_override, reason,
         changes, request_id, occurred_at, hash, previous_hash, feed_xid, mac, mac_key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, GREATEST(pg_current_xact_id(), $14::xid8),
         $15, $16)
       RETURNING ${AUDIT_COLUMNS}
     ), head AS (
       INSERT INTO audit_chain_heads (tenant_id, sequence, hash) VALUES ($2, $3, $12)
       ON CONFLICT (tenant_id) DO UPDATE SET sequence = EXCLUDED.sequence, hash = EXCLUDED.hash
     )
     SELECT * FROM event`,
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
      hash,
      previousHash,
      // The tenant's events keep their chain order in the event feed (docs/design.md §9): this
      // transaction's id may be older than the previous event's, taken before the tenant's lock.
      previous?.feedXid ?? null,
      auditLinkMac(key, hash),
      key.id,
    ],
  );
  return event as AuditEventRecord;
}

/**
 * Every string of an event must be text PostgreSQL stores unchanged (the inputs were refused
 * otherwise): a value that slipped through would make an append-only table hold a broken link.
 */
function assertStoredAsHashed(value: unknown): void {
  if (typeof value === "string" && !isStorableText(value)) {
    throw new Error("an audit event would not be stored as it is hashed (NUL or an unpaired surrogate)");
  }
  if (Array.isArray(value)) value.forEach(assertStoredAsHashed);
  else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    for (const [key, child] of Object.entries(value)) {
      assertStoredAsHashed(key);
      assertStoredAsHashed(child);
    }
  }
}

// ---------------------------------------------------------------- reads

/** A tenant's events, newest first (index audit_events_tenant_id_sequence_key). */
export const TENANT_AUDIT_ORDER = keysetOrder<AuditEventRecord>("tenantAuditEvents", [
  { column: "sequence", type: "int4", of: (event) => event.sequence },
]);

/** Every tenant's events, newest first (index audit_events_occurred_at_id_idx). */
export const AUDIT_FEED_ORDER = keysetOrder<AuditEventRecord>("auditEvents", [
  { column: "occurred_at", type: "timestamptz", of: (event) => event.occurredAt },
  { column: "id", type: "uuid", of: (event) => event.id },
]);

export interface AuditListFilter {
  /** Events whose action starts with this (e.g. `tenant.lifecycle.`); null: all. */
  actionPrefix: string | null;
}

/** A prefix as the catalogued actions it covers: one index range each (audit-actions.ts). */
function filterSql(filter: AuditListFilter): ListFilterSql {
  if (filter.actionPrefix === null) return noFilter();
  return {
    conditions: [],
    oneOf: [{ column: "action", type: "text", values: auditActionsWithPrefix(filter.actionPrefix) }],
  };
}

const TENANT_EVENTS = { table: "audit_events", columns: AUDIT_COLUMNS, order: TENANT_AUDIT_ORDER };

/** Per-request reads of the audit trail. */
export class AuditReader {
  private readonly perTenant: PerTenantPages<AuditEventRecord, AuditListFilter>;

  constructor(private readonly sql: RequestSql) {
    this.perTenant = new PerTenantPages(sql, {
      ...TENANT_EVENTS,
      filterSql,
      filterKey: (filter) => filter.actionPrefix ?? "",
    });
  }

  /** `Tenant.auditEvents` and `lifecycle.history`: batched across the tenants of a page. */
  tenantPage(tenantId: string, filter: AuditListFilter, request: PageRequest): Promise<Page<AuditEventRecord>> {
    return this.perTenant.load(tenantId, filter, request);
  }

  /**
   * `Query.auditEvents`: everyone's events newest first (audit_events_occurred_at_id_idx, or
   * audit_events_action_occurred_at_id_idx under a prefix); one tenant's in its chain order,
   * newest first (audit_events_tenant_id_sequence_key, or …_tenant_id_action_sequence_idx).
   */
  feedPage(
    filter: AuditListFilter & { tenantId: string | null; occurred: TimeRange },
    request: PageRequest,
  ): Promise<Page<AuditEventRecord>> {
    const values: unknown[] = [];
    const sql = filterSql(filter);
    // Across tenants, a bound of the time-ordered walk; within one tenant (walked in chain
    // order), a filter on its walk — a tenant's events are few next to the feed.
    sql.conditions.push(...timeRangeConditions("occurred_at", filter.occurred, values));
    if (filter.tenantId === null) {
      return listPage(this.sql, { ...TENANT_EVENTS, order: AUDIT_FEED_ORDER }, sql, values, request);
    }
    sql.conditions.push(`tenant_id = $${values.push(filter.tenantId)}::uuid`);
    return listPage(this.sql, { ...TENANT_EVENTS, cursorScope: filter.tenantId }, sql, values, request);
  }

  /** The tenant's head as the last append recorded it; null when none was. */
  async head(tenantId: string): Promise<{ sequence: number; hash: string } | null> {
    const [head] = await this.sql.rows<{ sequence: number; hash: string }>(
      "SELECT sequence, hash FROM audit_chain_heads WHERE tenant_id = $1",
      [tenantId],
    );
    return head ?? null;
  }

  /**
   * A tenant's chain in sequence order, `batchSize` events at a time: the caller holds one batch
   * at once, so a chain of any length is walked in bounded memory.
   */
  async *chain(tenantId: string, batchSize: number): AsyncGenerator<AuditEventRecord[]> {
    for (let after = 0; ;) {
      const batch = await this.sql.rows<AuditEventRecord>(
        `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE tenant_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`,
        [tenantId, after, batchSize],
        { streamed: true },
      );
      if (batch.length > 0) yield batch;
      if (batch.length < batchSize) return;
      after = (batch.at(-1) as AuditEventRecord).sequence;
    }
  }
}

// ---------------------------------------------------------------- the tenant event feed

// The audit trail read oldest first as the tenant event feed (docs/design.md §9), in an order a
// cursor can follow without ever skipping an event whose transaction commits later: feed_xid (the
// writing transaction's id, raised to the tenant's previous event's) then position (a sequence
// value). Only rows with feed_xid below the reading snapshot's xmin are read: every transaction
// that could still add a row has an id at or above that xmin, so the feed before any cursor
// handed out is final. services/events owns cursors and access.

/** Where a feed reader stands (int8 and xid8 as decimal text). */
export interface FeedPosition {
  feedXid: string;
  feedPosition: string;
  /** The tenant's sequence (a tenant's feed walks its chain). */
  sequence: number;
}

/** An audit event with its place in the feed (int8 and xid8 as decimal text). */
export interface FeedEventRow extends AuditEventRecord {
  feedXid: string;
  feedPosition: string;
}

export interface TenantEventFeedFilter {
  /** One tenant's events (in its chain order, which is feed order); null: every tenant's. */
  tenantId: string | null;
  /** Catalogued actions to keep; null: all. */
  actions: readonly AuditAction[] | null;
  /** Start at the first event recorded at or after this time. */
  since: Date | null;
}

const FEED_COLUMNS = `${AUDIT_COLUMNS}, feed_xid::text AS "feedXid", position::text AS "feedPosition"`;
/** Below every transaction that may still commit a row (the whole guard against skipping). */
const SETTLED = "feed_xid < pg_snapshot_xmin(pg_current_snapshot())";
/**
 * Every tenant's settled events after `after` (audit_events_feed_xid_position_idx; with types,
 * one walk of audit_events_action_feed_xid_position_idx per type, merged).
 */
export function feedRows(
  sql: SqlRows,
  filter: Pick<TenantEventFeedFilter, "actions" | "since">,
  after: Pick<FeedPosition, "feedXid" | "feedPosition"> | null,
  limit: number,
  /**
   * A snapshot's xmin read beforehand, when another walk must stop at the same place (the feed
   * of webhooks and sinks merges this one with the platform events': services/events/outbox.ts).
   */
  settledBelow: string | null = null,
): Promise<FeedEventRow[]> {
  if (filter.actions !== null && filter.actions.length === 0) return Promise.resolve([]);
  const values: unknown[] = [];
  // Where the walk starts, as a row comparison over the walked index's leading columns (with
  // types, the type leads: only the type's index can serve it, so the planner never walks the
  // whole feed filtering by type).
  const lead = filter.actions === null ? [] : ["fan.action"];
  const key = filter.actions === null ? "(feed_xid, position)" : "(action, feed_xid, position)";
  let startsAt: string | null = null;
  if (after !== null) {
    startsAt = `${key} > (${[...lead, `$${values.push(after.feedXid)}::xid8`, `$${values.push(after.feedPosition)}::int8`].join(", ")})`;
  } else if (filter.since !== null) {
    // The first event recorded at or after `since` (audit_events_occurred_at_id_idx) is where
    // the walk starts; later pages follow the cursor.
    startsAt = `${key} >= (SELECT ${[...lead, "s.feed_xid", "s.position"].join(", ")} FROM audit_events s
      WHERE s.occurred_at >= $${values.push(filter.since)}::timestamptz ORDER BY s.occurred_at, s.id LIMIT 1)`;
  }
  const settled = settledBelow === null ? SETTLED : `feed_xid < $${values.push(settledBelow)}::xid8`;
  const conditions = [settled, ...(startsAt ? [startsAt] : [])];
  if (filter.since !== null) conditions.push(`occurred_at >= $${values.push(filter.since)}::timestamptz`);
  const limitParameter = `$${values.push(limit)}`;
  if (filter.actions === null) {
    return sql.rows<FeedEventRow>(
      `SELECT ${FEED_COLUMNS} FROM audit_events WHERE ${conditions.join(" AND ")}
       ORDER BY feed_xid, position LIMIT ${limitParameter}`,
      values,
    );
  }
  if (startsAt === null) conditions.push("action >= fan.action");
  const actions = `$${values.push([...filter.actions])}::text[]`;
  return sql.rows<FeedEventRow>(
    `SELECT walked.* FROM unnest(${actions}) AS fan(action) CROSS JOIN LATERAL (
       SELECT ${FEED_COLUMNS} FROM audit_events
       WHERE action <= fan.action AND ${conditions.join(" AND ")}
       ORDER BY action, feed_xid, position LIMIT ${limitParameter}) walked
     ORDER BY walked."feedXid"::xid8, walked."feedPosition"::int8 LIMIT ${limitParameter}`,
    values,
  );
}

/**
 * One tenant's events in chain order (audit_events_tenant_id_sequence_key). No xmin guard is
 * needed: a tenant's events are written under its row lock, so they commit in sequence order.
 */
export function tenantFeedRows(
  sql: SqlRows,
  tenantId: string,
  filter: TenantEventFeedFilter,
  after: FeedPosition | null,
  limit: number,
): Promise<FeedEventRow[]> {
  if (filter.actions !== null && filter.actions.length === 0) return Promise.resolve([]);
  const values: unknown[] = [tenantId];
  const conditions = ["tenant_id = $1::uuid"];
  if (after !== null) conditions.push(`sequence > $${values.push(after.sequence)}::int4`);
  if (filter.since !== null) conditions.push(`occurred_at >= $${values.push(filter.since)}::timestamptz`);
  if (filter.actions !== null) conditions.push(`action = ANY($${values.push([...filter.actions])}::text[])`);
  return sql.rows<FeedEventRow>(
    `SELECT ${FEED_COLUMNS} FROM audit_events WHERE ${conditions.join(" AND ")}
     ORDER BY sequence LIMIT $${values.push(limit)}`,
    values,
  );
}

/** Events by id (a webhook delivery's event), in no particular order. */
export function auditEventsByIds(sql: SqlRows, ids: readonly string[]): Promise<AuditEventRecord[]> {
  return sql.rows<AuditEventRecord>(`SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE id = ANY($1::uuid[])`, [[...ids]]);
}

/**
 * The feed's end as it is now; the origin on an empty trail. With `settledBelow` (a snapshot's
 * xmin), the last event below it: a reader placed there skips nothing that commits later.
 */
export async function feedEnd(
  sql: SqlRows,
  settledBelow: string | null = null,
): Promise<Pick<FeedPosition, "feedXid" | "feedPosition">> {
  const [last] = await sql.rows<{ feedXid: string; feedPosition: string }>(
    `SELECT feed_xid::text AS "feedXid", position::text AS "feedPosition" FROM audit_events
     ${settledBelow === null ? "" : "WHERE feed_xid < $1::xid8"} ORDER BY feed_xid DESC, position DESC LIMIT 1`,
    settledBelow === null ? [] : [settledBelow],
  );
  return last ?? { feedXid: "0", feedPosition: "0" };
}

/** Counting stops here: a lag this large says enough, and a scrape must stay cheap. */
export const FEED_LAG_COUNT_CAP = 10_000;

/**
 * How far a reader at `after` is behind (a broker sink's lag): the events after it, committed
 * ones settled or not (at most FEED_LAG_COUNT_CAP), and how long ago the next one was recorded
 * (0 when none waits). Both walk audit_events_feed_xid_position_idx from `after`.
 */
export async function feedLag(
  sql: SqlRows,
  after: Pick<FeedPosition, "feedXid" | "feedPosition">,
): Promise<{ events: number; nextEventAgeSeconds: number }> {
  const [lag] = await sql.rows<{ events: number; nextEventAgeSeconds: number }>(
    `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM audit_events WHERE (feed_xid, position) > ($1::xid8, $2::int8)
          LIMIT $3) AS capped) AS events,
       COALESCE((SELECT EXTRACT(EPOCH FROM now() - occurred_at)::float8 FROM audit_events
          WHERE (feed_xid, position) > ($1::xid8, $2::int8) ORDER BY feed_xid, position LIMIT 1), 0) AS "nextEventAgeSeconds"`,
    [after.feedXid, after.feedPosition, FEED_LAG_COUNT_CAP],
  );
  return lag ?? { events: 0, nextEventAgeSeconds: 0 };
}
