// Every list on an index that matches its order and filters (issue 17), checked on a fleet large
// enough for the planner to care (20 000 tenants, ~200 000 runs, ~600 000 audit events): each
// list's statements, exactly as the services send them, are EXPLAINed and must walk the index
// named here — never a sequential scan of the table, never a sort of more than a page's rows.
import { developmentAuditKeys } from "../../src/services/audit/audit-keys.ts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFleet, seedFleet, type SeededFleet } from "../../bench/seed.ts";
import { listAuditEvents, listTenantAuditEvents } from "../../src/services/audit/audit-service.ts";
import { createViewer } from "../../src/services/authorization/viewer.ts";
import { presentPlatformTenant } from "../../src/services/authorization/presentation.ts";
import { requirePlatformReader } from "../../src/services/authorization/viewer.ts";
import { openDatabase, type Database } from "../../src/services/database/client.ts";
import { RequestSql, type SqlPool } from "../../src/services/database/sql.ts";
import { listOperationRuns, listTenantOperationRuns } from "../../src/services/operation-runs/run-service.ts";
import { createReaders, type ServiceContext } from "../../src/services/service-context.ts";
import { listTenants } from "../../src/services/tenants/tenant-service.ts";
import { listTenantEvents } from "../../src/services/events/tenant-event-service.ts";
import { LIFECYCLE_ACTION_PREFIX } from "../../src/domain/audit-actions.ts";
import { COUNT_CAP, SEARCH_COUNT_CAP } from "../../src/services/pagination.ts";
import type { TenantRecord } from "../../src/domain/vocabulary.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

let testDatabase: TestDatabase;
let database: Database;
let fleet: SeededFleet;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  await seedFleet(testDatabase.url, {
    tenants: 20_000,
    longHistories: { tenants: 1, historyPairs: 2_000, extraRuns: 300 },
  });
  fleet = await readFleet(testDatabase.url, 200);
  database = openDatabase({
    url: testDatabase.url,
    poolMax: 4,
    statementTimeoutMs: 30_000,
    lockTimeoutMs: 30_000,
    connectTimeoutMs: 5_000,
  });
}, 120_000);
afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

interface Statement {
  text: string;
  values: unknown[];
}

interface PlanNode {
  "Node Type": string;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Plan Rows"?: number;
  "Actual Rows"?: number;
  "Scan Direction"?: string;
  Plans?: PlanNode[];
}

/** An operator's context whose statements are recorded (and still run). */
function recordingContext(statements: Statement[]): ServiceContext {
  const pool: SqlPool = {
    query: (config) => {
      statements.push({ text: config.text, values: [...(config.values ?? [])] });
      return database.pool.query(config);
    },
    connect: () => database.pool.connect(),
  };
  const sql = new RequestSql(pool, { maxRows: 20_000, deadline: Date.now() + 30_000 });
  const viewer = createViewer(
    { sub: "plans", scopes: ["platform:operator"], tenantId: null },
    { operatorOverrideTenantId: null, contextTenantId: null },
  );
  return {
    sql,
    viewer,
    requestId: "plans",
    read: createReaders(sql),
    quotas: { idempotencyRecordsPerPrincipal: 10_000 },
    auditKeys: developmentAuditKeys(),
  };
}

