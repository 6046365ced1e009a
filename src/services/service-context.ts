import type { AuditEvidenceKeys } from "./audit/audit-keys.ts";
import { AuditReader } from "./audit/audit-store.ts";
import type { Viewer } from "./authorization/viewer.ts";
import type { DestinationPolicy } from "../events/destinations.ts";
import type { RequestSql } from "./database/sql.ts";
import { SessionReader } from "./onboarding/session-store.ts";
import { RunReader } from "./operation-runs/run-store.ts";
import { TenantReader } from "./tenants/tenant-store.ts";

/** The stores' per-request readers: batched and cached for this request only, never shared. */
export interface Readers {
  tenants: TenantReader;
  sessions: SessionReader;
  runs: RunReader;
  audit: AuditReader;
}

export function createReaders(sql: RequestSql): Readers {
  return {
    tenants: new TenantReader(sql),
    sessions: new SessionReader(sql),
    runs: new RunReader(sql),
    audit: new AuditReader(sql),
  };
}

/** What a principal's writes may leave behind (docs/design.md §4). */
export interface WriteQuotas {
  /** Idempotency records one principal may store per IDEMPOTENCY_QUOTA_WINDOW_MS. */
  idempotencyRecordsPerPrincipal: number;
}

/** What every service call receives: the request's database session, its caller, its id and readers. */
export interface ServiceContext {
  /** Every statement of the request goes through it (bounded; a mutation's transaction too). */
  sql: RequestSql;
  viewer: Viewer;
  requestId: string;
  read: Readers;
  quotas: WriteQuotas;
  /** Where webhook endpoints may point (configuration); absent: https to public addresses only. */
  webhookPolicy?: DestinationPolicy;
  /** The keys audit links are keyed with and checkpoints signed with (design §4). */
  auditKeys: AuditEvidenceKeys;
}
