import type { AuditAction } from "../domain/audit-actions.ts";
// The one skeleton every mutation runs in (docs/design.md §4): capability, validation,
// idempotency, visibility, the tenant lock (and visibility again), the version check, one audit
// event, and the presentation of the payload — so each mutation states only its own rule.
import { appendAuditEvent, type AuditChanges } from "./audit/audit-store.ts";
import { type TenantWrite } from "../domain/capabilities.ts";
import { mayReadTenant, mayWriteTenant } from "./authorization/tenant-access.ts";
import { requireWrite, type Viewer } from "./authorization/viewer.ts";
import type { JsonValue } from "./canonical-json.ts";
import type { SqlTransaction } from "./database/sql.ts";
import type { AuditEventRecord, TenantRecord } from "../domain/vocabulary.ts";
import { fail, type Outcome } from "./errors.ts";
import {
  hashRequest,
  IDEMPOTENCY_QUOTA_WINDOW_MS,
  isIdempotencyQuotaReached,
  releaseIdempotencyKey,
  reserveIdempotencyKey,
  storeIdempotentPayload,
  type IdempotencyScope,
} from "./idempotency/idempotency-store.ts";
import type { UserError } from "../domain/user-errors.ts";
import type { ServiceContext } from "./service-context.ts";
import { lockTenant, readTenant } from "./tenants/tenant-store.ts";
import { characterLength, hasControlCharacters, isStorableText, TEXT_LIMITS } from "./text.ts";

/** The one audit event a mutation may write: on the locked (or newly created) tenant's chain. */
export interface AuditDraft {
  action: AuditAction;
  reason: string | null;
  changes: AuditChanges;
  /** For a tenant the mutation itself created (there is no lock to take); else the locked one. */
  tenantId?: string;
}

/** What a mutation's own rule works with. */
export interface MutationStep<Valid> {
  tx: SqlTransaction;
  viewer: Viewer;
  valid: Valid;
  /** The tenant whose row is locked for this transaction (absent for a mutation that creates one). */
  tenant: TenantRecord;
  /** Appends the mutation's audit event (at most once: one change, one event). */
  audit(draft: AuditDraft): Promise<AuditEventRecord>;
}

interface Common<Input, Valid, Result, Payload> {
  /**
   * The write this mutation is: its capability, and the scope of its idempotency records (a key
   * used with one mutation means nothing to another).
   */
  write: TenantWrite;
  /** Further writes the input asks for (e.g. a slug change). Every capability is checked first: FORBIDDEN, before any lookup. */
  alsoWrites?(input: Input): TenantWrite[];
  /** Checks the input without the database; user errors end the mutation before it starts. */
  validate(input: Input): Outcome<Valid>;
  /** The tenant a result belongs to: a replay is shown only while the caller may still see it. */
  tenantOf(result: Result): string;
  /** The payload as this viewer may see it (the presentation module's values). */
  present(viewer: Viewer, result: Result): Payload;
  /** Maps a database failure to a user error (a lost unique race), or null to let it through. */
  translateError?(error: unknown, valid: Valid): UserError | null;
}

/** A mutation of an existing tenant: it must be visible to the caller, and then its row is locked. */
interface OnTenant<Input, Valid, Result, Payload> extends Common<Input, Valid, Result, Payload> {
  /**
   * The tenant the input names, read WITHOUT a lock (null when the input names nothing that
   * exists), with the same statements whatever it finds: the caller's right to write it is
   * judged on this read, so a tenant it may not see answers as an unknown one does (§3) and
   * never waits for, or holds, its row lock.
   */
  tenantToWrite(tx: SqlTransaction, valid: Valid): Promise<TenantRecord | null>;
  /**
   * The tenant's id when the input names it directly. A platform-wide writer may write every
   * tenant its capability covers (checked before anything else), so nothing is hidden from it
   * and the unlocked read would decide nothing: its transaction locks this id at once, one
   * statement fewer on every operator's transition.
   */
  tenantIdIn?(valid: Valid): string;
  /** The error for a tenant (or record) that does not exist or may not be touched by the caller. */
  notFound: UserError;
  /** The tenant version the caller expects, if it said (VERSION_CONFLICT otherwise). */
  expectedVersion?(valid: Valid): number | null | undefined;
  work(step: MutationStep<Valid>): Promise<Outcome<Result>>;
}

