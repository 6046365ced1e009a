-- CreateEnum
CREATE TYPE "tenant_status" AS ENUM ('DRAFT', 'ONBOARDING', 'ACTIVE', 'SUSPENDED', 'DEPROVISIONING', 'DEPROVISIONED', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "onboarding_status" AS ENUM ('IN_PROGRESS', 'COMPLETED', 'ABANDONED');

-- CreateEnum
CREATE TYPE "onboarding_step" AS ENUM ('PROFILE', 'BILLING', 'DOMAIN');

-- CreateEnum
CREATE TYPE "operation_kind" AS ENUM ('ONBOARDING', 'DEPROVISION', 'DATA_EXPORT', 'MAINTENANCE');

-- CreateEnum
CREATE TYPE "operation_run_status" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "actor_type" AS ENUM ('OPERATOR', 'SUPPORT', 'TENANT_USER', 'SERVICE_ACCOUNT', 'SYSTEM');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL,
    "slug" VARCHAR(63) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "status" "tenant_status" NOT NULL DEFAULT 'DRAFT',
    "status_reason" VARCHAR(1000),
    "status_message" VARCHAR(500),
    "status_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "tenants_version_positive" CHECK ("version" >= 1)
);

-- CreateTable
CREATE TABLE "onboarding_sessions" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "status" "onboarding_status" NOT NULL DEFAULT 'IN_PROGRESS',
    "completed_steps" "onboarding_step"[] NOT NULL DEFAULT ARRAY[]::"onboarding_step"[],
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "onboarding_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operation_runs" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "kind" "operation_kind" NOT NULL,
    "status" "operation_run_status" NOT NULL DEFAULT 'QUEUED',
    "progress" DOUBLE PRECISION,
    "summary" VARCHAR(2000),
    "failure_reason" VARCHAR(2000),
    "initiated_by_type" "actor_type" NOT NULL,
    "initiated_by_id" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "operation_runs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "operation_runs_version_positive" CHECK ("version" >= 1),
    CONSTRAINT "operation_runs_progress_range" CHECK ("progress" IS NULL OR ("progress" >= 0 AND "progress" <= 1))
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "action" VARCHAR(100) NOT NULL,
    "actor_type" "actor_type" NOT NULL,
    "actor_id" VARCHAR(255) NOT NULL,
    "operator_override" BOOLEAN NOT NULL DEFAULT false,
    "reason" VARCHAR(1000),
    "changes" JSONB NOT NULL,
    "request_id" VARCHAR(200),
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "hash" CHAR(64) NOT NULL,
    "previous_hash" CHAR(64),

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_events_sequence_positive" CHECK ("sequence" >= 1)
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "principal_sub" VARCHAR(255) NOT NULL,
    "mutation" VARCHAR(100) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "payload" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("principal_sub","mutation","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE INDEX "tenants_status_created_at_id_idx" ON "tenants"("status", "created_at", "id");

-- CreateIndex
CREATE INDEX "tenants_created_at_id_idx" ON "tenants"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "onboarding_sessions_tenant_id_key" ON "onboarding_sessions"("tenant_id");

-- CreateIndex
CREATE INDEX "operation_runs_tenant_id_created_at_id_idx" ON "operation_runs"("tenant_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "operation_runs_tenant_id_kind_status_idx" ON "operation_runs"("tenant_id", "kind", "status");

-- CreateIndex
CREATE INDEX "operation_runs_status_created_at_id_idx" ON "operation_runs"("status", "created_at", "id");

-- CreateIndex
CREATE INDEX "operation_runs_created_at_id_idx" ON "operation_runs"("created_at", "id");

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_action_idx" ON "audit_events"("tenant_id", "action");

-- CreateIndex
CREATE INDEX "audit_events_occurred_at_id_idx" ON "audit_events"("occurred_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_tenant_id_sequence_key" ON "audit_events"("tenant_id", "sequence");

-- CreateIndex
CREATE INDEX "idempotency_records_expires_at_idx" ON "idempotency_records"("expires_at");

-- AddForeignKey
ALTER TABLE "onboarding_sessions" ADD CONSTRAINT "onboarding_sessions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "operation_runs" ADD CONSTRAINT "operation_runs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- Audit events are append-only: the database itself refuses to change or remove them.
CREATE FUNCTION "audit_events_reject_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'P0001';
END
$$;

CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_reject_change"();

CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_reject_change"();
