// The one owner of the webhook tables' SQL (docs/design.md §9): endpoints, their secrets, the
// deliveries (fan-out, lease-based claims, outcomes) and the fan-out's cursor in the event feed.
import { randomUUID } from "node:crypto";
import type { WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointRecord } from "../../domain/vocabulary.ts";
import type { OutboxRow } from "../events/outbox.ts";
import {
  WEBHOOK_ATTEMPT_COLUMNS,
  WEBHOOK_DELIVERY_COLUMNS,
  WEBHOOK_DELIVERY_COLUMNS_OF_D,
  WEBHOOK_ENDPOINT_COLUMNS,
} from "../database/columns.ts";
import type { SqlRows } from "../database/sql.ts";

// ---------------------------------------------------------------- endpoints and secrets

export interface NewEndpoint {
  url: string;
  description: string | null;
  eventTypes: readonly string[];
  secret: string;
}

/**
 * Creates an endpoint. It first waits for the fan-out's cursor (a pass holding it may be moving it
 * past the feed because no endpoint exists), then stamps `created_at` with the clock: every event
 * the cursor was moved past occurred before that, and every later one is fanned out to it — an
 * endpoint receives exactly the events occurring after its creation.
 */
export async function insertEndpoint(tx: SqlRows, endpoint: NewEndpoint): Promise<WebhookEndpointRecord> {
  await tx.rows("SELECT 1 FROM webhook_dispatch_cursor WHERE id = 1 FOR UPDATE");
  const [created] = await tx.rows<WebhookEndpointRecord>(
    `INSERT INTO webhook_endpoints (id, url, description, event_types, created_at, updated_at)
     VALUES ($1, $2, $3, $4::varchar[], clock_timestamp(), clock_timestamp())
     RETURNING ${WEBHOOK_ENDPOINT_COLUMNS}`,
    [randomUUID(), endpoint.url, endpoint.description, [...endpoint.eventTypes]],
  );
  const record = created as WebhookEndpointRecord;
  await tx.rows("INSERT INTO webhook_secrets (id, endpoint_id, secret) VALUES ($1, $2, $3)", [
    randomUUID(),
    record.id,
    endpoint.secret,
  ]);
  return record;
}

