-- docs/design.md §4 "Audit evidence": what makes the audit trail evidence against whoever holds
-- the database.

-- Each link's keyed MAC (HMAC-SHA256 of its hash, under a key the database does not hold) and
-- the id of that key. Links written before this migration have neither: they are checked by
-- their plain sha256 chain and are covered by the first signed checkpoint (design §4).
ALTER TABLE "audit_events" ADD COLUMN "mac" CHAR(64), ADD COLUMN "mac_key_id" VARCHAR(64);

-- The append-only triggers fire in every session, `session_replication_role = replica` included:
-- only an explicit ALTER TABLE … DISABLE TRIGGER (DDL, logged as such) switches them off.
ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER "audit_events_append_only";
ALTER TABLE "audit_events" ENABLE ALWAYS TRIGGER "audit_events_no_truncate";

-- Each tenant's latest sequence and hash, written in the transaction of every append: a chain
-- whose tail (or whole self) is deleted no longer matches its head.
CREATE TABLE "audit_chain_heads" (
  "tenant_id" UUID NOT NULL,
  "sequence" INTEGER NOT NULL,
  "hash" CHAR(64) NOT NULL,
  CONSTRAINT "audit_chain_heads_pkey" PRIMARY KEY ("tenant_id")
);
ALTER TABLE "audit_chain_heads" ADD CONSTRAINT "audit_chain_heads_tenant_id_fkey"
  FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

INSERT INTO "audit_chain_heads" ("tenant_id", "sequence", "hash")
SELECT DISTINCT ON ("tenant_id") "tenant_id", "sequence", "hash"
FROM "audit_events"
ORDER BY "tenant_id", "sequence" DESC;

-- Signed checkpoints: a Merkle root over every tenant's head (tenant id, sequence, hash), signed
-- with Ed25519. The leaves are stored incrementally: a tenant's leaf in checkpoint N is its
-- latest row with checkpoint_id <= N (a row only when its head moved).
CREATE TABLE "audit_checkpoints" (
  "id" BIGINT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL,
  "tenant_count" INTEGER NOT NULL,
  "root" CHAR(64) NOT NULL,
  "public_key_id" VARCHAR(64) NOT NULL,
  "signature" TEXT NOT NULL,
  "requested_by" VARCHAR(255),
  CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "audit_checkpoint_leaves" (
  "tenant_id" UUID NOT NULL,
  "checkpoint_id" BIGINT NOT NULL,
  "sequence" INTEGER NOT NULL,
  "hash" CHAR(64) NOT NULL,
  CONSTRAINT "audit_checkpoint_leaves_pkey" PRIMARY KEY ("tenant_id", "checkpoint_id")
);
CREATE INDEX "audit_checkpoint_leaves_checkpoint_id_idx" ON "audit_checkpoint_leaves"("checkpoint_id");
ALTER TABLE "audit_checkpoint_leaves" ADD CONSTRAINT "audit_checkpoint_leaves_checkpoint_id_fkey"
  FOREIGN KEY ("checkpoint_id") REFERENCES "audit_checkpoints"("id") ON DELETE RESTRICT ON UPDATE RESTRICT
  DEFERRABLE INITIALLY DEFERRED;

-- Checkpoints and their leaves are append-only too, in every session.
CREATE TRIGGER "audit_checkpoints_append_only" BEFORE UPDATE OR DELETE ON "audit_checkpoints"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_reject_change"();
CREATE TRIGGER "audit_checkpoint_leaves_append_only" BEFORE UPDATE OR DELETE ON "audit_checkpoint_leaves"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_reject_change"();
ALTER TABLE "audit_checkpoints" ENABLE ALWAYS TRIGGER "audit_checkpoints_append_only";
ALTER TABLE "audit_checkpoint_leaves" ENABLE ALWAYS TRIGGER "audit_checkpoint_leaves_append_only";
