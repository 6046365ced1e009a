import { createHash } from "node:crypto";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { TransactionClient } from "../database/client.ts";
import { canonicalJson, type JsonValue } from "../audit/audit-hash.ts";

/** Keys live at least this long (DESIGN.md §4: at least 24 h). */
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
  tx: TransactionClient,
  scope: IdempotencyScope,
  requestHash: string,
): Promise<ReservationResult> {
  const expiresAt = new Date(Date.now() + IDEMPOTENCY_KEY_TTL_MS);
  const claimed = await tx.$queryRaw<{ claimed: boolean }[]>`
    INSERT INTO idempotency_records (principal_sub, mutation, key, request_hash, payload, created_at, expires_at)
    VALUES (${scope.principalSub}, ${scope.mutation}, ${scope.key}, ${requestHash}, NULL, now(), ${expiresAt})
    ON CONFLICT (principal_sub, mutation, key) DO UPDATE
      SET request_hash = EXCLUDED.request_hash, payload = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
      WHERE idempotency_records.expires_at < now()
    RETURNING true AS claimed`;
  if (claimed.length > 0) return { kind: "reserved" };

  const existing = await tx.idempotencyRecord.findUnique({
    where: { principalSub_mutation_key: scope },
    select: { requestHash: true, payload: true },
  });
  if (!existing || existing.requestHash !== requestHash || existing.payload === null) return { kind: "reused" };
  return { kind: "replay", payload: existing.payload as JsonValue };
}

export async function storeIdempotentPayload(
  tx: TransactionClient,
  scope: IdempotencyScope,
  payload: JsonValue,
): Promise<void> {
  await tx.idempotencyRecord.update({
    where: { principalSub_mutation_key: scope },
    data: { payload: payload as Prisma.InputJsonValue },
  });
}

/** Housekeeping: drops expired keys; safe to run from any process at any time. */
export async function deleteExpiredIdempotencyKeys(db: Pick<TransactionClient, "idempotencyRecord">): Promise<number> {
  const { count } = await db.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return count;
}
