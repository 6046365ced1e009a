-- Webhooks (docs/design.md §9): endpoints, their signing secrets, one delivery per (endpoint,
-- event), and the fan-out's place in the event feed.
CREATE TYPE "webhook_delivery_status" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED');

CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL,
    "url" VARCHAR(2000) NOT NULL,
    "description" VARCHAR(500),
    "event_types" VARCHAR(100)[] NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabled_reason" VARCHAR(500),
    "failing_since" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_endpoints_created_at_id_idx" ON "webhook_endpoints" ("created_at", "id");

CREATE TABLE "webhook_secrets" (
    "id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "secret" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),
    CONSTRAINT "webhook_secrets_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_secrets_endpoint_id_idx" ON "webhook_secrets" ("endpoint_id");
ALTER TABLE "webhook_secrets" ADD CONSTRAINT "webhook_secrets_endpoint_id_fkey" FOREIGN KEY ("endpoint_id")
  REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE ON UPDATE RESTRICT;

CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "tenant_sequence" INTEGER NOT NULL,
    "status" "webhook_delivery_status" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "lease_token" UUID,
    "lease_until" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_http_status" INTEGER,
    "last_duration_ms" INTEGER,
    "last_error" VARCHAR(500),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "webhook_deliveries_endpoint_id_event_id_key" ON "webhook_deliveries" ("endpoint_id", "event_id");
CREATE INDEX "webhook_deliveries_endpoint_id_tenant_id_tenant_sequence_idx"
  ON "webhook_deliveries" ("endpoint_id", "tenant_id", "tenant_sequence");
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries" ("status", "next_attempt_at");
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_id_idx" ON "webhook_deliveries" ("endpoint_id", "created_at", "id");
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id")
  REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- The fan-out starts at the feed's end now: endpoints receive events recorded after they exist.
CREATE TABLE "webhook_dispatch_cursor" (
    "id" INTEGER NOT NULL,
    "feed_xid" xid8 NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhook_dispatch_cursor_pkey" PRIMARY KEY ("id")
);
INSERT INTO "webhook_dispatch_cursor" ("id", "feed_xid", "position")
SELECT 1, COALESCE(last."feed_xid", '0'::xid8), COALESCE(last."position", 0)
FROM (SELECT 1) AS one
LEFT JOIN (SELECT "feed_xid", "position" FROM "audit_events" ORDER BY "feed_xid" DESC, "position" DESC LIMIT 1) AS last ON true;
