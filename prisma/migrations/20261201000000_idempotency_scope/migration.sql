-- Idempotency records are scoped to the caller's tenant scope as well as its subject
-- (docs/design.md §4): a tenant user and a platform caller that share a `sub` never reach each
-- other's records. The scope is the tenant id of a tenant-scoped token, '' for a platform-wide
-- one. Records written before (at most 48 h old) keep the platform scope.
ALTER TABLE "idempotency_records" ADD COLUMN "principal_scope" VARCHAR(36) NOT NULL DEFAULT '';

ALTER TABLE "idempotency_records" DROP CONSTRAINT "idempotency_records_pkey";

ALTER TABLE "idempotency_records"
  ADD CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("principal_sub", "principal_scope", "mutation", "key");
