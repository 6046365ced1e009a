import { createHash } from "node:crypto";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** JSON with object keys sorted at every depth, so equal content always hashes equally. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(",")}}`;
}

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
