-- The audit trail is the outbox (docs/design.md §9): every change already writes one audit event in
-- its own transaction, so the tenant event feed and webhooks read these rows instead of a copy.
--
-- A feed that follows `position > cursor` with positions from a sequence skips late commits: a
-- transaction may take position 7, another 8 and commit first, and a reader that saw 8 never
-- returns to 7. So each event also records `feed_xid`: its transaction's id (xid8), raised to the
-- previous event of the same tenant's (so a tenant's events keep their sequence order in the
-- feed). The feed orders by (feed_xid, position) and reads only rows whose feed_xid is below the
-- reading snapshot's xmin: every transaction still able to add a row has an id at or above that
-- xmin, so the part of the feed a reader has passed never changes. No lock is taken by writers.

CREATE SEQUENCE "audit_events_position_seq" AS BIGINT;
ALTER TABLE "audit_events" ADD COLUMN "position" BIGINT;
ALTER TABLE "audit_events" ADD COLUMN "feed_xid" xid8;

-- Events written before: one transaction id (3, the first normal one: below every real one) and
-- positions in time order, taken per tenant as the latest time so far in its chain, so that a
-- clock that stepped back never puts a tenant's event before its predecessor.
ALTER TABLE "audit_events" DISABLE TRIGGER "audit_events_append_only";
UPDATE "audit_events" AS e SET "position" = o."position", "feed_xid" = '3'::xid8
FROM (
  SELECT "id", row_number() OVER (ORDER BY "chain_time", "tenant_id", "sequence") AS "position"
  FROM (
    SELECT "id", "tenant_id", "sequence",
           max("occurred_at") OVER (PARTITION BY "tenant_id" ORDER BY "sequence") AS "chain_time"
    FROM "audit_events"
  ) AS chained
) AS o
WHERE o."id" = e."id";
ALTER TABLE "audit_events" ENABLE TRIGGER "audit_events_append_only";

SELECT setval('"audit_events_position_seq"', COALESCE(max("position"), 0) + 1, false) FROM "audit_events";
ALTER TABLE "audit_events" ALTER COLUMN "position" SET DEFAULT nextval('"audit_events_position_seq"'),
  ALTER COLUMN "position" SET NOT NULL;
ALTER SEQUENCE "audit_events_position_seq" OWNED BY "audit_events"."position";
ALTER TABLE "audit_events" ALTER COLUMN "feed_xid" SET DEFAULT pg_current_xact_id(),
  ALTER COLUMN "feed_xid" SET NOT NULL;

-- The feed's walk, and one walk per event type (merged) under a type filter.
CREATE INDEX "audit_events_feed_xid_position_idx" ON "audit_events" ("feed_xid", "position");
CREATE INDEX "audit_events_action_feed_xid_position_idx" ON "audit_events" ("action", "feed_xid", "position");
