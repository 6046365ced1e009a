// How each checkpoint leaves the database (docs/design.md §4 "Audit evidence", §9): copies held
// outside are what make a history rewritten after it detectable. A checkpoint's record in the
// platform audit trail is written in the checkpoint's own transaction, and that record is an
// event of the feed (platform-audit-store.ts): webhooks and broker sinks deliver it like the
// tenant events, to subscribers of `audit.checkpoint.created`.
import type { PlatformAuditEventRecord } from "../../domain/vocabulary.ts";
import type { JsonValue } from "../canonical-json.ts";
import type { SqlRows } from "../database/sql.ts";
import type { AuditCheckpointRecord } from "./checkpoint-signature.ts";
import { appendPlatformAuditEvent, type PlatformActor } from "./platform-audit-store.ts";

/**
 * The event's `changes`: everything a verifier needs to check the checkpoint offline with the
 * public key alone (docs/audit-evidence.md gives the signed statement these fields make).
 */
export function checkpointEventChanges(checkpoint: AuditCheckpointRecord): Record<string, JsonValue> {
  return {
    checkpoint: {
      id: checkpoint.id,
      createdAt: checkpoint.createdAt.toISOString(),
      tenantCount: checkpoint.tenantCount,
      root: checkpoint.root,
      publicKeyId: checkpoint.publicKeyId,
      signature: checkpoint.signature,
      requestedBy: checkpoint.requestedBy,
    },
  };
}

/** Records the checkpoint as a published platform event, in the checkpoint's transaction. */
export function emitCheckpointEvent(
  tx: SqlRows,
  actor: PlatformActor,
  checkpoint: AuditCheckpointRecord,
): Promise<PlatformAuditEventRecord> {
  return appendPlatformAuditEvent(tx, actor, {
    action: "audit.checkpoint.created",
    subjectId: checkpoint.id,
    changes: checkpointEventChanges(checkpoint),
  });
}
