import type { JsonValue } from "./audit/audit-hash.ts";
import type { SqlTransaction } from "./database/sql.ts";
import { fail, type Outcome } from "./errors.ts";
import { hashRequest, reserveIdempotencyKey, storeIdempotentPayload } from "./idempotency/idempotency-store.ts";
import type { ServiceContext } from "./service-context.ts";
import { isStorableText, TEXT_LIMITS } from "./text.ts";

export interface MutationSpec {
  /** Mutation name, part of the idempotency scope. */
  name: string;
  /** The caller's input as sent (the idempotency hash covers all of it, key included). */
  input: JsonValue;
  idempotencyKey?: string | null;
}

/** Thrown inside the transaction to roll it back while returning the user errors. */
class RollbackWithUserErrors extends Error {
  constructor(readonly outcome: Outcome<never>) {
    super("rolled back with user errors");
  }
}

/**
 * Runs one mutation in one transaction holding the change, its audit event, its side effects
 * and the idempotency record (docs/design.md §4). A user error rolls all of it back; a replayed key
 * returns the stored payload and writes nothing.
 */
export async function runMutation<T>(
  context: ServiceContext,
  spec: MutationSpec,
  work: (tx: SqlTransaction) => Promise<Outcome<T>>,
): Promise<Outcome<T>> {
  const key = spec.idempotencyKey ?? null;
  if (key !== null && (key.length === 0 || key.length > TEXT_LIMITS.idempotencyKey)) {
    return fail("INVALID_INPUT", `idempotencyKey must be 1..${TEXT_LIMITS.idempotencyKey} characters`, [
      "input",
      "idempotencyKey",
    ]);
  }
  if (key !== null && !isStorableText(key)) {
    return fail("INVALID_INPUT", "idempotencyKey must not contain NUL or unpaired surrogate characters", [
      "input",
      "idempotencyKey",
    ]);
  }
  const scope = key === null ? null : { principalSub: context.viewer.principal.sub, mutation: spec.name, key };
  try {
    return await context.sql.transaction(async (tx) => {
      if (scope) {
        const reservation = await reserveIdempotencyKey(tx, scope, hashRequest(spec.input));
        if (reservation.kind === "replay") return { ok: true, value: decodeSnapshot<T>(reservation.payload) };
        if (reservation.kind === "reused") {
          return fail("IDEMPOTENCY_KEY_REUSED", "This idempotencyKey was already used with a different input", [
            "input",
            "idempotencyKey",
          ]);
        }
      }
      const outcome = await work(tx);
      if (!outcome.ok) throw new RollbackWithUserErrors(outcome);
      if (scope) await storeIdempotentPayload(tx, scope, encodeSnapshot(outcome.value));
      return outcome;
    });
  } catch (error) {
    if (error instanceof RollbackWithUserErrors) return error.outcome;
    throw error;
  }
}

const DATE_TAG = "$date";

/** JSON of a payload snapshot; Dates are tagged so a replay returns them as Dates again. */
function encodeSnapshot(value: unknown): JsonValue {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, encoded: unknown) {
      const raw = this[key];
      return raw instanceof Date ? { [DATE_TAG]: raw.toISOString() } : encoded;
    }),
  ) as JsonValue;
}

function decodeSnapshot<T>(json: JsonValue): T {
  return JSON.parse(JSON.stringify(json), (_key, value: unknown) => {
    if (value !== null && typeof value === "object" && DATE_TAG in value) {
      return new Date((value as Record<string, string>)[DATE_TAG] as string);
    }
    return value;
  }) as T;
}
