// The floor for the benchmark: `node:http` + `pg`, hand-written SQL and JSON, answering the same
// four scenarios as the subgraph with the same token verification, the same domain rules (badge
// catalog, operability, transition table) and, for writes, the service's own SQL stores —
// everything except GraphQL, Apollo, Pothos and Prisma.
// Env: DATABASE_URL, AUTH_JWT_SECRET, PORT (0 = any; the chosen URL is printed as JSON). The token
// check, listening and shutdown are every peer's (`peer-server.ts`).
import {
  developmentAuditKeys,
  keyringOf,
  parseMacKeys,
  type AuditEvidenceKeys,
} from "../src/services/audit/audit-keys.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { appendAuditEvent, change } from "../src/services/audit/audit-store.ts";
import type { Principal } from "../src/domain/principal.ts";
import { createViewer } from "../src/services/authorization/viewer.ts";
import { inTransaction } from "../src/services/database/sql.ts";
import { TENANT_STATUS_BADGES, OPERATION_RUN_STATUS_BADGES } from "../src/domain/badge-catalog.ts";
import { judgeTransitions } from "../src/services/lifecycle/lifecycle-service.ts";
import { deriveOperability } from "../src/domain/operability.ts";
import { lifecycleAuditAction } from "../src/domain/audit-actions.ts";
import { TRANSITION_TABLE, transitionsLeaving } from "../src/domain/transition-table.ts";
import { servePeer } from "./peer-server.ts";
import { lockTenant, setTenantStatus } from "../src/services/tenants/tenant-store.ts";
import type {
  LifecycleTransition,
  OnboardingStatus,
  OnboardingStep,
  OperationRunStatus,
  TenantStatus,
} from "../src/domain/vocabulary.ts";

/** The links are keyed as the subgraph keys them: with AUDIT_HMAC_KEYS when given (the benchmark gives the same to both). */
const AUDIT_KEYS: AuditEvidenceKeys = process.env["AUDIT_HMAC_KEYS"]
  ? { ...developmentAuditKeys(), keyring: keyringOf(parseMacKeys(process.env["AUDIT_HMAC_KEYS"]), null) }
  : developmentAuditKeys();

const pool = new pg.Pool({ connectionString: process.env["DATABASE_URL"], max: 10 });

interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  status_reason: string | null;
  status_message: string | null;
  status_changed_at: Date;
  version: number;
  onboarding_status: OnboardingStatus | null;
  completed_steps: OnboardingStep[] | null;
  deprovision_status: OperationRunStatus | null;
}

const TENANT_SELECT = `SELECT t.id, t.slug, t.name, t.status, t.status_reason, t.status_message, t.status_changed_at,
  t.version, o.status AS onboarding_status, o.completed_steps::text[] AS completed_steps,
  (SELECT r.status FROM operation_runs r WHERE r.tenant_id = t.id AND r.kind = 'DEPROVISION'
    ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS deprovision_status
  FROM tenants t LEFT JOIN onboarding_sessions o ON o.tenant_id = t.id`;

/** The operator's view of a tenant's lifecycle: the same derived fields the subgraph returns. */
function lifecycle(row: TenantRow) {
  return {
    status: row.status,
    statusReason: row.status_reason,
    statusMessage: row.status_message,
    changedAt: row.status_changed_at.toISOString(),
    version: row.version,
    badge: TENANT_STATUS_BADGES[row.status],
    operability: deriveOperability(row.status, row.onboarding_status),
    availableTransitions: judgeTransitions(transitionsLeaving(row.status), true, {
      completedOnboardingSteps: row.completed_steps ?? [],
      latestDeprovisionRunStatus: row.deprovision_status,
    }),
  };
}

const tenantJson = (row: TenantRow) => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  status: row.status,
  lifecycle: lifecycle(row),
});

async function tenantById(body: { id: string }) {
  const { rows } = await pool.query<TenantRow>({
    name: "tenant-by-id",
    text: `${TENANT_SELECT} WHERE t.id = $1`,
    values: [body.id],
  });
  return { tenant: rows[0] ? tenantJson(rows[0]) : null };
}

interface RunRow {
  id: string;
  tenant_id: string;
  kind: string;
  status: OperationRunStatus;
  progress: number | null;
  total: string;
}

