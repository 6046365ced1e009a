-- Platform events in the outbox (docs/design.md §4 "Audit evidence", §9). A signed checkpoint is
-- a platform-level fact: its record in platform_audit_events is also an event of the feed that
-- webhooks and broker sinks follow, so copies of every checkpoint live outside the database.
--
-- A published record gets a place in the same order as the tenant events: `position` from the
-- tenant events' own sequence (one order across both tables, no ties) and `feed_xid`, its
-- transaction's id, read below the snapshot's xmin like audit_events. Records that are not
-- published (webhook endpoint administration: URLs may carry credentials) keep both null.
ALTER TABLE "platform_audit_events" ADD COLUMN "position" BIGINT, ADD COLUMN "feed_xid" xid8;
CREATE INDEX "platform_audit_events_feed_xid_position_idx" ON "platform_audit_events" ("feed_xid", "position");

-- A checkpoint's id is a number, not a uuid: the subject is any id (an endpoint's uuid as text).
ALTER TABLE "platform_audit_events" ALTER COLUMN "subject_id" TYPE VARCHAR(100) USING "subject_id"::text;

-- A platform event's delivery belongs to no tenant and so to no tenant's FIFO order.
ALTER TABLE "webhook_deliveries" ALTER COLUMN "tenant_id" DROP NOT NULL,
  ALTER COLUMN "tenant_sequence" DROP NOT NULL;
