// The one owner of the `audit_checkpoints` and `audit_checkpoint_leaves` tables' SQL: taking a
// signed checkpoint over every tenant's head (docs/design.md §4), and finding the latest one that
// covers a tenant.
import type { CheckpointSigner } from "./audit-keys.ts";
import { checkpointLeafHash, MerkleRootBuilder } from "./merkle.ts";
import { signCheckpoint, type AuditCheckpointRecord } from "./checkpoint-signature.ts";
import type { SqlRows, SqlTransaction } from "../database/sql.ts";
import { emitCheckpointEvent } from "./checkpoint-events.ts";
import { systemActor, type PlatformActor } from "./platform-audit-store.ts";

/** Checkpoints are taken one at a time, across processes: ids are consecutive and leaves never interleave. */
const CHECKPOINT_LOCK_KEY = 7_240_024;
const LEAF_BATCH_SIZE = 5000;
/** The actor of the periodic checkpoints, in the platform audit trail. */
export const CHECKPOINT_SCHEDULE_ACTOR = systemActor("audit-checkpoint-schedule");

const CHECKPOINT_COLUMNS = `id::text AS id, created_at AS "createdAt", tenant_count AS "tenantCount", root,
  public_key_id AS "publicKeyId", signature, requested_by AS "requestedBy"`;

/**
 * Takes a checkpoint in `tx` on an operator's demand (`requestedBy`: who asked, stored in the
 * signed content): records the heads that moved since each tenant's previous leaf, computes the
 * Merkle root over every tenant's leaf as of this checkpoint, signs and stores it, and records it
 * as a published platform event. The heads are read in one statement, so the checkpoint is one
 * consistent cut of them.
 */
export async function takeCheckpoint(
  tx: SqlTransaction,
  signer: CheckpointSigner,
  requestedBy: PlatformActor,
): Promise<AuditCheckpointRecord> {
  await tx.rows("SELECT pg_advisory_xact_lock($1)", [CHECKPOINT_LOCK_KEY]);
  return takeLockedCheckpoint(tx, signer, requestedBy);
}

/**
 * The periodic checkpoint: taken unless another replica took one in the last `intervalMs`
 * (judged under the lock, so replicas sharing a database take about one per interval).
 */
export async function takeCheckpointIfDue(
  tx: SqlTransaction,
  signer: CheckpointSigner,
  intervalMs: number,
): Promise<AuditCheckpointRecord | null> {
  await tx.rows("SELECT pg_advisory_xact_lock($1)", [CHECKPOINT_LOCK_KEY]);
  const [recent] = await tx.rows(
    "SELECT 1 FROM audit_checkpoints WHERE created_at > now() - $1 * interval '1 millisecond' LIMIT 1",
    [intervalMs],
  );
  return recent ? null : takeLockedCheckpoint(tx, signer, null);
}

/** `requestedBy`: the operator who asked; null for a periodic one (the system's). */
async function takeLockedCheckpoint(
  tx: SqlTransaction,
  signer: CheckpointSigner,
  requestedBy: PlatformActor | null,
): Promise<AuditCheckpointRecord> {
  const [next] = await tx.rows<{ id: string }>("SELECT (coalesce(max(id), 0) + 1)::text AS id FROM audit_checkpoints");
  const id = (next as { id: string }).id;
  await tx.rows(
    `INSERT INTO audit_checkpoint_leaves (tenant_id, checkpoint_id, sequence, hash)
     SELECT head.tenant_id, $1, head.sequence, head.hash
     FROM audit_chain_heads head
     LEFT JOIN LATERAL (
       SELECT leaf.sequence, leaf.hash FROM audit_checkpoint_leaves leaf
       WHERE leaf.tenant_id = head.tenant_id ORDER BY leaf.checkpoint_id DESC LIMIT 1
     ) previous ON true
     WHERE previous.sequence IS DISTINCT FROM head.sequence OR previous.hash IS DISTINCT FROM head.hash`,
    [id],
  );
  const tree = new MerkleRootBuilder();
  for await (const batch of checkpointLeaves(tx, id)) {
    for (const leaf of batch) tree.add(checkpointLeafHash(leaf.tenantId, leaf.sequence, leaf.hash));
  }
  const unsigned = {
    id,
    createdAt: new Date(),
    tenantCount: tree.leafCount,
    root: tree.root(),
    publicKeyId: signer.publicKeyId,
    requestedBy: requestedBy?.id ?? null,
  };
  const signature = signCheckpoint(signer.privateKey, unsigned);
  const [stored] = await tx.rows<AuditCheckpointRecord>(
    `INSERT INTO audit_checkpoints (id, created_at, tenant_count, root, public_key_id, signature, requested_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${CHECKPOINT_COLUMNS}`,
    [
      id,
      unsigned.createdAt,
      unsigned.tenantCount,
      unsigned.root,
      unsigned.publicKeyId,
      signature,
      unsigned.requestedBy,
    ],
  );
  const checkpoint = stored as AuditCheckpointRecord;
  await emitCheckpointEvent(tx, requestedBy ?? CHECKPOINT_SCHEDULE_ACTOR, checkpoint);
  return checkpoint;
}

