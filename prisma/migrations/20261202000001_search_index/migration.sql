-- One trigram index over slug and name together instead of one each: a search is then one GIN
-- scan and one recheck, not two scans OR-ed (a multi-word term at 1 000 000 tenants: 30 → 13 ms).
-- U+001F joins them: search terms may not contain control characters, so no match can span the
-- two. Prisma's schema cannot express an expression index; test/integration/migrations.test.ts
-- checks this one by its definition.
DROP INDEX "tenants_slug_trgm_idx";
DROP INDEX "tenants_name_trgm_idx";
CREATE INDEX "tenants_search_trgm_idx" ON "tenants" USING GIN (("slug" || E'\x1f' || "name") gin_trgm_ops);
-- A finer histogram for the expression: the planner tells a rare term (the index) from a common
-- one (walking the newest tenants) by it.
ALTER INDEX "tenants_search_trgm_idx" ALTER COLUMN 1 SET STATISTICS 1000;
