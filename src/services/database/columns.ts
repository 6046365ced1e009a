// Column lists for the hand-written read paths: snake_case columns selected under the Prisma
// models' camelCase names, so raw rows are the same records the rest of the code uses.

export const TENANT_COLUMNS = `id, slug, name, status, status_reason AS "statusReason", status_message AS "statusMessage",
  status_changed_at AS "statusChangedAt", version, created_at AS "createdAt", updated_at AS "updatedAt"`;

export const ONBOARDING_COLUMNS = `id, tenant_id AS "tenantId", status, completed_steps::text[] AS "completedSteps",
  started_at AS "startedAt", updated_at AS "updatedAt", finished_at AS "finishedAt"`;

export const RUN_COLUMNS = `id, tenant_id AS "tenantId", kind, status, progress, summary, failure_reason AS "failureReason",
  initiated_by_type AS "initiatedByType", initiated_by_id AS "initiatedById", version, created_at AS "createdAt",
  updated_at AS "updatedAt", started_at AS "startedAt", finished_at AS "finishedAt"`;

export const AUDIT_COLUMNS = `id, tenant_id AS "tenantId", sequence, action, actor_type AS "actorType", actor_id AS "actorId",
  operator_override AS "operatorOverride", reason, changes, request_id AS "requestId", occurred_at AS "occurredAt",
  hash, previous_hash AS "previousHash"`;
