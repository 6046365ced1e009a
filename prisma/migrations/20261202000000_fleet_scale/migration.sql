-- Fleet scale (docs/design.md §7): every list page and search is answered from an index that
-- matches its order and filters, and the dashboard's status-based totals are read from counters
-- instead of counted.

-- Search: trigram indexes answer `ILIKE '%term%'` on slug and name for terms of 3 characters and
-- more; shorter terms are a prefix match on the slug (text_pattern_ops serves LIKE 'ab%' whatever
-- the database's collation). pg_trgm is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "tenants_slug_trgm_idx" ON "tenants" USING GIN ("slug" gin_trgm_ops);
CREATE INDEX "tenants_name_trgm_idx" ON "tenants" USING GIN ("name" gin_trgm_ops);
CREATE INDEX "tenants_slug_prefix_idx" ON "tenants" ("slug" text_pattern_ops);

-- Per-status tenant counts, kept by a trigger in the same transaction as every insert, status
-- change and delete of a tenant, so they cannot drift from the rows whatever writes them. Each
-- status is spread over 32 shards (by tenant id) so that concurrent transitions of different
-- tenants seldom wait for the same counter row; a total is the sum of at most 32 × 8 rows.
CREATE TABLE "tenant_status_counts" (
    "status" "tenant_status" NOT NULL,
    "shard" SMALLINT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "tenant_status_counts_pkey" PRIMARY KEY ("status", "shard")
);

INSERT INTO "tenant_status_counts" ("status", "shard", "count")
SELECT "status", hashtext("id"::text) & 31, count(*) FROM "tenants" GROUP BY 1, 2;

-- Deltas are applied in (status, shard) order: two transactions always lock counter rows in the
-- same order, so they may wait for each other but never deadlock.
CREATE FUNCTION "tenant_status_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "tenant_status_counts" ("status", "shard", "count")
    SELECT "status", hashtext("id"::text) & 31, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT ("status", "shard") DO UPDATE SET "count" = "tenant_status_counts"."count" + EXCLUDED."count";
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "tenant_status_counts" ("status", "shard", "count")
    SELECT "status", hashtext("id"::text) & 31, -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT ("status", "shard") DO UPDATE SET "count" = "tenant_status_counts"."count" + EXCLUDED."count";
  ELSE
    INSERT INTO "tenant_status_counts" ("status", "shard", "count")
    SELECT "status", "shard", sum("delta") FROM (
      SELECT n."status", hashtext(n."id"::text) & 31 AS "shard", 1 AS "delta"
      FROM new_rows n JOIN old_rows o ON o."id" = n."id" WHERE o."status" IS DISTINCT FROM n."status"
      UNION ALL
      SELECT o."status", hashtext(o."id"::text) & 31, -1
      FROM new_rows n JOIN old_rows o ON o."id" = n."id" WHERE o."status" IS DISTINCT FROM n."status"
    ) "moves" GROUP BY 1, 2 HAVING sum("delta") <> 0 ORDER BY 1, 2
    ON CONFLICT ("status", "shard") DO UPDATE SET "count" = "tenant_status_counts"."count" + EXCLUDED."count";
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "tenant_status_counts_on_insert" AFTER INSERT ON "tenants"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "tenant_status_counts_apply"();
CREATE TRIGGER "tenant_status_counts_on_update" AFTER UPDATE ON "tenants"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "tenant_status_counts_apply"();
CREATE TRIGGER "tenant_status_counts_on_delete" AFTER DELETE ON "tenants"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "tenant_status_counts_apply"();

-- Audit: a tenant's events under an action prefix walk (tenant, action, sequence) — one range
-- per catalogued action, merged; the feed under a prefix walks (action, occurred_at, id).
DROP INDEX "audit_events_tenant_id_action_idx";
CREATE INDEX "audit_events_tenant_id_action_sequence_idx" ON "audit_events" ("tenant_id", "action", "sequence");
CREATE INDEX "audit_events_action_occurred_at_id_idx" ON "audit_events" ("action", "occurred_at", "id");

-- Runs across tenants by status and/or kind (the operator's failed-runs view): one range per
-- (status, kind) pair, merged.
DROP INDEX "operation_runs_status_created_at_id_idx";
CREATE INDEX "operation_runs_status_kind_created_at_id_idx" ON "operation_runs" ("status", "kind", "created_at", "id");