/** A mutation that creates the tenant it writes to. */
interface Creating<Input, Valid, Result, Payload> extends Common<Input, Valid, Result, Payload> {
  work(step: Omit<MutationStep<Valid>, "tenant">): Promise<Outcome<Result>>;
}

type MutationDefinition<Input, Valid, Result, Payload> =
  OnTenant<Input, Valid, Result, Payload> | Creating<Input, Valid, Result, Payload>;

/** A mutation of an existing tenant (every mutation but createTenant). */
export function defineMutation<Input extends { idempotencyKey?: string | null }, Valid, Result, Payload>(
  definition: OnTenant<Input, Valid, Result, Payload>,
): (context: ServiceContext, input: Input) => Promise<Outcome<Payload>> {
  return mutationOf(definition);
}

/** A mutation that creates the tenant it writes to (createTenant). */
export function defineCreation<Input extends { idempotencyKey?: string | null }, Valid, Result, Payload>(
  definition: Creating<Input, Valid, Result, Payload>,
): (context: ServiceContext, input: Input) => Promise<Outcome<Payload>> {
  return mutationOf(definition);
}

/** Thrown inside the transaction to roll it back while returning the user errors. */
class RollbackWithUserErrors extends Error {
  constructor(readonly outcome: Outcome<never>) {
    super("rolled back with user errors");
  }
}

export function versionConflict(what: string, current: number, expected: number): Outcome<never> {
  return fail("VERSION_CONFLICT", `${what} is at version ${current}, not ${expected}`, ["input", "expectedVersion"]);
}

function validateIdempotencyKey(key: string | null | undefined): Outcome<string | null> {
  const field = ["input", "idempotencyKey"];
  if (key === null || key === undefined) return { ok: true, value: null };
  // A key is taken as sent (trimming would make two keys one); a blank one names nothing.
  if (key.trim().length === 0 || characterLength(key) > TEXT_LIMITS.idempotencyKey) {
    return fail(
      "INVALID_INPUT",
      `idempotencyKey must be 1..${TEXT_LIMITS.idempotencyKey} characters, not blank`,
      field,
    );
  }
  if (!isStorableText(key) || hasControlCharacters(key, { allowLineBreaks: false })) {
    return fail(
      "INVALID_INPUT",
      "idempotencyKey must not contain control characters or unpaired surrogate characters",
      field,
    );
  }
  return { ok: true, value: key };
}

/**
 * Builds a mutation from its definition. The returned function runs it in one transaction
 * holding the change, its audit event, its side effects and its idempotency record.
 */