async function plansOf(call: (context: ServiceContext) => Promise<unknown>): Promise<PlanNode[]> {
  const statements: Statement[] = [];
  await call(recordingContext(statements));
  const client = new pg.Client({ connectionString: testDatabase.url });
  await client.connect();
  try {
    const plans: PlanNode[] = [];
    for (const statement of statements) {
      const { rows } = await client.query<{ "QUERY PLAN": { Plan: PlanNode }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`,
        statement.values,
      );
      plans.push((rows[0]?.["QUERY PLAN"][0] as { Plan: PlanNode }).Plan);
    }
    return plans;
  } finally {
    await client.end();
  }
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

const BIG_TABLES = ["tenants", "operation_runs", "audit_events"];

/**
 * What a page's plan must do: walk `index` (when the walk's value is a parameter the planner
 * cannot see, the one index that serves it; with a constant it may rightly prefer another), never
 * scan a whole table, and read a bounded number of rows — the page, and what a filter skips
 * before the page is full — however large the table.
 */
function expectWalks(plan: PlanNode, index: string | null) {
  const all = nodes(plan);
  if (index) expect(all.map((node) => node["Index Name"]).filter(Boolean)).toContain(index);
  const sequential = all.filter(
    (node) => node["Node Type"] === "Seq Scan" && BIG_TABLES.includes(node["Relation Name"] ?? ""),
  );
  expect(sequential).toEqual([]);
  const read = all
    .filter((node) => node["Node Type"].includes("Scan"))
    .reduce(
      (sum, node) =>
        sum + (node["Actual Rows"] ?? 0) * (node["Actual Loops"] ?? 1) + (node["Rows Removed by Filter"] ?? 0),
      0,
    );
  expect(read).toBeLessThanOrEqual(5_000);
}

const page = { first: 50, withTotalCount: false };

describe("Query.tenants", () => {
  it("without a filter walks tenants_created_at_id_idx", async () => {
    const [plan] = await plansOf((context) => listTenants(context, { ...page, filter: { includeArchived: true } }));
    expectWalks(plan as PlanNode, "tenants_created_at_id_idx");
  });

  it("by status (the default leaves ARCHIVED out) walks tenants_status_created_at_id_idx once per status", async () => {
    for (const filter of [{}, { status: ["SUSPENDED" as const] }, { selectable: false }]) {
      const [plan] = await plansOf((context) => listTenants(context, { ...page, filter }));
      expectWalks(plan as PlanNode, "tenants_status_created_at_id_idx");
    }
  });

  it("counts a status-filtered total from tenant_status_counts, not from the tenants", async () => {
    const plans = await plansOf((context) => listTenants(context, { first: 20, withTotalCount: true }));
    const counted = plans.flatMap(nodes).filter((node) => node["Relation Name"] === "tenant_status_counts");
    expect(counted.length).toBeGreaterThan(0);
    const countPlan = plans.find((plan) =>
      nodes(plan).some((node) => node["Relation Name"] === "tenant_status_counts"),
    );
    expect(nodes(countPlan as PlanNode).some((node) => node["Relation Name"] === "tenants")).toBe(false);
  });

  it("searches 3+ characters on the trigram index over slug and name, for rare terms and misses", async () => {
    for (const search of ["kestrel 1", "nomatchatall", "Xyz", "amber-analytics-1"]) {
      const plans = await plansOf((context) =>
        listTenants(context, { ...page, withTotalCount: true, filter: { search } }),
      );
      for (const plan of plans) {
        const indexes = nodes(plan).map((node) => node["Index Name"]);
        expect(indexes).toContain("tenants_search_trgm_idx");
        expect(nodes(plan).filter((node) => node["Node Type"] === "Seq Scan")).toEqual([]);
      }
    }
  });

  it("matches 1–2 characters as a slug prefix: a rare one on tenants_slug_prefix_idx, never a scan", async () => {
    const [rare] = await plansOf((context) => listTenants(context, { ...page, filter: { search: "q7" } }));
    expect(nodes(rare as PlanNode).map((node) => node["Index Name"])).toContain("tenants_slug_prefix_idx");
    for (const search of ["q7", "ke", "a"]) {
      const [plan] = await plansOf((context) => listTenants(context, { ...page, filter: { search } }));
      expect(nodes(plan as PlanNode).filter((node) => node["Node Type"] === "Seq Scan")).toEqual([]);
    }
  });
});

describe("Query.auditEvents", () => {
  it("the platform feed walks audit_events_occurred_at_id_idx", async () => {
    const [plan] = await plansOf((context) => listAuditEvents(context, page));
    expectWalks(plan as PlanNode, "audit_events_occurred_at_id_idx");
  });

  it("the feed under an action prefix walks audit_events_action_occurred_at_id_idx once per action it covers", async () => {
    for (const action of ["tenant.lifecycle", "tenant.", "operation_run."]) {
      const [plan] = await plansOf((context) => listAuditEvents(context, { ...page, filter: { action } }));
      expectWalks(plan as PlanNode, "audit_events_action_occurred_at_id_idx");
    }
  });

  it("the feed for one action reads a page's worth of rows, common or absent", async () => {
    // One action is a constant: the planner sees how common it is and may walk the time index.
    for (const action of ["tenant.lifecycle.suspend", "tenant.lifecycle.finalize_deprovision", "onboarding."]) {
      const [plan] = await plansOf((context) => listAuditEvents(context, { ...page, filter: { action } }));
      expectWalks(plan as PlanNode, null);
    }
  });

  it("one tenant's feed walks its chain (audit_events_tenant_id_sequence_key), under a prefix its action index", async () => {
    const tenantId = fleet.longHistoryTenantIds[0] as string;
    const [plain] = await plansOf((context) => listAuditEvents(context, { ...page, filter: { tenantId } }));
    expectWalks(plain as PlanNode, "audit_events_tenant_id_sequence_key");
    const [prefixed] = await plansOf((context) =>
      listAuditEvents(context, { ...page, filter: { tenantId, action: "tenant.lifecycle.re" } }),
    );
    expectWalks(prefixed as PlanNode, "audit_events_tenant_id_action_sequence_idx");
  });
});

describe("Query.tenantEvents", () => {
  /** A cursor from the middle of the feed: the page after the first event at `since`. */
  async function cursorInTheMiddle(): Promise<{ after: string; since: Date }> {
    const [{ since } = { since: new Date() }] = (
      await database.pool.query<{ since: Date }>(
        "SELECT occurred_at AS since FROM audit_events ORDER BY occurred_at OFFSET (SELECT count(*) / 2 FROM audit_events) LIMIT 1",
      )
    ).rows;
    const context = recordingContext([]);
    const first = await listTenantEvents(context, { first: 50, filter: { since } });
    return { after: first.items.at(-1)?.cursor as string, since };
  }

  it("walks audit_events_feed_xid_position_idx from the start and after a cursor deep in the feed", async () => {
    const [start] = await plansOf((context) => listTenantEvents(context, page));
    expectWalks(start as PlanNode, "audit_events_feed_xid_position_idx");
    const { after } = await cursorInTheMiddle();
    const [next] = await plansOf((context) => listTenantEvents(context, { ...page, after }));
    expectWalks(next as PlanNode, "audit_events_feed_xid_position_idx");
  });

  it("finds where `since` starts on audit_events_occurred_at_id_idx, then walks the feed", async () => {
    const { since } = await cursorInTheMiddle();
    const [plan] = await plansOf((context) => listTenantEvents(context, { ...page, filter: { since } }));
    expectWalks(plan as PlanNode, "audit_events_feed_xid_position_idx");
    expectWalks(plan as PlanNode, "audit_events_occurred_at_id_idx");
  });

  it("under types walks audit_events_action_feed_xid_position_idx once per type", async () => {
    const { after, since } = await cursorInTheMiddle();
    for (const types of [
      ["tenant.lifecycle.suspend"],
      ["tenant.lifecycle.suspend", "tenant.lifecycle.reactivate"],
      ["tenant.lifecycle.finalize_deprovision", "operation_run.updated"],
    ]) {
      for (const args of [{}, { after }, { filter: { since } }]) {
        const [plan] = await plansOf((context) =>
          listTenantEvents(context, { ...page, ...args, filter: { ...("filter" in args ? args.filter : {}), types } }),
        );
        expectWalks(plan as PlanNode, "audit_events_action_feed_xid_position_idx");
      }
    }
  });

  it("one tenant's events walk its chain (audit_events_tenant_id_sequence_key)", async () => {
    const tenantId = fleet.longHistoryTenantIds[0] as string;
    const [plan] = await plansOf((context) => listTenantEvents(context, { ...page, filter: { tenantId } }));
    expectWalks(plan as PlanNode, "audit_events_tenant_id_sequence_key");
  });
});

describe("Query.operationRuns", () => {
  it("across tenants walks operation_runs_created_at_id_idx; by status or kind, the (status, kind) index per pair", async () => {
    const [all] = await plansOf((context) => listOperationRuns(context, page));
    expectWalks(all as PlanNode, "operation_runs_created_at_id_idx");
    for (const filter of [
      { status: ["FAILED" as const] },
      { kind: ["DATA_EXPORT" as const] },
      { status: ["FAILED" as const, "CANCELLED" as const], kind: ["MAINTENANCE" as const] },
    ]) {
      const [plan] = await plansOf((context) => listOperationRuns(context, { ...page, filter }));
      expectWalks(plan as PlanNode, "operation_runs_status_kind_created_at_id_idx");
    }
  });

  it("one tenant's runs walk operation_runs_tenant_id_created_at_id_idx", async () => {
    const tenantId = fleet.longHistoryTenantIds[0] as string;
    const [plan] = await plansOf((context) => listOperationRuns(context, { ...page, filter: { tenantId } }));
    expectWalks(plan as PlanNode, "operation_runs_tenant_id_created_at_id_idx");
  });
});

/** The long-history tenant and 49 active ones, as a page of tenants presents them. */
async function tenantPage(context: ServiceContext) {
  const { rows } = await database.pool.query<TenantRecord>(
    `SELECT id, slug, name, status, status_reason AS "statusReason", status_message AS "statusMessage",
       status_changed_at AS "statusChangedAt", version, created_at AS "createdAt", updated_at AS "updatedAt"
     FROM tenants WHERE id = ANY($1::uuid[])`,
    [[fleet.longHistoryTenantIds[0], ...fleet.activeTenantIds.slice(0, 49)]],
  );
  const access = requirePlatformReader(context.viewer);
  return rows.map((tenant) => presentPlatformTenant(access, tenant));
}

describe("a page of tenants' nested lists", () => {
  it("lifecycle history walks audit_events_tenant_id_action_sequence_idx per tenant and action", async () => {
    const [plan] = await plansOf(async (context) => {
      const tenants = await tenantPage(context);
      await Promise.all(
        tenants.map((tenant) =>
          listTenantAuditEvents(context, tenant, { first: 5, actionPrefix: LIFECYCLE_ACTION_PREFIX }),
        ),
      );
    });
    expectWalks(plan as PlanNode, "audit_events_tenant_id_action_sequence_idx");
  });

  it("each tenant's runs walk operation_runs_tenant_id_created_at_id_idx", async () => {
    const [plan] = await plansOf(async (context) => {
      const tenants = await tenantPage(context);
      await Promise.all(tenants.map((tenant) => listTenantOperationRuns(context, tenant, { first: 5 })));
    });
    expectWalks(plan as PlanNode, "operation_runs_tenant_id_created_at_id_idx");
  });
});

describe("backward pages (last/before)", () => {
  const directionsOn = (plan: PlanNode, index: string) =>
    new Set(
      nodes(plan)
        .filter((node) => node["Index Name"] === index)
        .map((node) => node["Scan Direction"]),
    );

  /**
   * A backward page walks the forward page's index the other way — read from the cursor towards
   * the list's start — and so reads a page, however long the list: never a sort of the whole list.
   * Every index is ascending and every list newest first, so a forward page scans it "Backward"
   * and a backward page does not. `alternatives`: other time-ordered indexes the planner may
   * rightly prefer for this filter at this end of the list (a prefix most of the oldest events match).
   */
  async function expectBackwardWalk(
    list: (
      context: ServiceContext,
      args: { first?: number; last?: number; after?: string; before?: string },
    ) => Promise<{ items: { cursor: string }[] }>,
    index: string,
    alternatives: string[] = [],
  ) {
    let middle: string | undefined;
    const [forwardPlan] = await plansOf(async (context) => {
      middle = (await list(context, { first: 50 })).items.at(-1)?.cursor;
    });
    expect(middle).toBeDefined();
    expect(directionsOn(forwardPlan as PlanNode, index)).toEqual(new Set(["Backward"]));
    for (const args of [{ last: 50 }, { last: 50, before: middle }]) {
      const [backwardPlan] = await plansOf((context) => list(context, args));
      expectWalks(backwardPlan as PlanNode, null);
      const walked = [index, ...alternatives].filter((name) => directionsOn(backwardPlan as PlanNode, name).size > 0);
      expect(walked, JSON.stringify(args)).toHaveLength(1);
      // Never the forward page's way (reading from the newest and sorting): a forward index scan,
      // or — for a window the planner sees is small — a bitmap scan of it, whose rows the read
      // bound above keeps to a page's worth.
      expect(directionsOn(backwardPlan as PlanNode, walked[0] as string).has("Backward"), JSON.stringify(args)).toBe(
        false,
      );
    }
  }

  it("tenants walk tenants_created_at_id_idx, or tenants_status_created_at_id_idx per status, the other way", async () => {
    await expectBackwardWalk(
      (context, args) => listTenants(context, { ...args, filter: { includeArchived: true } }),
      "tenants_created_at_id_idx",
    );
    for (const filter of [{}, { status: ["SUSPENDED" as const] }]) {
      await expectBackwardWalk(
        (context, args) => listTenants(context, { ...args, filter }),
        "tenants_status_created_at_id_idx",
      );
    }
  });

  it("the audit feed, a tenant's feed and a tenant's history walk their indexes the other way", async () => {
    const tenantId = fleet.longHistoryTenantIds[0] as string;
    await expectBackwardWalk((context, args) => listAuditEvents(context, args), "audit_events_occurred_at_id_idx");
    await expectBackwardWalk(
      (context, args) => listAuditEvents(context, { ...args, filter: { action: "tenant." } }),
      "audit_events_action_occurred_at_id_idx",
      ["audit_events_occurred_at_id_idx"],
    );
    await expectBackwardWalk(
      (context, args) => listAuditEvents(context, { ...args, filter: { tenantId } }),
      "audit_events_tenant_id_sequence_key",
    );
    const [tenant] = (
      await database.pool.query<TenantRecord>(`SELECT id, status FROM tenants WHERE id = $1`, [tenantId])
    ).rows;
    await expectBackwardWalk(
      (context, args) =>
        listTenantAuditEvents(
          context,
          presentPlatformTenant(requirePlatformReader(context.viewer), tenant as TenantRecord),
          { ...args, actionPrefix: LIFECYCLE_ACTION_PREFIX },
        ),
      "audit_events_tenant_id_action_sequence_idx",
    );
  });

  it("runs walk operation_runs_created_at_id_idx, the (status, kind) index and a tenant's index the other way", async () => {
    const tenantId = fleet.longHistoryTenantIds[0] as string;
    await expectBackwardWalk((context, args) => listOperationRuns(context, args), "operation_runs_created_at_id_idx");
    await expectBackwardWalk(
      (context, args) => listOperationRuns(context, { ...args, filter: { status: ["FAILED", "CANCELLED"] } }),
      "operation_runs_status_kind_created_at_id_idx",
    );
    await expectBackwardWalk(
      (context, args) => listOperationRuns(context, { ...args, filter: { tenantId } }),
      "operation_runs_tenant_id_created_at_id_idx",
    );
  });

  it("a page of tenants' runs, each walked backward, walk operation_runs_tenant_id_created_at_id_idx the other way", async () => {
    // One statement for the page's 50 tenants, each tenant's window on its own index range.
    const index = "operation_runs_tenant_id_created_at_id_idx";
    const planFor = async (args: { first?: number; last?: number }) => {
      const [plan] = await plansOf(async (context) => {
        const tenants = await tenantPage(context);
        await Promise.all(tenants.map((tenant) => listTenantOperationRuns(context, tenant, args)));
      });
      return plan as PlanNode;
    };
    const forward = await planFor({ first: 5 });
    const backward = await planFor({ last: 5 });
    expectWalks(backward, index);
    expect(directionsOn(backward, index).size).toBe(1);
    expect(directionsOn(backward, index)).not.toEqual(directionsOn(forward, index));
  });
});

describe("date ranges", () => {
  /** A narrow window in the older half of a column's values: a walk from the newest rows must not get there by reading. */
  async function olderWindow(table: string, column: string): Promise<{ after: Date; before: Date }> {
    const { rows } = await database.pool.query<{ after: Date; before: Date }>(
      `SELECT percentile_disc(0.2) WITHIN GROUP (ORDER BY ${column}) AS after,
              percentile_disc(0.25) WITHIN GROUP (ORDER BY ${column}) AS before FROM ${table}`,
    );
    return rows[0] as { after: Date; before: Date };
  }

  it("a creation range bounds the tenants' walk: tenants_created_at_id_idx (with statuses, it or the status index)", async () => {
    const window = await olderWindow("tenants", "created_at");
    const created = { createdAfter: window.after, createdBefore: window.before };
    for (const args of [{ first: 50 }, { last: 50 }]) {
      const [plain] = await plansOf((context) =>
        listTenants(context, { ...args, filter: { includeArchived: true, ...created } }),
      );
      expectWalks(plain as PlanNode, "tenants_created_at_id_idx");
      // With statuses too, either index bounds the walk by the range: the planner may rightly
      // prefer the time index for a narrow window and recheck the status.
      for (const filter of [{ ...created }, { status: ["ACTIVE" as const], ...created }]) {
        const [plan] = await plansOf((context) => listTenants(context, { ...args, filter }));
        expectWalks(plan as PlanNode, null);
        const indexes = nodes(plan as PlanNode).map((node) => node["Index Name"]);
        expect(
          indexes.some(
            (index) => index === "tenants_status_created_at_id_idx" || index === "tenants_created_at_id_idx",
          ),
        ).toBe(true);
      }
    }
  });

  it("a creation range bounds the runs' walks, an occurrence range the audit feed's", async () => {
    const runs = await olderWindow("operation_runs", "created_at");
    const created = { createdAfter: runs.after, createdBefore: runs.before };
    const events = await olderWindow("audit_events", "occurred_at");
    const occurred = { occurredAfter: events.after, occurredBefore: events.before };
    const tenantId = fleet.longHistoryTenantIds[0] as string;
    for (const args of [{ first: 50 }, { last: 50 }]) {
      const [all] = await plansOf((context) => listOperationRuns(context, { ...args, filter: created }));
      expectWalks(all as PlanNode, "operation_runs_created_at_id_idx");
      const [failed] = await plansOf((context) =>
        listOperationRuns(context, { ...args, filter: { status: ["FAILED", "CANCELLED"], ...created } }),
      );
      expectWalks(failed as PlanNode, "operation_runs_status_kind_created_at_id_idx");
      const [own] = await plansOf((context) =>
        listOperationRuns(context, { ...args, filter: { tenantId, ...created } }),
      );
      expectWalks(own as PlanNode, "operation_runs_tenant_id_created_at_id_idx");
      const [feed] = await plansOf((context) => listAuditEvents(context, { ...args, filter: occurred }));
      expectWalks(feed as PlanNode, "audit_events_occurred_at_id_idx");
      const [lifecycle] = await plansOf((context) =>
        listAuditEvents(context, { ...args, filter: { action: "tenant.lifecycle", ...occurred } }),
      );
      expectWalks(lifecycle as PlanNode, "audit_events_action_occurred_at_id_idx");
    }
  });
});

describe("totals at fleet scale", () => {
  const counted = { first: 1, withTotalCount: true };

  it("status-filtered tenant totals are exact, from the counters, whatever their size", async () => {
    const { rows } = await database.pool.query<{ count: string }>(
      "SELECT count(*) FROM tenants WHERE status <> 'ARCHIVED'",
    );
    const page = await listTenants(recordingContext([]), counted);
    expect(page.totalCount).toEqual({ value: Number(rows[0]?.count), exact: true });
    expect(page.totalCount?.value).toBeGreaterThan(COUNT_CAP);
  });

  it("a search counts up to SEARCH_COUNT_CAP, then says AT_LEAST", async () => {
    const common = await listTenants(recordingContext([]), { ...counted, filter: { search: "amber" } });
    expect(common.totalCount).toEqual({ value: SEARCH_COUNT_CAP, exact: false });
    const rare = await listTenants(recordingContext([]), { ...counted, filter: { search: "amber-analytics-1" } });
    const { rows } = await database.pool.query<{ count: string }>(
      "SELECT count(*) FROM tenants WHERE status <> 'ARCHIVED' AND (slug ILIKE '%amber-analytics-1%' OR name ILIKE '%amber-analytics-1%')",
    );
    expect(rare.totalCount).toEqual({ value: Number(rows[0]?.count), exact: true });
  });

  it("fleet-wide feeds and run lists, and one tenant's long history, count up to COUNT_CAP", async () => {
    const context = () => recordingContext([]);
    expect((await listAuditEvents(context(), counted)).totalCount).toEqual({ value: COUNT_CAP, exact: false });
    expect((await listOperationRuns(context(), { ...counted, filter: { status: ["FAILED"] } })).totalCount).toEqual({
      value: COUNT_CAP,
      exact: false,
    });
    const tenantId = fleet.longHistoryTenantIds[0] as string;
    const [tenant] = (
      await database.pool.query<TenantRecord>(`SELECT id, status FROM tenants WHERE id = $1`, [tenantId])
    ).rows;
    const presented = presentPlatformTenant(requirePlatformReader(context().viewer), tenant as TenantRecord);
    expect((await listTenantAuditEvents(context(), presented, counted)).totalCount).toEqual({
      value: COUNT_CAP,
      exact: false,
    });
  });
});

describe("after a burst of writes", () => {
  /** Buffers a search's statements touch, as EXPLAIN (ANALYZE, BUFFERS) counts them. */
  async function buffersOfSearch(search: string): Promise<number> {
    const statements: Statement[] = [];
    await listTenants(recordingContext(statements), { ...page, withTotalCount: true, filter: { search } });
    let buffers = 0;
    for (const statement of statements) {
      const { rows } = await database.pool.query<{ "QUERY PLAN": { Plan: Record<string, number> }[] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`,
        statement.values,
      );
      const plan = rows[0]?.["QUERY PLAN"][0]?.Plan ?? {};
      buffers += (plan["Shared Hit Blocks"] ?? 0) + (plan["Shared Read Blocks"] ?? 0);
    }
    return buffers;
  }

  // A transition rewrites its tenant's row (not a HOT update: the status is indexed), adding the
  // row's entries to every index. A GIN pending list would hold the trigram entries until a
  // vacuum, and every search would scan it whole: after ~9 000 transitions `npm run bench`'s
  // searches fell from 1 006 to 226 req/s.
  it("a search still reads about what it read before 8 000 tenants changed status", async () => {
    const before = await buffersOfSearch("nomatchatall");
    await database.pool.query(
      `UPDATE tenants SET status = CASE status WHEN 'ACTIVE' THEN 'SUSPENDED'::tenant_status ELSE 'ACTIVE'::tenant_status END
       WHERE id IN (SELECT id FROM tenants WHERE status IN ('ACTIVE', 'SUSPENDED') ORDER BY id LIMIT 8000)`,
    );
    const after = await buffersOfSearch("nomatchatall");
    expect(after, `buffers read by the search: ${before} before, ${after} after`).toBeLessThanOrEqual(before + 50);
  });
});
