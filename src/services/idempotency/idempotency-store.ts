// The one owner of the `idempotency_records` table's SQL.
import { createHash } from "node:crypto";
import { canonicalJson, type JsonValue } from "../canonical-json.ts";
import { prepared, type SqlRunner, type SqlTransaction } from "../database/sql.ts";

/** Keys live at least this long (docs/design.md §4: at least 24 h). */
export const IDEMPOTENCY_KEY_TTL_MS = 48 * 60 * 60 * 1000;

/** The window of the per-principal quota on stored records (LIMIT_IDEMPOTENCY_RECORDS). */
export const IDEMPOTENCY_QUOTA_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Whose key it is and for what: records of one scope are invisible to every other. */
export interface IdempotencyScope {
  principalSub: string;
  /** The tenant id of a tenant-scoped caller; '' for a platform-wide one. */
  principalScope: string;
  mutation: string;
  key: string;
}

export type ReservationResult = { kind: "reserved" } | { kind: "replay"; payload: JsonValue } | { kind: "reused" };

export function hashRequest(input: JsonValue): string {
  return createHash("sha256").update(canonicalJson(input)).digest("hex");
}

const SCOPE = "principal_sub = $1 AND principal_scope = $2 AND mutation = $3 AND key = $4";
const scopeValues = (scope: IdempotencyScope) => [scope.principalSub, scope.principalScope, scope.mutation, scope.key];

/**
 * Claims the key inside the mutation's transaction. A concurrent request with the same key
 * blocks on the primary key until the first commits (then replays its payload) or rolls back
 * (then claims the key itself) — so two identical requests make one change.
 */
export async function reserveIdempotencyKey(
  tx: SqlTransaction,
  scope: IdempotencyScope,
  requestHash: string,
): Promise<ReservationResult> {
  const expiresAt = new Date(Date.now() + IDEMPOTENCY_KEY_TTL_MS);
  const claimed = await tx.rows(
    `INSERT INTO idempotency_records (principal_sub, principal_scope, mutation, key, request_hash, payload, created_at,
       expires_at)
     VALUES ($1, $2, $3, $4, $5, NULL, now(), $6)
     ON CONFLICT (principal_sub, principal_scope, mutation, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, payload = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE idempotency_records.expires_at < now()
     RETURNING true AS claimed`,
    [...scopeValues(scope), requestHash, expiresAt],
  );
  if (claimed.length > 0) return { kind: "reserved" };

  const [existing] = await tx.rows<{ requestHash: string; payload: JsonValue | null }>(
    `SELECT request_hash AS "requestHash", payload FROM idempotency_records WHERE ${SCOPE}`,
    scopeValues(scope),
  );
  if (!existing || existing.requestHash !== requestHash || existing.payload === null) return { kind: "reused" };
  return { kind: "replay", payload: existing.payload };
}

export async function storeIdempotentPayload(
  tx: SqlTransaction,
  scope: IdempotencyScope,
  payload: JsonValue,
): Promise<void> {
  await tx.rows(`UPDATE idempotency_records SET payload = $5::jsonb WHERE ${SCOPE}`, [
    ...scopeValues(scope),
    JSON.stringify(payload),
  ]);
}

/**
 * Gives the key back: a success that changed nothing (no audit event) stores no record, so the
 * same key sent again simply runs again — and is again a no-op, or the change it now is.
 */
export async function releaseIdempotencyKey(tx: SqlTransaction, scope: IdempotencyScope): Promise<void> {
  await tx.rows(`DELETE FROM idempotency_records WHERE ${SCOPE}`, scopeValues(scope));
}

/**
 * Whether the principal already stored `quota` records within the quota window (records of all
 * its mutations; keys still being reserved, this one included, do not count). Counts at most
 * `quota` entries of idempotency_records_principal_created_at_idx: its cost is bounded whatever
 * the principal stored.
 */
export async function isIdempotencyQuotaReached(
  tx: SqlTransaction,
  scope: Pick<IdempotencyScope, "principalSub" | "principalScope">,
  quota: number,
): Promise<boolean> {
  const [row] = await tx.rows<{ stored: string }>(
    `SELECT count(*) AS stored FROM (
       SELECT 1 FROM idempotency_records
       WHERE principal_sub = $1 AND principal_scope = $2 AND created_at > now() - $3 * interval '1 millisecond'
         AND payload IS NOT NULL
       LIMIT $4) AS recent`,
    [scope.principalSub, scope.principalScope, IDEMPOTENCY_QUOTA_WINDOW_MS, quota],
  );
  return Number(row?.stored ?? 0) >= quota;
}

/** Housekeeping: drops expired keys; safe to run from any process at any time. */
export async function deleteExpiredIdempotencyKeys(pool: SqlRunner): Promise<number> {
  const result = await pool.query(prepared("DELETE FROM idempotency_records WHERE expires_at < now()", []));
  return result.rowCount ?? 0;
}
