-- The platform audit trail (docs/design.md §9): changes that belong to no tenant (webhook
-- endpoints), one record per change written in the change's transaction. Append-only like
-- audit_events; not hash-chained (the design says why).
CREATE TABLE "platform_audit_events" (
    "id" UUID NOT NULL,
    "action" VARCHAR(100) NOT NULL,
    "subject_id" UUID NOT NULL,
    "actor_type" "actor_type" NOT NULL,
    "actor_id" VARCHAR(255) NOT NULL,
    "changes" JSONB NOT NULL,
    "request_id" VARCHAR(200),
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "platform_audit_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "platform_audit_events_occurred_at_id_idx" ON "platform_audit_events" ("occurred_at", "id");
CREATE INDEX "platform_audit_events_subject_id_occurred_at_id_idx"
  ON "platform_audit_events" ("subject_id", "occurred_at", "id");

CREATE FUNCTION "platform_audit_events_reject_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'platform_audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'P0001';
END
$$;
CREATE TRIGGER "platform_audit_events_append_only" BEFORE UPDATE OR DELETE ON "platform_audit_events"
  FOR EACH ROW EXECUTE FUNCTION "platform_audit_events_reject_change"();
CREATE TRIGGER "platform_audit_events_no_truncate" BEFORE TRUNCATE ON "platform_audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "platform_audit_events_reject_change"();
