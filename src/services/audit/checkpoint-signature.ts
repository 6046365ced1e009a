// What a checkpoint's Ed25519 signature covers (docs/design.md §4, docs/audit-evidence.md): shared
// by the service that signs and by every verifier, the offline one included.
import { sign, verify, type KeyObject } from "node:crypto";

/** A checkpoint as stored and published. `id` is a decimal string (a bigint). */
export interface AuditCheckpointRecord {
  id: string;
  createdAt: Date;
  tenantCount: number;
  /** Merkle root (merkle.ts) over every tenant's (id, sequence, hash), in tenant id order. */
  root: string;
  publicKeyId: string;
  /** Ed25519 signature of `checkpointMessage`, base64. */
  signature: string;
  /** The operator who asked for it; null for the periodic ones. */
  requestedBy: string | null;
}

export type UnsignedCheckpoint = Omit<AuditCheckpointRecord, "signature">;

/** The signed bytes: a versioned, line-separated statement of every field but the signature. */
export function checkpointMessage(checkpoint: UnsignedCheckpoint): Buffer {
  return Buffer.from(
    [
      "tenant-lifecycle audit checkpoint v1",
      checkpoint.id,
      checkpoint.createdAt.toISOString(),
      String(checkpoint.tenantCount),
      checkpoint.root,
      checkpoint.publicKeyId,
      checkpoint.requestedBy ?? "",
    ].join("\n"),
    "utf8",
  );
}

export function signCheckpoint(privateKey: KeyObject, checkpoint: UnsignedCheckpoint): string {
  return sign(null, checkpointMessage(checkpoint), privateKey).toString("base64");
}

export function isCheckpointSignatureValid(publicKey: KeyObject, checkpoint: AuditCheckpointRecord): boolean {
  try {
    return verify(null, checkpointMessage(checkpoint), publicKey, Buffer.from(checkpoint.signature, "base64"));
  } catch {
    return false;
  }
}
