import { createHash } from "node:crypto";
import { canonicalJson, type JsonValue } from "../canonical-json.ts";

/** The content an audit event's hash covers: everything but its own id and hash. */
export interface HashedAuditContent {
  tenantId: string;
  sequence: number;
  action: string;
  actorType: string;
  actorId: string;
  operatorOverride: boolean;
  reason: string | null;
  changes: JsonValue;
  requestId: string | null;
  occurredAt: Date;
}

/** hash = sha256(previousHash ‖ canonical JSON of the event) — docs/design.md §4. */
export function auditEventHash(previousHash: string | null, content: HashedAuditContent): string {
  const canonical = canonicalJson({ ...content, occurredAt: content.occurredAt.toISOString() });
  return createHash("sha256")
    .update(previousHash ?? "")
    .update(canonical)
    .digest("hex");
}
