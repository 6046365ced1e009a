-- The search index without GIN's pending list. Every transition updates its tenant's row (the
-- status is indexed, so the update is not HOT) and with it adds the row's entries to this index;
-- with fastupdate those entries wait in a pending list that every search scans linearly until
-- a vacuum merges it. After ~9 000 transitions on a 10 000-tenant fleet, searches fell from
-- 1 006 to 226 req/s (npm run bench, scenarios d then e). Without the list each update pays its
-- index entries at once, and a search stays one index scan.
ALTER INDEX "tenants_search_trgm_idx" SET (fastupdate = off);
-- Turning the list off does not empty it: merge what it holds now.
SELECT gin_clean_pending_list('tenants_search_trgm_idx');