async function dashboardPage(body: { first: number }) {
  const [count, page] = await Promise.all([
    // The total as the service reads it: from the per-status counters, at constant cost.
    pool.query<{ count: string }>({
      name: "tenant-count",
      text: "SELECT coalesce(sum(count), 0) AS count FROM tenant_status_counts",
    }),
    pool.query<TenantRow>({
      name: "tenant-page",
      text: `${TENANT_SELECT} ORDER BY t.created_at DESC, t.id DESC LIMIT $1`,
      values: [body.first + 1],
    }),
  ]);
  const tenants = page.rows.slice(0, body.first);
  const { rows: runs } = await pool.query<RunRow>({
    name: "tenant-page-runs",
    text: `SELECT r.id, r.tenant_id, r.kind, r.status, r.progress, r.total FROM (
        SELECT id, tenant_id, kind, status, progress, count(*) OVER (PARTITION BY tenant_id) AS total,
          row_number() OVER (PARTITION BY tenant_id ORDER BY created_at DESC, id DESC) AS position
        FROM operation_runs WHERE tenant_id = ANY($1::uuid[])) r
      WHERE r.position <= 5 ORDER BY r.tenant_id, r.position`,
    values: [tenants.map((tenant) => tenant.id)],
  });
  const runsByTenant = new Map<string, RunRow[]>();
  for (const run of runs) runsByTenant.set(run.tenant_id, [...(runsByTenant.get(run.tenant_id) ?? []), run]);
  return {
    tenants: {
      totalCount: Number(count.rows[0]?.count ?? 0),
      pageInfo: { hasNextPage: page.rows.length > body.first },
      edges: tenants.map((row) => {
        const tenantRuns = runsByTenant.get(row.id) ?? [];
        return {
          cursor: Buffer.from(`${row.id}`).toString("base64url"),
          node: {
            ...tenantJson(row),
            onboarding: row.onboarding_status
              ? { status: row.onboarding_status, completedSteps: row.completed_steps }
              : null,
            operationRuns: {
              totalCount: Number(tenantRuns[0]?.total ?? 0),
              edges: tenantRuns.map((run) => ({
                node: {
                  id: run.id,
                  kind: run.kind,
                  status: run.status,
                  badge: OPERATION_RUN_STATUS_BADGES[run.status],
                  progress: run.progress,
                },
              })),
            },
          },
        };
      }),
    },
  };
}

async function entities(body: { representations: { __typename: string; id: string }[] }) {
  const ids = body.representations.map((representation) => representation.id);
  const { rows } = await pool.query<{ id: string; slug: string; name: string; status: TenantStatus }>({
    name: "tenant-entities",
    text: "SELECT id, slug, name, status FROM tenants WHERE id = ANY($1::uuid[])",
    values: [ids],
  });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return { _entities: ids.map((id) => byId.get(id) ?? null) };
}

/**
 * Lock, judge by the transition table, update, append the chained audit event — one transaction,
 * with the service's own SQL stores (the floor is the same statements without the GraphQL layer).
 */
async function transition(
  body: { tenantId: string; transition: LifecycleTransition; reason?: string },
  principal: Principal,
) {
  const rule = TRANSITION_TABLE[body.transition];
  return inTransaction(pool, async (tx) => {
    const current = await lockTenant(tx, body.tenantId);
    if (!current || !rule.from.includes(current.status) || (rule.reasonRequired && !body.reason)) {
      return {
        transitionTenant: { tenant: null, userErrors: [{ code: current ? "INVALID_TRANSITION" : "NOT_FOUND" }] },
      };
    }
    const tenant = await setTenantStatus(tx, current.id, {
      status: rule.to,
      statusReason: body.reason ?? null,
      statusMessage: null,
      at: new Date(),
    });
    const viewer = createViewer(principal, { operatorOverrideTenantId: null, contextTenantId: null });
    const event = await appendAuditEvent(
      tx,
      { viewer, requestId: randomUUID(), auditKeys: AUDIT_KEYS },
      {
        tenantId: tenant.id,
        action: lifecycleAuditAction(rule.transition),
        reason: body.reason ?? null,
        changes: {
          status: change(current.status, tenant.status),
          statusReason: change(current.statusReason, tenant.statusReason),
          statusMessage: change(current.statusMessage, tenant.statusMessage),
          version: change(current.version, tenant.version),
        },
      },
    );
    return {
      transitionTenant: {
        tenant: { id: tenant.id, status: tenant.status, lifecycle: { version: tenant.version } },
        auditEvent: { sequence: event.sequence },
        userErrors: [],
      },
    };
  });
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function send(response: ServerResponse, status: number, body: unknown) {
  const json = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  response.end(json);
}

servePeer({
  name: "raw baseline",
  async handle(request, response, principal) {
    try {
      const body = (await readJson(request)) as never;
      switch (request.url) {
        case "/tenant":
          return send(response, 200, { data: await tenantById(body) });
        case "/tenants":
          return send(response, 200, { data: await dashboardPage(body) });
        case "/entities":
          return send(response, 200, { data: await entities(body) });
        case "/transition":
          return send(response, 200, { data: await transition(body, principal) });
        default:
          return send(response, 404, { error: "NOT_FOUND" });
      }
    } catch (error) {
      send(response, 500, { error: (error as Error).message });
    }
  },
  release: () => pool.end(),
});
