// The hook through which each checkpoint leaves the database (docs/design.md §4 "Audit evidence":
// copies held outside are what make a rewritten history detectable). The lifecycle events feed
// (issue 23) is built elsewhere; wiring it in is one change here: write the event below into the
// feed's outbox with `tx`, in the checkpoint's own transaction.
import type { SqlTransaction } from "../database/sql.ts";
import type { AuditCheckpointRecord } from "./checkpoint-signature.ts";

/** The event a checkpoint is published as: everything a verifier needs to check it offline. */
export interface AuditCheckpointEvent {
  type: "audit.checkpoint.created";
  checkpoint: {
    id: string;
    createdAt: string;
    tenantCount: number;
    root: string;
    publicKeyId: string;
    signature: string;
    requestedBy: string | null;
  };
}

export function checkpointEventOf(checkpoint: AuditCheckpointRecord): AuditCheckpointEvent {
  return {
    type: "audit.checkpoint.created",
    checkpoint: { ...checkpoint, createdAt: checkpoint.createdAt.toISOString() },
  };
}

/**
 * Emits the checkpoint as an event, in the checkpoint's transaction. Not wired yet: the events
 * feed does not exist on this branch, so this does nothing.
 */
export async function emitCheckpointEvent(_tx: SqlTransaction, _event: AuditCheckpointEvent): Promise<void> {
  // Deliberately empty until the events feed (issue 23) is merged.
}
