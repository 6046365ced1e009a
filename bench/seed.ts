// Seeds a migrated database with a realistic fleet for the benchmark: tenants in every status
// (most ACTIVE, so transitions have room), their onboarding sessions, operation runs and audit
// trails whose hash chains verify exactly as the service's own `auditChain` recomputes them.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { auditEventHash } from "../src/services/audit/audit-hash.ts";
import type { JsonValue } from "../src/services/canonical-json.ts";

export interface SeededFleet {
  tenantIds: string[];
  /** ACTIVE tenants: the SUSPEND/REACTIVATE scenario walks them. */
  activeTenantIds: string[];
  runIds: string[];
  auditEvents: number;
}

type Status = "DRAFT" | "ONBOARDING" | "ACTIVE" | "SUSPENDED";

interface LifecycleStep {
  action: string;
  from: Status | null;
  to: Status;
  reason: string | null;
}

/** The audit trail each status implies, from creation on (docs/design.md §2). */
const TRAILS: Record<Status, LifecycleStep[]> = {
  DRAFT: [{ action: "tenant.created", from: null, to: "DRAFT", reason: null }],
  ONBOARDING: [
    { action: "tenant.created", from: null, to: "DRAFT", reason: null },
    { action: "tenant.lifecycle.start_onboarding", from: "DRAFT", to: "ONBOARDING", reason: null },
  ],
  ACTIVE: [
    { action: "tenant.created", from: null, to: "DRAFT", reason: null },
    { action: "tenant.lifecycle.start_onboarding", from: "DRAFT", to: "ONBOARDING", reason: null },
    { action: "tenant.lifecycle.activate", from: "ONBOARDING", to: "ACTIVE", reason: null },
  ],
  SUSPENDED: [
    { action: "tenant.created", from: null, to: "DRAFT", reason: null },
    { action: "tenant.lifecycle.start_onboarding", from: "DRAFT", to: "ONBOARDING", reason: null },
    { action: "tenant.lifecycle.activate", from: "ONBOARDING", to: "ACTIVE", reason: null },
    { action: "tenant.lifecycle.suspend", from: "ACTIVE", to: "SUSPENDED", reason: "invoice overdue (seeded)" },
  ],
};

/** A suspension and its reactivation: what a long history is made of. */
const PAIR: LifecycleStep[] = [
  { action: "tenant.lifecycle.suspend", from: "ACTIVE", to: "SUSPENDED", reason: "invoice overdue (seeded)" },
  { action: "tenant.lifecycle.reactivate", from: "SUSPENDED", to: "ACTIVE", reason: null },
];

function statusFor(index: number): Status {
  const bucket = index % 20;
  if (bucket === 0) return "DRAFT";
  if (bucket === 1) return "ONBOARDING";
  if (bucket === 2) return "SUSPENDED";
  return "ACTIVE";
}

/** Column-wise rows, inserted with one `INSERT … SELECT FROM unnest(…)` per batch. */
class ColumnBatch {
  readonly columns: unknown[][];
  constructor(
    private readonly sql: string,
    width: number,
  ) {
    this.columns = Array.from({ length: width }, () => []);
  }
  push(...values: unknown[]) {
    values.forEach((value, index) => (this.columns[index] as unknown[]).push(value));
  }
  get size() {
    return (this.columns[0] as unknown[]).length;
  }
  async flush(client: pg.ClientBase) {
    if (this.size === 0) return;
    await client.query(this.sql, this.columns);
    for (const column of this.columns) column.length = 0;
  }
}

export interface SeedOptions {
  tenants: number;
  /**
   * The first this-many ACTIVE tenants get long histories: `historyPairs` SUSPEND/REACTIVATE
   * pairs in their (valid) audit chains, and `extraRuns` more runs — full pages for nested lists.
   */
  longHistories?: { tenants: number; historyPairs: number; extraRuns: number };
}

/** The ACTIVE tenants with long histories, as seeded. */
export function longHistoryTenants(fleet: SeededFleet, options: SeedOptions): string[] {
  return fleet.activeTenantIds.slice(0, options.longHistories?.tenants ?? 0);
}

