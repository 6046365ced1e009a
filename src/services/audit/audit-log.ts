import type { Prisma } from "../../generated/prisma/client.ts";
import { actorTypeOf } from "../authorization/capabilities.ts";
import type { Viewer } from "../authorization/viewer.ts";
import type { TransactionClient } from "../database/client.ts";
import type { AuditEventRecord } from "../domain-types.ts";
import { auditEventHash, type JsonValue } from "./audit-hash.ts";

/** `{ field: { from, to } }` — what an event says changed. */
export type AuditChanges = Record<string, JsonValue>;

export function change(from: JsonValue, to: JsonValue): JsonValue {
  return { from, to };
}

export interface AuditEventDraft {
  tenantId: string;
  action: string;
  reason: string | null;
  changes: AuditChanges;
}

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
  tx: TransactionClient,
  writer: AuditWriter,
  draft: AuditEventDraft,
): Promise<AuditEventRecord> {
  const previous = await tx.auditEvent.findFirst({
    where: { tenantId: draft.tenantId },
    orderBy: { sequence: "desc" },
    select: { sequence: true, hash: true },
  });
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
  return tx.auditEvent.create({
    data: {
      ...content,
      changes: content.changes as Prisma.InputJsonValue,
      previousHash,
      hash: auditEventHash(previousHash, content),
    },
  });
}