export interface CheckpointLeaf {
  tenantId: string;
  sequence: number;
  hash: string;
}

/**
 * Every tenant's leaf as of checkpoint `id` (its latest leaf at or before it), in tenant id order,
 * a batch at a time: the order the Merkle tree is built in, in bounded memory.
 */
export async function* checkpointLeaves(sql: SqlRows, id: string): AsyncGenerator<CheckpointLeaf[]> {
  for (let after = "00000000-0000-0000-0000-000000000000"; ;) {
    const batch = await sql.rows<CheckpointLeaf>(
      `SELECT leaf.tenant_id::text AS "tenantId", leaf.sequence, leaf.hash FROM audit_checkpoint_leaves leaf
       WHERE leaf.checkpoint_id <= $1 AND leaf.tenant_id > $2::uuid
         AND NOT EXISTS (SELECT 1 FROM audit_checkpoint_leaves later
           WHERE later.tenant_id = leaf.tenant_id AND later.checkpoint_id > leaf.checkpoint_id AND later.checkpoint_id <= $1)
       ORDER BY leaf.tenant_id LIMIT $3`,
      [id, after, LEAF_BATCH_SIZE],
    );
    if (batch.length > 0) yield batch;
    if (batch.length < LEAF_BATCH_SIZE) return;
    after = (batch.at(-1) as CheckpointLeaf).tenantId;
  }
}

/** The latest checkpoint, and the tenant's leaf in it (null when the tenant is newer than it). */
export async function latestCheckpointOf(
  sql: SqlRows,
  tenantId: string,
): Promise<{ checkpoint: AuditCheckpointRecord; leaf: CheckpointLeaf | null } | null> {
  const [checkpoint] = await sql.rows<AuditCheckpointRecord>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY id DESC LIMIT 1`,
  );
  if (!checkpoint) return null;
  const [leaf] = await sql.rows<CheckpointLeaf>(
    `SELECT tenant_id::text AS "tenantId", sequence, hash FROM audit_checkpoint_leaves
     WHERE tenant_id = $1 AND checkpoint_id <= $2 ORDER BY checkpoint_id DESC LIMIT 1`,
    [tenantId, checkpoint.id],
  );
  return { checkpoint, leaf: leaf ?? null };
}

/** The first checkpoint (id 1: taken when links began to be keyed) and the tenant's leaf in it. */
export async function firstCheckpointOf(
  sql: SqlRows,
  tenantId: string,
): Promise<{ checkpoint: AuditCheckpointRecord; leaf: CheckpointLeaf | null } | null> {
  const [checkpoint] = await sql.rows<AuditCheckpointRecord>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE id = 1`,
  );
  if (!checkpoint) return null;
  const [leaf] = await sql.rows<CheckpointLeaf>(
    `SELECT tenant_id::text AS "tenantId", sequence, hash FROM audit_checkpoint_leaves
     WHERE tenant_id = $1 AND checkpoint_id = 1`,
    [tenantId],
  );
  return { checkpoint, leaf: leaf ?? null };
}
