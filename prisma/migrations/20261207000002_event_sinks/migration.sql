-- Message-broker sinks (docs/design.md §9): each sink's place in the event feed, kept in the
-- database so a restart resumes where the last acknowledged publish left off. One process
-- publishes for a sink at a time: it holds the row's lease.
CREATE TABLE "event_sink_cursors" (
    "name" VARCHAR(100) NOT NULL,
    "feed_xid" xid8 NOT NULL,
    "position" BIGINT NOT NULL,
    "lease_token" UUID,
    "lease_until" TIMESTAMPTZ(3),
    "published" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "event_sink_cursors_pkey" PRIMARY KEY ("name")
);