export async function seedFleet(databaseUrl: string, options: SeedOptions): Promise<SeededFleet> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const fleet: SeededFleet = { tenantIds: [], activeTenantIds: [], runIds: [], auditEvents: 0 };
  const tenants = new ColumnBatch(
    `INSERT INTO tenants (id, slug, name, status, status_reason, status_changed_at, version, created_at, updated_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::tenant_status[], $5::text[], $6::timestamptz[],
       $7::int[], $8::timestamptz[], $9::timestamptz[])`,
    9,
  );
  const sessions = new ColumnBatch(
    `INSERT INTO onboarding_sessions (id, tenant_id, status, completed_steps, started_at, updated_at, finished_at)
     SELECT id, tenant_id, status, string_to_array(steps, ',')::onboarding_step[], started_at, started_at, finished_at
     FROM unnest($1::uuid[], $2::uuid[], $3::onboarding_status[], $4::text[], $5::timestamptz[], $6::timestamptz[])
       AS s(id, tenant_id, status, steps, started_at, finished_at)`,
    6,
  );
  const runs = new ColumnBatch(
    `INSERT INTO operation_runs (id, tenant_id, kind, status, progress, summary, initiated_by_type, initiated_by_id,
       created_at, updated_at, started_at, finished_at)
     SELECT id, tenant_id, kind, status, progress, summary, 'OPERATOR', 'bench-seed', created_at, created_at,
       started_at, finished_at
     FROM unnest($1::uuid[], $2::uuid[], $3::operation_kind[], $4::operation_run_status[], $5::float8[], $6::text[],
       $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
       AS r(id, tenant_id, kind, status, progress, summary, created_at, started_at, finished_at)`,
    9,
  );
  const events = new ColumnBatch(
    `INSERT INTO audit_events (id, tenant_id, sequence, action, actor_type, actor_id, operator_override, reason,
       changes, request_id, occurred_at, hash, previous_hash)
     SELECT id, tenant_id, sequence, action, 'OPERATOR', 'bench-seed', false, reason, changes, NULL, occurred_at,
       hash, previous_hash
     FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[],
       $8::text[], $9::text[])
       AS e(id, tenant_id, sequence, action, reason, changes, occurred_at, hash, previous_hash)`,
    9,
  );
  const flushAll = async () => {
    await tenants.flush(client);
    await sessions.flush(client);
    await runs.flush(client);
    await events.flush(client);
  };

  const epoch = Date.UTC(2026, 0, 1);
  try {
    await client.query("BEGIN");
    for (let index = 0; index < options.tenants; index += 1) {
      const id = randomUUID();
      const status = statusFor(index);
      const createdAt = new Date(epoch + index * 60_000);
      const slug = `bench-${String(index).padStart(5, "0")}`;
      const long = status === "ACTIVE" && fleet.activeTenantIds.length < (options.longHistories?.tenants ?? 0);
      const trail = long
        ? [...TRAILS.ACTIVE, ...Array.from({ length: options.longHistories?.historyPairs ?? 0 }, () => PAIR).flat()]
        : TRAILS[status];
      const changedAt = new Date(createdAt.getTime() + (trail.length - 1) * 1000);
      const reason = trail[trail.length - 1]?.reason ?? null;
      tenants.push(id, slug, `Bench tenant ${index}`, status, reason, changedAt, trail.length, createdAt, changedAt);
      fleet.tenantIds.push(id);
      if (status === "ACTIVE") fleet.activeTenantIds.push(id);

      let previousHash: string | null = null;
      trail.forEach((step, position) => {
        const occurredAt = new Date(createdAt.getTime() + position * 1000);
        const changes: JsonValue =
          step.from === null
            ? {
                slug: { from: null, to: slug },
                name: { from: null, to: `Bench tenant ${index}` },
                status: { from: null, to: step.to },
              }
            : { status: { from: step.from, to: step.to } };
        const sequence = position + 1;
        const hash = auditEventHash(previousHash, {
          tenantId: id,
          sequence,
          action: step.action,
          actorType: "OPERATOR",
          actorId: "bench-seed",
          operatorOverride: false,
          reason: step.reason,
          changes,
          requestId: null,
          occurredAt,
        });
        events.push(
          randomUUID(),
          id,
          sequence,
          step.action,
          step.reason,
          JSON.stringify(changes),
          occurredAt,
          hash,
          previousHash,
        );
        previousHash = hash;
        fleet.auditEvents += 1;
      });

      if (status !== "DRAFT") {
        const onboarded = status !== "ONBOARDING";
        const startedAt = new Date(createdAt.getTime() + 1000);
        const finishedAt = onboarded ? new Date(createdAt.getTime() + 2000) : null;
        sessions.push(
          randomUUID(),
          id,
          onboarded ? "COMPLETED" : "IN_PROGRESS",
          onboarded ? "PROFILE,BILLING,DOMAIN" : "PROFILE",
          startedAt,
          finishedAt,
        );
        const onboardingRun = randomUUID();
        runs.push(
          onboardingRun,
          id,
          "ONBOARDING",
          onboarded ? "SUCCEEDED" : "RUNNING",
          onboarded ? 1 : 0.33,
          "Onboarding",
          startedAt,
          startedAt,
          finishedAt,
        );
        fleet.runIds.push(onboardingRun);
        // A few routine runs per live tenant, so run pages have something to page through.
        const extraRuns = long ? (options.longHistories?.extraRuns ?? 0) : 1 + (index % 4);
        for (let extra = 0; onboarded && extra < extraRuns; extra += 1) {
          const runId = randomUUID();
          const runAt = new Date(createdAt.getTime() + (10 + extra) * 1000);
          runs.push(
            runId,
            id,
            extra % 2 ? "MAINTENANCE" : "DATA_EXPORT",
            "SUCCEEDED",
            1,
            `Routine run ${extra + 1}`,
            runAt,
            runAt,
            runAt,
          );
          fleet.runIds.push(runId);
        }
      }
      if (tenants.size >= 2000) await flushAll();
    }
    await flushAll();
    await client.query("COMMIT");
    await client.query("ANALYZE");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return fleet;
}
