-- The per-delivery attempt log (docs/design.md §9): each recorded attempt's time, HTTP status,
-- duration and error, at most the last 20 of a delivery (the schedule's 10, and a replay's).
CREATE TABLE "webhook_attempts" (
    "id" UUID NOT NULL,
    "delivery_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "http_status" INTEGER,
    "duration_ms" INTEGER NOT NULL,
    "error" VARCHAR(500),
    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_attempts_delivery_id_at_id_idx" ON "webhook_attempts" ("delivery_id", "at", "id");
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id")
  REFERENCES "webhook_deliveries" ("id") ON DELETE CASCADE ON UPDATE RESTRICT;