export async function lockEndpoint(tx: SqlRows, id: string): Promise<WebhookEndpointRecord | null> {
  const [endpoint] = await tx.rows<WebhookEndpointRecord>(
    `SELECT ${WEBHOOK_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return endpoint ?? null;
}

export async function readEndpoint(sql: SqlRows, id: string): Promise<WebhookEndpointRecord | null> {
  const [endpoint] = await sql.rows<WebhookEndpointRecord>(
    `SELECT ${WEBHOOK_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`,
    [id],
  );
  return endpoint ?? null;
}

export interface EndpointChange {
  url: string;
  description: string | null;
  eventTypes: readonly string[];
  enabled: boolean;
  /** Cleared when an endpoint is enabled again. */
  disabledReason: string | null;
}

export async function updateEndpoint(tx: SqlRows, id: string, change: EndpointChange): Promise<WebhookEndpointRecord> {
  const [updated] = await tx.rows<WebhookEndpointRecord>(
    `UPDATE webhook_endpoints SET url = $2, description = $3, event_types = $4::varchar[], enabled = $5,
       disabled_reason = $6, failing_since = CASE WHEN $5 AND NOT enabled THEN NULL ELSE failing_since END,
       version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING ${WEBHOOK_ENDPOINT_COLUMNS}`,
    [id, change.url, change.description, [...change.eventTypes], change.enabled, change.disabledReason],
  );
  return updated as WebhookEndpointRecord;
}

/** A new secret; the live ones expire after `previousExpiresInSeconds` (0: at once). */
export async function rotateSecret(
  tx: SqlRows,
  endpointId: string,
  secret: string,
  previousExpiresInSeconds: number,
): Promise<WebhookEndpointRecord> {
  await tx.rows(
    `UPDATE webhook_secrets SET expires_at = now() + make_interval(secs => $2)
     WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > now() + make_interval(secs => $2))`,
    [endpointId, previousExpiresInSeconds],
  );
  await tx.rows("INSERT INTO webhook_secrets (id, endpoint_id, secret) VALUES ($1, $2, $3)", [
    randomUUID(),
    endpointId,
    secret,
  ]);
  const [updated] = await tx.rows<WebhookEndpointRecord>(
    `UPDATE webhook_endpoints SET version = version + 1, updated_at = now() WHERE id = $1
     RETURNING ${WEBHOOK_ENDPOINT_COLUMNS}`,
    [endpointId],
  );
  return updated as WebhookEndpointRecord;
}

export async function deleteEndpoint(tx: SqlRows, id: string): Promise<void> {
  await tx.rows("DELETE FROM webhook_endpoints WHERE id = $1", [id]);
}

/** The secrets that sign now: not expired. */
/**
 * The live secrets of each endpoint, newest first (one signature per live secret during a
 * rotation): one statement for a whole batch of deliveries.
 */
export async function liveSecretsOf(sql: SqlRows, endpointIds: readonly string[]): Promise<Map<string, string[]>> {
  const rows = await sql.rows<{ endpointId: string; secret: string }>(
    `SELECT endpoint_id AS "endpointId", secret FROM webhook_secrets
     WHERE endpoint_id = ANY($1::uuid[]) AND (expires_at IS NULL OR expires_at > now())
     ORDER BY endpoint_id, created_at DESC`,
    [[...new Set(endpointIds)]],
  );
  const secrets = new Map<string, string[]>();
  for (const row of rows) {
    const list = secrets.get(row.endpointId);
    if (list) list.push(row.secret);
    else secrets.set(row.endpointId, [row.secret]);
  }
  return secrets;
}

/** Endpoints, oldest first, after `after` (created_at, id). */
export function endpointPage(
  sql: SqlRows,
  after: { createdAt: Date; id: string } | null,
  limit: number,
): Promise<WebhookEndpointRecord[]> {
  return after === null
    ? sql.rows<WebhookEndpointRecord>(
        `SELECT ${WEBHOOK_ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id LIMIT $1`,
        [limit],
      )
    : sql.rows<WebhookEndpointRecord>(
        `SELECT ${WEBHOOK_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE (created_at, id) > ($1::timestamptz, $2::uuid)
         ORDER BY created_at, id LIMIT $3`,
        [after.createdAt, after.id, limit],
      );
}

// ---------------------------------------------------------------- fan-out

/**
 * Locks the fan-out's cursor, or returns null when another process holds it (it is fanning out
 * now; this one has nothing to add).
 */
export async function lockDispatchCursor(tx: SqlRows): Promise<{ feedXid: string; feedPosition: string } | null> {
  const [cursor] = await tx.rows<{ feedXid: string; feedPosition: string }>(
    `SELECT feed_xid::text AS "feedXid", position::text AS "feedPosition" FROM webhook_dispatch_cursor
     WHERE id = 1 FOR UPDATE SKIP LOCKED`,
  );
  return cursor ?? null;
}

/**
 * Whether any endpoint exists, enabled or not (a disabled endpoint's deliveries are still
 * recorded, for a replay). Read after the cursor's lock: an endpoint created since is seen.
 */
export async function anyEndpoint(tx: SqlRows): Promise<boolean> {
  const rows = await tx.rows<{ one: number }>("SELECT 1 AS one FROM webhook_endpoints LIMIT 1");
  return rows.length > 0;
}

/** Moves the fan-out's cursor, locked by this transaction, to `to` (nothing is fanned out). */
export async function moveDispatchCursor(tx: SqlRows, to: { feedXid: string; feedPosition: string }): Promise<void> {
  await tx.rows(
    "UPDATE webhook_dispatch_cursor SET feed_xid = $1::xid8, position = $2::int8, updated_at = now() WHERE id = 1",
    [to.feedXid, to.feedPosition],
  );
}

/**
 * One delivery per event for every endpoint that takes its type and existed when it was
 * recorded (disabled ones included: their deliveries wait, nothing is dropped), then the cursor.
 * A platform event's delivery has no tenant (nor sequence): no tenant's FIFO order holds it back.
 */
export async function fanOut(tx: SqlRows, events: readonly OutboxRow[]): Promise<number> {
  const last = events.at(-1);
  if (!last) return 0;
  const inserted = await tx.rows<{ id: string }>(
    `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, tenant_id, tenant_sequence, next_attempt_at)
     SELECT gen_random_uuid(), w.id, e.id, e.tenant_id, e.sequence, now()
     FROM unnest($1::uuid[], $2::uuid[], $3::int4[], $4::text[], $5::timestamptz[]) WITH ORDINALITY
       AS e(id, tenant_id, sequence, action, occurred_at, n)
     JOIN webhook_endpoints w ON (cardinality(w.event_types) = 0 OR e.action = ANY(w.event_types))
       AND w.created_at <= e.occurred_at
     ORDER BY e.n
     ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING id`,
    [
      events.map((event) => event.id),
      events.map((event) => event.tenantId),
      events.map((event) => event.sequence),
      events.map((event) => event.type),
      events.map((event) => event.occurredAt),
    ],
  );
  await tx.rows(
    "UPDATE webhook_dispatch_cursor SET feed_xid = $1::xid8, position = $2::int8, updated_at = now() WHERE id = 1",
    [last.feedXid, last.feedPosition],
  );
  return inserted.length;
}

// ---------------------------------------------------------------- claims and outcomes

/** A claimed delivery: the lease's token must accompany its outcome. */
export interface ClaimedDelivery extends WebhookDeliveryRecord {
  url: string;
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints under a lease, each the earliest
 * pending one of its (endpoint, tenant): a tenant's later event never overtakes an earlier one
 * still pending. SKIP LOCKED lets any number of processes claim at once without waiting or
 * claiming the same delivery; the attempt is counted now, so a crash after sending is an attempt.
 */
export function claimDeliveries(
  sql: SqlRows,
  limit: number,
  leaseToken: string,
  leaseSeconds: number,
): Promise<ClaimedDelivery[]> {
  return sql.rows<ClaimedDelivery>(
    `WITH due AS (
       SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
       WHERE d.status = 'PENDING' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id
           AND p.tenant_id = d.tenant_id AND p.status = 'PENDING' AND p.tenant_sequence < d.tenant_sequence)
       ORDER BY d.next_attempt_at, d.tenant_sequence LIMIT $1
       FOR UPDATE OF d SKIP LOCKED)
     UPDATE webhook_deliveries d SET lease_token = $2, lease_until = now() + make_interval(secs => $3),
       attempts = d.attempts + 1, last_attempt_at = now()
     FROM due, webhook_endpoints w WHERE d.id = due.id AND w.id = d.endpoint_id
     RETURNING ${WEBHOOK_DELIVERY_COLUMNS_OF_D}, w.url`,
    [limit, leaseToken, leaseSeconds],
  );
}

export type DeliveryOutcome =
  | { kind: "succeeded" }
  | { kind: "retry"; afterMs: number }
  | { kind: "failed" }
  /** 410 Gone: the delivery fails and the endpoint is disabled. */
  | { kind: "gone" };

/**
 * The attempt log keeps a delivery's last 20 attempts: the schedule's 10 and as many again after
 * a replay (which starts the schedule over), so a delivery replayed without end stays bounded.
 */
export const ATTEMPT_LOG_LENGTH = 20;

export interface AttemptRecord {
  httpStatus: number | null;
  durationMs: number;
  error: string | null;
}

/** What recording an outcome did: nothing (the lease was lost), and whether it disabled the endpoint. */
export interface RecordedOutcome {
  recorded: boolean;
  /** The endpoint before and after the loop disabled it (410, or failing too long); null otherwise. */
  disabled: { before: WebhookEndpointRecord; after: WebhookEndpointRecord } | null;
}

/**
 * Records a failed attempt's outcome (2xx ones go through `recordSuccesses`), only while this
 * lease still holds the delivery (a process whose lease ran out must not overwrite the next
 * one's). Failures age the endpoint's failing streak; `disableAfterSeconds` of failing disables
 * it, as a 410 does; the caller audits that change.
 */
export async function recordOutcome(
  tx: SqlRows,
  delivery: { id: string; endpointId: string },
  leaseToken: string,
  outcome: Exclude<DeliveryOutcome, { kind: "succeeded" }>,
  attempt: AttemptRecord,
  disableAfterSeconds: number,
): Promise<RecordedOutcome> {
  const status = outcome.kind === "retry" ? "PENDING" : "FAILED";
  // The outcome, its entry in the attempt log (at the claim's time) and the log's trim are one
  // statement: the CTEs all see the log as it was before this entry, so keeping the newest
  // ATTEMPT_LOG_LENGTH - 1 old entries leaves ATTEMPT_LOG_LENGTH with the new one.
  const updated = await tx.rows<{ id: string }>(
    `WITH updated AS (
       UPDATE webhook_deliveries SET status = $3::text::webhook_delivery_status, lease_token = NULL, lease_until = NULL,
         next_attempt_at = CASE WHEN $3::text = 'PENDING' THEN now() + make_interval(secs => $4::float8 / 1000) ELSE NULL END,
         last_http_status = $5, last_duration_ms = $6, last_error = $7
       WHERE id = $1 AND lease_token = $2 RETURNING id, last_attempt_at),
     logged AS (
       INSERT INTO webhook_attempts (id, delivery_id, at, http_status, duration_ms, error)
       SELECT gen_random_uuid(), id, COALESCE(last_attempt_at, now()), $5, $6, $7 FROM updated RETURNING id),
     trimmed AS (
       DELETE FROM webhook_attempts WHERE id IN (
         SELECT a.id FROM webhook_attempts a WHERE a.delivery_id = $1 AND EXISTS (SELECT 1 FROM updated)
         ORDER BY a.at DESC, a.id DESC OFFSET $8) RETURNING id)
     SELECT id FROM updated`,
    [
      delivery.id,
      leaseToken,
      status,
      outcome.kind === "retry" ? outcome.afterMs : 0,
      attempt.httpStatus,
      attempt.durationMs,
      attempt.error?.slice(0, 500) ?? null,
      ATTEMPT_LOG_LENGTH - 1,
    ],
  );
  if (updated.length === 0) return { recorded: false, disabled: null };
  if (outcome.kind === "gone") {
    return {
      recorded: true,
      disabled: await disableEndpoint(tx, delivery.endpointId, "the endpoint answered 410 Gone"),
    };
  }
  const [streak] = await tx.rows<{ enabled: boolean; expired: boolean }>(
    `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, now()) WHERE id = $1
     RETURNING enabled, COALESCE(failing_since < now() - make_interval(secs => $2), false) AS expired`,
    [delivery.endpointId, disableAfterSeconds],
  );
  if (!streak?.enabled || !streak.expired) return { recorded: true, disabled: null };
  const days = Math.round(disableAfterSeconds / 86_400);
  return {
    recorded: true,
    disabled: await disableEndpoint(tx, delivery.endpointId, `every attempt failed for ${days} days`),
  };
}

/** A 2xx attempt to record (the common outcome, recorded many at a time). */
export interface Success {
  delivery: { id: string; endpointId: string };
  attempt: AttemptRecord;
}

/**
 * Records 2xx attempts of deliveries this lease holds, in one statement: each delivery
 * SUCCEEDED, its attempt logged (and the log trimmed as `recordOutcome` does), and each endpoint's
 * failing streak ended. Returns the ids recorded (a lease lost meanwhile records nothing).
 */
export async function recordSuccesses(
  tx: SqlRows,
  successes: readonly Success[],
  leaseToken: string,
): Promise<Set<string>> {
  if (successes.length === 0) return new Set();
  const updated = await tx.rows<{ id: string }>(
    `WITH outcome AS (
       SELECT * FROM unnest($1::uuid[], $3::int4[], $4::int4[]) AS o(id, http_status, duration_ms)),
     updated AS (
       UPDATE webhook_deliveries d SET status = 'SUCCEEDED', lease_token = NULL, lease_until = NULL,
         next_attempt_at = NULL, last_http_status = o.http_status, last_duration_ms = o.duration_ms, last_error = NULL
       FROM outcome o WHERE d.id = o.id AND d.lease_token = $2
       RETURNING d.id, d.last_attempt_at, o.http_status, o.duration_ms),
     logged AS (
       INSERT INTO webhook_attempts (id, delivery_id, at, http_status, duration_ms, error)
       SELECT gen_random_uuid(), id, COALESCE(last_attempt_at, now()), http_status, duration_ms, NULL FROM updated
       RETURNING id),
     trimmed AS (
       DELETE FROM webhook_attempts WHERE id IN (
         SELECT ranked.id FROM (
           SELECT a.id, row_number() OVER (PARTITION BY a.delivery_id ORDER BY a.at DESC, a.id DESC) AS newest
           FROM webhook_attempts a WHERE a.delivery_id IN (SELECT id FROM updated)) ranked
         WHERE ranked.newest > $5)
       RETURNING id)
     SELECT id FROM updated`,
    [
      successes.map((success) => success.delivery.id),
      leaseToken,
      successes.map((success) => success.attempt.httpStatus),
      successes.map((success) => success.attempt.durationMs),
      ATTEMPT_LOG_LENGTH - 1,
    ],
  );
  const recorded = new Set(updated.map((row) => row.id));
  const endpoints = [
    ...new Set(successes.filter((success) => recorded.has(success.delivery.id)).map((s) => s.delivery.endpointId)),
  ];
  if (endpoints.length > 0) {
    await tx.rows(
      "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ANY($1::uuid[]) AND failing_since IS NOT NULL",
      [endpoints],
    );
  }
  return recorded;
}

/** Disables an enabled endpoint (a change like an operator's: its version moves); null if it was not enabled. */
async function disableEndpoint(
  tx: SqlRows,
  id: string,
  reason: string,
): Promise<{ before: WebhookEndpointRecord; after: WebhookEndpointRecord } | null> {
  const before = await lockEndpoint(tx, id);
  if (!before?.enabled) return null;
  const [after] = await tx.rows<WebhookEndpointRecord>(
    `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING ${WEBHOOK_ENDPOINT_COLUMNS}`,
    [id, reason],
  );
  return { before, after: after as WebhookEndpointRecord };
}

// ---------------------------------------------------------------- reads and replay

/**
 * An endpoint's deliveries of tenant events, or of platform events (no tenant): the API lists
 * them apart, a tenant event's delivery being a TenantEvent's.
 */
export function deliveryPage(
  sql: SqlRows,
  endpointId: string,
  statuses: readonly string[] | null,
  after: { createdAt: Date; id: string } | null,
  limit: number,
  of: "tenant" | "platform" = "tenant",
): Promise<WebhookDeliveryRecord[]> {
  const values: unknown[] = [endpointId];
  const conditions = ["endpoint_id = $1", of === "tenant" ? "tenant_id IS NOT NULL" : "tenant_id IS NULL"];
  if (statuses !== null) conditions.push(`status = ANY($${values.push([...statuses])}::webhook_delivery_status[])`);
  if (after !== null) {
    conditions.push(
      `(created_at, id) > ($${values.push(after.createdAt)}::timestamptz, $${values.push(after.id)}::uuid)`,
    );
  }
  return sql.rows<WebhookDeliveryRecord>(
    `SELECT ${WEBHOOK_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${conditions.join(" AND ")}
     ORDER BY created_at, id LIMIT $${values.push(limit)}`,
    values,
  );
}

/** The attempt logs of these deliveries, each oldest first (webhook_attempts_delivery_id_at_id_idx). */
export function attemptLogs(sql: SqlRows, deliveryIds: readonly string[]): Promise<WebhookAttemptRecord[]> {
  return sql.rows<WebhookAttemptRecord>(
    `SELECT ${WEBHOOK_ATTEMPT_COLUMNS} FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[])
     ORDER BY delivery_id, at, id`,
    [[...deliveryIds]],
  );
}

/** Schedules the endpoint's deliveries created in [since, until) again (only FAILED ones, or all). */
export async function replayDeliveries(
  tx: SqlRows,
  endpointId: string,
  since: Date,
  until: Date,
  onlyFailed: boolean,
): Promise<number> {
  const rows = await tx.rows<{ id: string }>(
    `UPDATE webhook_deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = now(), lease_token = NULL,
       lease_until = NULL
     WHERE endpoint_id = $1 AND created_at >= $2 AND created_at < $3
       AND (status = 'FAILED' OR (NOT $4 AND status = 'SUCCEEDED')) RETURNING id`,
    [endpointId, since, until, onlyFailed],
  );
  return rows.length;
}

/** Pending deliveries, the oldest one's age and disabled endpoints (for metrics). */
export async function webhookGauges(
  sql: SqlRows,
): Promise<{ pending: number; oldestPendingSeconds: number; disabledEndpoints: number }> {
  const [row] = await sql.rows<{ pending: number; oldest: number | null; disabled: number }>(
    `SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE status = 'PENDING') AS pending,
       (SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 FROM webhook_deliveries WHERE status = 'PENDING') AS oldest,
       (SELECT count(*)::int FROM webhook_endpoints WHERE NOT enabled) AS disabled`,
  );
  return { pending: row?.pending ?? 0, oldestPendingSeconds: row?.oldest ?? 0, disabledEndpoints: row?.disabled ?? 0 };
}
