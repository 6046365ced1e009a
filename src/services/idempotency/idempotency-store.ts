import { createHash } from "node:crypto";
// The one owner of the `idempotency_records` table's SQL.
import { prepared, type SqlRunner, type SqlTransaction } from "../database/sql.ts";
import { canonicalJson, type JsonValue } from "../audit/audit-hash.ts";

/** Keys live at least this long (docs/design.md §4: at least 24 h). */
export const IDEMPOTENCY_KEY_TTL_MS = 48 * 60 * 60 * 1000;

export interface IdempotencyScope {
  principalSub: string;
  mutation: string;
  key: string;
}

export type ReservationResult = { kind: "reserved" } | { kind: "replay"; payload: JsonValue } | { kind: "reused" };

export function hashRequest(input: JsonValue): string {
  return createHash("sha256").update(canonicalJson(input)).digest("hex");
}

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
    `INSERT INTO idempotency_records (principal_sub, mutation, key, request_hash, payload, created_at, expires_at)
     VALUES ($1, $2, $3, $4, NULL, now(), $5)
     ON CONFLICT (principal_sub, mutation, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, payload = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE idempotency_records.expires_at < now()
     RETURNING true AS claimed`,
    [scope.principalSub, scope.mutation, scope.key, requestHash, expiresAt],
  );
  if (claimed.length > 0) return { kind: "reserved" };

  const [existing] = await tx.rows<{ requestHash: string; payload: JsonValue | null }>(
    `SELECT request_hash AS "requestHash", payload FROM idempotency_records
     WHERE principal_sub = $1 AND mutation = $2 AND key = $3`,
    [scope.principalSub, scope.mutation, scope.key],
  );
  if (!existing || existing.requestHash !== requestHash || existing.payload === null) return { kind: "reused" };
  return { kind: "replay", payload: existing.payload };
}

export async function storeIdempotentPayload(
  tx: SqlTransaction,
  scope: IdempotencyScope,
  payload: JsonValue,
): Promise<void> {
  await tx.rows(
    `UPDATE idempotency_records SET payload = $4::jsonb WHERE principal_sub = $1 AND mutation = $2 AND key = $3`,
    [scope.principalSub, scope.mutation, scope.key, JSON.stringify(payload)],
  );
}

/** Housekeeping: drops expired keys; safe to run from any process at any time. */
export async function deleteExpiredIdempotencyKeys(pool: SqlRunner): Promise<number> {
  const result = await pool.query(prepared("DELETE FROM idempotency_records WHERE expires_at < now()", []));
  return result.rowCount ?? 0;
}