function mutationOf<Input extends { idempotencyKey?: string | null }, Valid, Result, Payload>(
  definition: MutationDefinition<Input, Valid, Result, Payload>,
): (context: ServiceContext, input: Input) => Promise<Outcome<Payload>> {
  return async (context, input) => {
    const { viewer } = context;
    const writes = [definition.write, ...(definition.alsoWrites?.(input) ?? [])];
    for (const write of writes) requireWrite(viewer, write);
    const validated = definition.validate(input);
    if (!validated.ok) return validated;
    const key = validateIdempotencyKey(input.idempotencyKey);
    if (!key.ok) return key;
    const scope: IdempotencyScope | null =
      key.value === null
        ? null
        : {
            principalSub: viewer.principal.sub,
            principalScope: viewer.principal.tenantId ?? "",
            mutation: definition.write,
            key: key.value,
          };
    const valid = validated.value;
    try {
      const outcome = await context.sql.transaction(async (tx): Promise<Outcome<Payload>> => {
        if (scope) {
          const reservation = await reserveIdempotencyKey(tx, scope, hashRequest(input as unknown as JsonValue));
          if (reservation.kind === "reused") {
            return fail("IDEMPOTENCY_KEY_REUSED", "This idempotencyKey was already used with a different input", [
              "input",
              "idempotencyKey",
            ]);
          }
          if (reservation.kind === "replay") {
            // The stored result, shown as the caller may see it today.
            const result = decodeSnapshot<Result>(reservation.payload);
            const current = await readTenant(tx, definition.tenantOf(result));
            if (!current || !mayReadTenant(viewer, current)) {
              return { ok: false, errors: ["notFound" in definition ? definition.notFound : tenantNotFound] };
            }
            return { ok: true, value: definition.present(viewer, result) };
          }
        }
        let audited = false;
        const audit = (lockedTenantId: string | null) => (draft: AuditDraft) => {
          if (audited) throw new Error(`${definition.write} tried to write a second audit event`);
          audited = true;
          const tenantId = draft.tenantId ?? lockedTenantId;
          if (!tenantId) throw new Error(`${definition.write} wrote an audit event for no tenant`);
          return appendAuditEvent(tx, context, {
            tenantId,
            action: draft.action,
            reason: draft.reason,
            changes: draft.changes,
          });
        };
        let outcome: Outcome<Result>;
        if ("tenantToWrite" in definition) {
          // Visibility before the lock (§3): a tenant the caller may not write is NOT_FOUND at
          // once, as an unknown one is, without queueing behind whoever holds its row.
          const mayWrite = (tenant: TenantRecord | null): tenant is TenantRecord =>
            tenant !== null && writes.every((write) => mayWriteTenant(viewer, tenant, write));
          // Refusals roll back like any user error: the key reserved above must not outlive them.
          const notFound = () => new RollbackWithUserErrors({ ok: false, errors: [definition.notFound] });
          let tenantId = viewer.tenantScope === null ? definition.tenantIdIn?.(valid) : undefined;
          if (tenantId === undefined) {
            const seen = await definition.tenantToWrite(tx, valid);
            if (!mayWrite(seen)) throw notFound();
            tenantId = seen.id;
          }
          // Judged again under the lock: the tenant may have changed (been hidden) while we waited.
          const tenant = await lockTenant(tx, tenantId);
          if (!mayWrite(tenant)) throw notFound();
          const expected = definition.expectedVersion?.(valid);
          if (expected != null && expected !== tenant.version) {
            throw new RollbackWithUserErrors(versionConflict("Tenant", tenant.version, expected));
          }
          outcome = await definition.work({ tx, viewer, valid, tenant, audit: audit(tenant.id) });
        } else {
          outcome = await definition.work({ tx, viewer, valid, audit: audit(null) });
        }
        if (!outcome.ok) throw new RollbackWithUserErrors(outcome);
        if (scope) {
          // Records hold the payloads of changes (§4): a no-op (no event) leaves none behind.
          if (!audited) await releaseIdempotencyKey(tx, scope);
          else if (await isIdempotencyQuotaReached(tx, scope, context.quotas.idempotencyRecordsPerPrincipal)) {
            // Refused whole: storing nothing would silently drop the retry guarantee the caller asked for.
            throw new RollbackWithUserErrors(idempotencyQuotaExceeded(context.quotas.idempotencyRecordsPerPrincipal));
          } else await storeIdempotentPayload(tx, scope, encodeSnapshot(outcome.value));
        }
        return { ok: true, value: definition.present(viewer, outcome.value) };
      });
      return outcome;
    } catch (error) {
      if (error instanceof RollbackWithUserErrors) return error.outcome;
      const translated = definition.translateError?.(error, valid);
      if (translated) return { ok: false, errors: [translated] };
      throw error;
    }
  };
}

function idempotencyQuotaExceeded(quota: number): Outcome<never> {
  const hours = IDEMPOTENCY_QUOTA_WINDOW_MS / 3_600_000;
  return fail(
    "IDEMPOTENCY_QUOTA_EXCEEDED",
    `You stored ${quota} idempotency records in the last ${hours} h, the most one caller may; nothing was changed. ` +
      "Send the change again without an idempotencyKey, or with one later",
    ["input", "idempotencyKey"],
  );
}

const tenantNotFound: UserError = { code: "NOT_FOUND", message: "Tenant not found", field: ["input", "tenantId"] };

const DATE_TAG = "$date";

/** JSON of a result snapshot; Dates are tagged so a replay returns them as Dates again. */
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
