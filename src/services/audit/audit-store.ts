// The one owner of the `audit_events` table's SQL: the append (in a mutation's transaction), the
// per-tenant pages, the platform feed and the chain walk (per request).
import { auditActionsWithPrefix, type AuditAction } from "../../domain/audit-actions.ts";
import { randomUUID } from "node:crypto";
import { actorTypeOf } from "../../domain/capabilities.ts";
import type { Viewer } from "../authorization/viewer.ts";
import { AUDIT_COLUMNS } from "../database/columns.ts";
import { listPage, noFilter, PerTenantPages, type ListFilterSql } from "../database/pages.ts";
import type { RequestSql, SqlTransaction } from "../database/sql.ts";
import type { AuditEventRecord } from "../../domain/vocabulary.ts";
import { keysetOrder, type Page, type PageRequest } from "../pagination.ts";
import { timeRangeConditions, type TimeRange } from "../time-range.ts";
import { isStorableText } from "../text.ts";
import type { JsonValue } from "../canonical-json.ts";
import { auditEventHash } from "./audit-hash.ts";

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

/** Who writes: the request's caller and id. */
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
  // The hash covers these values; PostgreSQL must store exactly them, or the link is broken for good.
  assertStoredAsHashed(content);
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
