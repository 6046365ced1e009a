// `npm run bench [-- --tenants 10000 --reuse --duration 10 --warmup 3 --connections 16]`
// One command, from a clean clone: a database (TEST_DATABASE_URL's server, else an embedded
// PostgreSQL), migrated and seeded; the subgraph built and started as production runs it; the
// raw baseline and PostGraphile on the same data; autocannon at fixed concurrency and duration
// per scenario and target. With `--tenants` above 10 000, the same again on a 10 000-tenant
// fleet, and the growth from one size to the other. `--reuse` keeps each size's database (and
// embedded cluster, under .data/bench/) for the next run: seeding 40M rows is the slow part.
// Prints the tables and writes bench/results.json.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { signDevelopmentToken } from "../src/server/auth.ts";
import { canonicalJson, type JsonValue } from "../src/services/canonical-json.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import { readFleet, seedFleet, type SeededFleet, type SeedOptions, type SeedSummary } from "./seed.ts";
import { startStatementProxy } from "./statement-proxy.ts";
import {
  answeredWithoutErrors,
  graphql,
  pick,
  ring,
  SUBGRAPH_DASHBOARD,
  SUBGRAPH_TENANT,
  subgraphTransitions,
  transitionApplied,
  transitionWalk,
} from "./scenarios.ts";
import {
  BENCH_AUDIT_ENV,
  BENCH_AUDIT_SIGNER,
  BENCH_SECRET as SECRET,
  BENCH_SERVER_SETTINGS,
  cpuMs,
  createBenchDatabase,
  root,
  rssMb,
  run,
  startTarget,
  viaProxy,
  type ProcessDefinition,
  type RunningTarget,
} from "./harness.ts";
import { UNSPENDABLE_BUDGETS } from "../test/support/budgets.ts";

const { values: args } = parseArgs({
  options: {
    tenants: { type: "string", default: "10000" },
    reuse: { type: "boolean", default: false },
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    connections: { type: "string", default: "16" },
    targets: { type: "string", default: "subgraph,baseline,postgraphile,postgraphile5" },
    scenarios: {
      type: "string",
      default:
        "a_tenant_by_id,b_dashboard_page_50,b2_dashboard_columns_50,c_entities_100,d_transition,e_search_page,f_audit_feed_page,g_failed_runs_page,h_entities_1",
    },
    /** A directory: the load-phase processes run with --cpu-prof and write their profiles there. */
    "cpu-prof": { type: "string" },
  },
});
const DURATION_S = Number(args.duration);
const WARMUP_S = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const CALIBRATION_REQUESTS = 20;
/** PostGraphile 5 declares Node >= 22: it is a target only on such a Node. */
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
/**
 * V8 flags every target runs with: `npm run start:built` gives the subgraph a 64 MB young
 * generation (GraphQL execution allocates heavily: scenarios (b) and (c)), and the other targets
 * get the same so the comparison stays like for like. start:built also caps the old generation
 * (`--max-old-space-size=384`, see START_BUILT_FLAGS): left out here, since the other targets
 * have no such budget and these scenarios' live heaps stay far below it.
 */
const RUNTIME_FLAGS = ["--max-semi-space-size=64"];

type TargetName = "subgraph" | "baseline" | "postgraphile" | "postgraphile5";
type ScenarioName =
  | "a_tenant_by_id"
  | "b_dashboard_page_50"
  | "b2_dashboard_columns_50"
  | "c_entities_100"
  | "d_transition"
  | "e_search_page"
  | "f_audit_feed_page"
  | "g_failed_runs_page"
  | "h_entities_1";
const SCENARIO_TITLES: Record<ScenarioName, string> = {
  a_tenant_by_id: "(a) tenant by id with lifecycle",
  b_dashboard_page_50: "(b) dashboard page of 50",
  b2_dashboard_columns_50: "(b′) page of 50, PostGraphile's fields",
  c_entities_100: "(c) _entities × 100",
  d_transition: "(d) SUSPEND/REACTIVATE",
  e_search_page: "(e) search page of 20",
  f_audit_feed_page: "(f) platform audit feed page of 50",
  g_failed_runs_page: "(g) failed runs page of 50",
  h_entities_1: "(h) _entities × 1",
};
/** Pages and searches: their p99 at one client is a target too (issue 17). */
const LIST_SCENARIOS: ScenarioName[] = [
  "b_dashboard_page_50",
  "b2_dashboard_columns_50",
  "e_search_page",
  "f_audit_feed_page",
  "g_failed_runs_page",
];
const REFERENCE_TENANTS = 10_000;
/** One tenant's audit chain is 100 003 events long: the `auditChain` streaming measurement. */
const seedOptionsFor = (tenants: number): SeedOptions => ({
  tenants,
  longHistories: { tenants: 1, historyPairs: 50_000, extraRuns: 200 },
});

interface ScenarioRequest {
  path: string;
  /** A fresh body per request: ids rotate so no target answers one row from a warm cache line. */
  body(): string;
  /** What a correct answer contains; anything else counts as a mismatch. */
  verify(body: string): boolean;
  /** Runs before each burst of requests (calibration, warm-up, measurement). */
  prepare?(): Promise<void>;
}

interface TargetDefinition extends ProcessDefinition {
  name: TargetName;
  /** Scenarios this target can express; absent ones are reported as n/a. */
  scenarios: Partial<Record<ScenarioName, ScenarioRequest>>;
}

interface Measurement {
  target: TargetName;
  scenario: ScenarioName;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  statementsPerRequest: number;
  peakRssMb: number;
  /** The target process's CPU time per answered request: steadier than req/s on a shared machine. */
  cpuMsPerRequest: number;
  /** Response size (body and headers): what each target answers differs, e.g. derived lifecycle fields. */
  kbPerResponse: number;
  requests: number;
  failures: number;
}

// ---------------------------------------------------------------- scenario bodies
const SUBGRAPH_DASHBOARD_COLUMNS = `query DashboardColumns($first: Int) { tenants(first: $first) { totalCount pageInfo { hasNextPage }
  edges { cursor node { id slug name status lifecycle { statusReason changedAt version }
    onboarding { status completedSteps }
    operationRuns(first: 5) { totalCount edges { node { id kind status progress } } } } } } }`;
const SUBGRAPH_ENTITIES = `query Entities($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Tenant { id slug name status } } }`;
const SUBGRAPH_SEARCH = `query Search($search: String) { tenants(first: 20, filter: { search: $search }) {
  totalCount totalCountPrecision edges { node { id slug name status } } } }`;
const SUBGRAPH_AUDIT_FEED = `query AuditFeed { auditEvents(first: 50) { totalCount totalCountPrecision
  edges { node { id sequence action occurredAt actor { type id } tenant { id slug } } } } }`;
const SUBGRAPH_FAILED_RUNS = `query FailedRuns { operationRuns(first: 50, filter: { status: [FAILED] }) { totalCount totalCountPrecision
  edges { node { id kind status failureReason createdAt tenant { id slug } } } } }`;
/** 3–10 characters: words of the seeded names (hits, common and rare) and terms nothing contains (misses). */
const SEARCH_TERMS = [
  "amber",
  "logistics",
  "kestrel",
  "ventures",
  "gale",
  "quartz",
  "nimbus r",
  "7777",
  "zzqx",
  "nomatch",
  "xylophone",
  "qqq",
];
const POSTGRAPHILE_TENANT = `query TenantById($id: UUID!) { tenantById(id: $id) { id slug name status statusReason
  statusMessage statusChangedAt version onboardingSessionsByTenantId(first: 1) { nodes { status completedSteps } } } }`;
const POSTGRAPHILE_DASHBOARD = `query Dashboard($first: Int) { allTenants(first: $first, orderBy: [CREATED_AT_DESC, ID_DESC]) {
  totalCount pageInfo { hasNextPage } edges { cursor node { id slug name status statusReason statusChangedAt version
    onboardingSessionsByTenantId(first: 1) { nodes { status completedSteps } }
    operationRunsByTenantId(first: 5, orderBy: [CREATED_AT_DESC, ID_DESC]) { totalCount edges { node { id kind status progress } } } } } } }`;

function defineTargets(fleet: SeededFleet, databaseUrl: string): TargetDefinition[] {
  const tenantIds = pick(fleet.tenantIds, 1000, 1);
  const entityBatches = Array.from({ length: 200 }, (_, index) => pick(fleet.tenantIds, 100, index + 2));
  const walk = transitionWalk(fleet, databaseUrl);
  // DATABASE_URL is given at start: the calibration run points it at the counting proxy.
  // The limiter runs on every request (its cost is measured), with buckets one load generator
  // at full speed never empties: the scenarios measure throughput, not the caller's share.
  const env = {
    AUTH_JWT_SECRET: SECRET,
    PORT: "0",
    NODE_ENV: "production",
    ...UNSPENDABLE_BUDGETS,
    ...BENCH_AUDIT_ENV,
  };
  const tsx = [process.execPath, ...RUNTIME_FLAGS, "--import", "tsx"];
  const noErrors = answeredWithoutErrors;

  const subgraphTenant = ring(tenantIds.map((id) => graphql(SUBGRAPH_TENANT, { id })));
  const subgraphSearch = ring(SEARCH_TERMS.map((search) => graphql(SUBGRAPH_SEARCH, { search })));
  const subgraphEntity = ring(
    tenantIds.map((id) => graphql(SUBGRAPH_ENTITIES, { representations: [{ __typename: "Tenant", id }] })),
  );
  const subgraphEntities = ring(
    entityBatches.map((ids) =>
      graphql(SUBGRAPH_ENTITIES, { representations: ids.map((id) => ({ __typename: "Tenant", id })) }),
    ),
  );
  const baselineTenant = ring(tenantIds.map((id) => JSON.stringify({ id })));
  const baselineEntities = ring(
    entityBatches.map((ids) => JSON.stringify({ representations: ids.map((id) => ({ __typename: "Tenant", id })) })),
  );
  const postgraphileTenant = ring(tenantIds.map((id) => graphql(POSTGRAPHILE_TENANT, { id })));
  // Both PostGraphiles answer the same documents (v5 runs v4's preset). Their (b) already is the
  // column set: the like-for-like comparison with the subgraph's (b′).
  const postgraphileDashboard: ScenarioRequest = {
    path: "/graphql",
    body: () => graphql(POSTGRAPHILE_DASHBOARD, { first: 50 }),
    verify: noErrors,
  };
  const postgraphileScenarios: TargetDefinition["scenarios"] = {
    a_tenant_by_id: { path: "/graphql", body: postgraphileTenant, verify: noErrors },
    b_dashboard_page_50: postgraphileDashboard,
    b2_dashboard_columns_50: postgraphileDashboard,
  };
  const applied = transitionApplied(walk);

  return [
    {
      name: "subgraph",
      command: [process.execPath, ...RUNTIME_FLAGS, "dist/main.js"],
      env: { ...env, LOG_LEVEL: "info" },
      scenarios: {
        a_tenant_by_id: { path: "/graphql", body: subgraphTenant, verify: noErrors },
        b_dashboard_page_50: {
          path: "/graphql",
          body: () => graphql(SUBGRAPH_DASHBOARD, { first: 50 }),
          verify: noErrors,
        },
        b2_dashboard_columns_50: {
          path: "/graphql",
          body: () => graphql(SUBGRAPH_DASHBOARD_COLUMNS, { first: 50 }),
          verify: noErrors,
        },
        c_entities_100: { path: "/graphql", body: subgraphEntities, verify: noErrors },
        d_transition: { path: "/graphql", ...subgraphTransitions(walk) },
        e_search_page: { path: "/graphql", body: subgraphSearch, verify: noErrors },
        f_audit_feed_page: { path: "/graphql", body: () => graphql(SUBGRAPH_AUDIT_FEED, {}), verify: noErrors },
        g_failed_runs_page: { path: "/graphql", body: () => graphql(SUBGRAPH_FAILED_RUNS, {}), verify: noErrors },
        h_entities_1: { path: "/graphql", body: subgraphEntity, verify: noErrors },
      },
    },
    {
      name: "baseline",
      command: [...tsx, "bench/raw-baseline.ts"],
      env,
      scenarios: {
        a_tenant_by_id: { path: "/tenant", body: baselineTenant, verify: noErrors },
        b_dashboard_page_50: { path: "/tenants", body: () => JSON.stringify({ first: 50 }), verify: noErrors },
        c_entities_100: { path: "/entities", body: baselineEntities, verify: noErrors },
        d_transition: {
          path: "/transition",
          body: () => JSON.stringify(walk.next()),
          verify: applied,
          prepare: () => walk.resync(),
        },
      },
    },
    ...(NODE_MAJOR >= 22
      ? [
          {
            name: "postgraphile5" as const,
            command: [...tsx, "bench/postgraphile5-server.ts"],
            env,
            scenarios: postgraphileScenarios,
          },
        ]
      : []),
    {
      name: "postgraphile",
      command: [...tsx, "bench/postgraphile-server.ts"],
      env,
      scenarios: postgraphileScenarios,
    },
  ];
}

async function post(url: string, token: string, body: string): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body,
  });
  return response.text();
}

// ---------------------------------------------------------------- measurement
/** Sequential requests through the counting proxy: statements per request, checked answers. */
async function calibrate(
  target: TargetDefinition,
  running: RunningTarget,
  proxy: Awaited<ReturnType<typeof startStatementProxy>>,
  token: string,
): Promise<Partial<Record<ScenarioName, number>>> {
  const counts: Partial<Record<ScenarioName, number>> = {};
  for (const [scenario, request] of Object.entries(target.scenarios) as [ScenarioName, ScenarioRequest][]) {
    if (!selectedScenarios.has(scenario)) continue;
    await request.prepare?.();
    for (let index = 0; index < 3; index += 1) await post(running.origin + request.path, token, request.body());
    proxy.reset();
    for (let index = 0; index < CALIBRATION_REQUESTS; index += 1) {
      const answer = await post(running.origin + request.path, token, request.body());
      if (!request.verify(answer))
        throw new Error(`${target.name} ${scenario} answered wrongly: ${answer.slice(0, 500)}`);
    }
    counts[scenario] = proxy.count() / CALIBRATION_REQUESTS;
  }
  return counts;
}

async function load(
  running: RunningTarget,
  request: ScenarioRequest,
  token: string,
  seconds: number,
  connections = CONNECTIONS,
) {
  let peakRss = 0;
  const sampler = setInterval(() => {
    void rssMb(running.process.pid as number).then((rss) => (peakRss = Math.max(peakRss, rss)));
  }, 200);
  await request.prepare?.();
  const cpuBefore = await cpuMs(running.process.pid as number);
  const failedAnswers: string[] = [];
  try {
    const result = await autocannon({
      url: running.origin + request.path,
      connections,
      duration: seconds,
      requests: [
        {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          setupRequest: (outgoing) => ({ ...outgoing, body: request.body() }),
        },
      ],
      verifyBody: (body) => {
        const text = String(body ?? "");
        const right = request.verify(text);
        if (!right && failedAnswers.length < 3) failedAnswers.push(text.slice(0, 500));
        return right;
      },
    });
    // A failure is reported with what was answered, not only counted.
    for (const answer of failedAnswers) console.log(`    failed answer: ${answer}`);
    const cpu = (await cpuMs(running.process.pid as number)) - cpuBefore;
    return { result, peakRss, cpuMsPerRequest: result.requests.total > 0 ? cpu / result.requests.total : Number.NaN };
  } finally {
    clearInterval(sampler);
  }
}

/** Every tenant's version equals its audit event count, and sequences are gapless: no writer lost an event. */
async function auditInvariantViolations(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ violations: string }>(`SELECT count(*) AS violations FROM tenants t
      JOIN (SELECT tenant_id, count(*) AS events, max(sequence) AS last FROM audit_events GROUP BY tenant_id) a
        ON a.tenant_id = t.id
      WHERE a.events <> t.version OR a.last <> a.events`);
    return Number(rows[0]?.violations ?? 0);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- report
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

function ratio(measurements: Measurement[], row: Measurement, against: TargetName): number | null {
  const other = measurements.find((entry) => entry.target === against && entry.scenario === row.scenario);
  return other && other.requestsPerSecond > 0 ? row.requestsPerSecond / other.requestsPerSecond : null;
}

function table(measurements: Measurement[]): string {
  const header = [
    "scenario",
    "target",
    "req/s",
    "p50 ms",
    "p99 ms",
    "SQL/req",
    "CPU ms/req",
    "KB/resp",
    "peak RSS MB",
    "failures",
    "×baseline",
    "×PostGraphile 4",
    "×PostGraphile 5",
  ];
  const rows = measurements.map((row) => [
    SCENARIO_TITLES[row.scenario],
    row.target,
    fixed(row.requestsPerSecond),
    fixed(row.latencyP50Ms, 1),
    fixed(row.latencyP99Ms, 1),
    fixed(row.statementsPerRequest, 1),
    fixed(row.cpuMsPerRequest, 2),
    fixed(row.kbPerResponse, 1),
    fixed(row.peakRssMb),
    String(row.failures),
    row.target === "baseline" ? "1.00" : fixed(ratio(measurements, row, "baseline") ?? Number.NaN, 2),
    row.target === "postgraphile" ? "1.00" : fixed(ratio(measurements, row, "postgraphile") ?? Number.NaN, 2),
    row.target === "postgraphile5" ? "1.00" : fixed(ratio(measurements, row, "postgraphile5") ?? Number.NaN, 2),
  ]);
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

// ---------------------------------------------------------------- fleet sizes
interface SingleClient {
  scenario: ScenarioName;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requestsPerSecond: number;
}

interface ChainWalk {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  rssBeforeMb: number;
  rssPeakMb: number;
}

interface SizeRun {
  tenants: number;
  seeded: { reused: boolean; summary: SeedSummary | null; counts: SeededFleet["counts"] };
  measurements: Measurement[];
  singleClient: SingleClient[];
  chain: ChainWalk | null;
}

/** A seed marker in the database: `--reuse` seeds again only when the options differ. */
async function seedUnlessReused(databaseUrl: string, options: SeedOptions): Promise<SeedSummary | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("CREATE TABLE IF NOT EXISTS bench_seed (options jsonb NOT NULL, summary jsonb NOT NULL)");
    const { rows } = await client.query<{ options: SeedOptions }>("SELECT options FROM bench_seed");
    // jsonb keeps its own key order: compare the options canonically.
    if (
      args.reuse &&
      rows[0] &&
      canonicalJson(rows[0].options as unknown as JsonValue) === canonicalJson(options as unknown as JsonValue)
    ) {
      return null;
    }
    const summary = await seedFleet(databaseUrl, { ...options, signer: BENCH_AUDIT_SIGNER });
    await client.query("DELETE FROM bench_seed");
    await client.query("INSERT INTO bench_seed (options, summary) VALUES ($1, $2)", [options, summary]);
    return summary;
  } finally {
    await client.end();
  }
}

/** `auditChain` over the longest chain, one request at a time: events per second and the server's memory. */
async function walkLongestChain(running: RunningTarget, token: string, tenantId: string): Promise<ChainWalk> {
  const pid = running.process.pid as number;
  const rssBefore = await rssMb(pid);
  let peak = rssBefore;
  const sampler = setInterval(() => void rssMb(pid).then((rss) => (peak = Math.max(peak, rss))), 50);
  try {
    const body = graphql(
      `
        query Chain($id: ID!) {
          auditChain(tenantId: $id) {
            valid
            eventCount
          }
        }
      `,
      { id: tenantId },
    );
    let best = Number.POSITIVE_INFINITY;
    let events = 0;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const at = performance.now();
      const answer = JSON.parse(await post(`${running.origin}/graphql`, token, body)) as {
        data?: { auditChain: { valid: boolean; eventCount: number } };
      };
      best = Math.min(best, (performance.now() - at) / 1000);
      if (!answer.data?.auditChain.valid)
        throw new Error(`the seeded chain does not verify: ${JSON.stringify(answer)}`);
      events = answer.data.auditChain.eventCount;
    }
    return { events, seconds: best, eventsPerSecond: events / best, rssBeforeMb: rssBefore, rssPeakMb: peak };
  } finally {
    clearInterval(sampler);
  }
}

async function measureSize(tenants: number, token: string, logDir: string): Promise<SizeRun> {
  const database = await createBenchDatabase({ keep: args.reuse ? `fleet-${tenants}` : undefined });
  try {
    await applyMigrations(database.url);
    const seedStarted = Date.now();
    const summary = await seedUnlessReused(database.url, seedOptionsFor(tenants));
    const fleet = await readFleet(database.url);
    console.log(
      summary
        ? `seeded ${summary.tenants} tenants, ${summary.operationRuns} runs, ${summary.auditEvents} audit events in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s (${Object.entries(
            summary.phases,
          )
            .map(([name, seconds]) => `${name} ${seconds.toFixed(0)} s`)
            .join(", ")})`
        : `reused the seeded database: ${fleet.counts.tenants} tenants, ~${fleet.counts.operationRuns} runs, ~${fleet.counts.auditEvents} audit events`,
    );
    const measurements: Measurement[] = [];
    const singleClient: SingleClient[] = [];
    let chain: ChainWalk | null = null;
    const targets = defineTargets(fleet, database.url).filter((target) => selected.has(target.name));
    const statementsOf = new Map<TargetName, Partial<Record<ScenarioName, number>>>();
    for (const target of targets) {
      const proxy = await startStatementProxy({ host: database.host, port: database.port });
      const counting = await startTarget(
        target,
        viaProxy(database.url, proxy.port),
        join(logDir, `${target.name}-${tenants}-calibration.log`),
      );
      statementsOf.set(target.name, await calibrate(target, counting, proxy, token).finally(() => counting.stop()));
      await proxy.close();
    }

    // Every target runs at once and each scenario is measured on each in turn: the targets'
    // numbers for one scenario are taken within a minute or two of each other, so a slow spell of
    // the machine (or the database's background work after a seed) falls on all of them alike.
    const profileDir = args["cpu-prof"];
    const running = new Map<TargetName, RunningTarget>();
    try {
      for (const target of targets) {
        running.set(
          target.name,
          await startTarget(
            target,
            database.url,
            join(logDir, `${target.name}-${tenants}.log`),
            profileDir ? ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, `${target.name}-${tenants}`)}`] : [],
          ),
        );
      }
      for (const scenario of Object.keys(SCENARIO_TITLES) as ScenarioName[]) {
        if (!selectedScenarios.has(scenario)) continue;
        for (const target of targets) {
          const request = target.scenarios[scenario];
          const server = running.get(target.name);
          if (!request || !server) continue;
          await load(server, request, token, WARMUP_S);
          const { result, peakRss, cpuMsPerRequest } = await load(server, request, token, DURATION_S);
          const measurement: Measurement = {
            target: target.name,
            scenario,
            requestsPerSecond: result.requests.total / DURATION_S,
            latencyP50Ms: result.latency.p50,
            latencyP99Ms: result.latency.p99,
            statementsPerRequest: statementsOf.get(target.name)?.[scenario] ?? Number.NaN,
            peakRssMb: peakRss,
            cpuMsPerRequest,
            kbPerResponse:
              result.requests.total > 0 ? result.throughput.total / result.requests.total / 1024 : Number.NaN,
            requests: result.requests.total,
            failures: result.non2xx + result.errors + result.timeouts + result.mismatches,
          };
          measurements.push(measurement);
          console.log(
            `${String(tenants).padStart(8)} ${target.name.padEnd(12)} ${SCENARIO_TITLES[scenario].padEnd(36)} ${fixed(measurement.requestsPerSecond).padStart(6)} req/s  p50 ${fixed(measurement.latencyP50Ms, 1)} ms  p99 ${fixed(measurement.latencyP99Ms, 1)} ms  ${fixed(measurement.statementsPerRequest, 1)} SQL/req  ${fixed(cpuMsPerRequest, 2)} CPU ms/req  ${fixed(peakRss)} MB  ${measurement.failures} failures`,
          );
          if (target.name === "subgraph" && LIST_SCENARIOS.includes(scenario)) {
            const one = await load(server, request, token, DURATION_S, 1);
            singleClient.push({
              scenario,
              latencyP50Ms: one.result.latency.p50,
              latencyP99Ms: one.result.latency.p99,
              requestsPerSecond: one.result.requests.total / DURATION_S,
            });
            console.log(
              `${String(tenants).padStart(8)} ${"  1 client".padEnd(12)} ${SCENARIO_TITLES[scenario].padEnd(36)} p50 ${fixed(one.result.latency.p50, 1)} ms  p99 ${fixed(one.result.latency.p99, 1)} ms`,
            );
          }
        }
      }
    } finally {
      await Promise.all([...running.values()].map((server) => server.stop()));
    }

    const subgraph = targets.find((target) => target.name === "subgraph");
    const longest = fleet.longHistoryTenantIds[0];
    if (subgraph && longest) {
      // A process of its own: its memory before the walk is a fresh server's, and the hashing
      // of 100 000 events stays out of the scenarios' CPU profiles.
      const walking = await startTarget(subgraph, database.url, join(logDir, `subgraph-${tenants}-chain.log`));
      try {
        chain = await walkLongestChain(walking, token, longest);
      } finally {
        await walking.stop();
      }
      console.log(
        `${String(tenants).padStart(8)} auditChain over ${chain.events} events: ${chain.seconds.toFixed(2)} s, ${fixed(chain.eventsPerSecond)} events/s, RSS ${fixed(chain.rssBeforeMb)} → ${fixed(chain.rssPeakMb)} MB`,
      );
    }
    const violations = await auditInvariantViolations(database.url);
    if (violations > 0) {
      console.log(`audit invariant violations after all writes at ${tenants} tenants: ${violations}`);
      process.exitCode = 1;
    }
    return {
      tenants,
      seeded: { reused: summary === null, summary, counts: fleet.counts },
      measurements,
      singleClient,
      chain,
    };
  } finally {
    await database.drop();
  }
}

/** Throughput at the larger fleet over the reference one, per read scenario of the subgraph. */
function growthTable(reference: SizeRun, large: SizeRun): string {
  const rows = large.measurements
    .filter((row) => row.target === "subgraph" && row.scenario !== "d_transition")
    .map((row) => {
      const before = reference.measurements.find(
        (entry) => entry.target === "subgraph" && entry.scenario === row.scenario,
      );
      const one = large.singleClient.find((entry) => entry.scenario === row.scenario);
      return [
        SCENARIO_TITLES[row.scenario],
        fixed(before?.requestsPerSecond ?? Number.NaN),
        fixed(row.requestsPerSecond),
        before ? fixed(row.requestsPerSecond / before.requestsPerSecond, 2) : "n/a",
        one ? fixed(one.latencyP99Ms, 1) : "n/a",
      ];
    });
  const header = [
    "scenario",
    `req/s at ${reference.tenants}`,
    `req/s at ${large.tenants}`,
    "growth ratio",
    `p99 ms at one client, ${large.tenants}`,
  ];
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

function singleClientTable(runs: SizeRun[]): string {
  const header = ["scenario", ...runs.flatMap((run) => [`p50 ms, ${run.tenants}`, `p99 ms, ${run.tenants}`])];
  const rows = LIST_SCENARIOS.filter((scenario) => selectedScenarios.has(scenario)).map((scenario) => [
    SCENARIO_TITLES[scenario],
    ...runs.flatMap((run) => {
      const one = run.singleClient.find((entry) => entry.scenario === scenario);
      return [fixed(one?.latencyP50Ms ?? Number.NaN, 1), fixed(one?.latencyP99Ms ?? Number.NaN, 1)];
    }),
  ]);
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

// ---------------------------------------------------------------- main
const startedAt = Date.now();
const selected = new Set(args.targets.split(","));
const selectedScenarios = new Set(args.scenarios.split(","));
const sizes = [...new Set([REFERENCE_TENANTS, Number(args.tenants)])].sort((a, b) => a - b);
const logDir = await mkdtemp(join(tmpdir(), "bench-logs-"));
try {
  await run(process.execPath, ["scripts/build.mjs"]);
  const token = await signDevelopmentToken(SECRET, { sub: "bench-operator", scope: "platform:operator" });
  const runs: SizeRun[] = [];
  let serverVersion: string | undefined;
  for (const tenants of sizes) {
    if (tenants !== Number(args.tenants) && tenants === REFERENCE_TENANTS) {
      console.log(`the ${REFERENCE_TENANTS}-tenant reference fleet first`);
    }
    runs.push(await measureSize(tenants, token, logDir));
  }
  {
    const database = await createBenchDatabase({ keep: args.reuse ? `fleet-${sizes[0]}` : undefined });
    const postgres = new pg.Client({ connectionString: database.url });
    await postgres.connect();
    serverVersion = (await postgres.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version;
    await postgres.end();
    await database.drop();
  }
  const report = {
    ranAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      postgres: serverVersion,
      database: process.env["TEST_DATABASE_URL"] ? "TEST_DATABASE_URL server" : "embedded PostgreSQL (bench settings)",
    },
    method: {
      loadGenerator: "autocannon 9 (in the orchestrating process, same machine)",
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_S,
      durationSeconds: DURATION_S,
      statementsCountedBy: `wire proxy: Query + Execute messages over ${CALIBRATION_REQUESTS} sequential requests`,
      subgraph:
        "node --max-semi-space-size=64 dist/main.js (npm run start:built without its old-generation cap), NODE_ENV=production, LOG_LEVEL=info, DATABASE_POOL_MAX=10",
      runtimeFlags: RUNTIME_FLAGS,
      postgraphile: "postgraphile 4.14.1, pool max 10",
      postgraphile5:
        NODE_MAJOR >= 22 ? "postgraphile 5.1.5 (amber + V4 preset), pool max 10" : "not run: needs Node >= 22",
      baseline: "node:http + pg, pool max 10, named prepared statements",
      serverSettings: process.env["TEST_DATABASE_URL"] ? "the server's own" : BENCH_SERVER_SETTINGS,
    },
    sizes: runs.map((size) => ({
      tenants: size.tenants,
      seeded: size.seeded,
      results: size.measurements,
      singleClient: size.singleClient,
      auditChain: size.chain,
      ratios: size.measurements
        .filter((row) => row.target === "subgraph")
        .map((row) => ({
          scenario: row.scenario,
          subgraphOverBaseline: ratio(size.measurements, row, "baseline"),
          subgraphOverPostgraphile: ratio(size.measurements, row, "postgraphile"),
          subgraphOverPostgraphile5: ratio(size.measurements, row, "postgraphile5"),
        })),
    })),
    totalSeconds: Math.round((Date.now() - startedAt) / 1000),
  };
  await writeFile(join(root, "bench/results.json"), `${JSON.stringify(report, null, 2)}\n`);
  for (const size of runs) console.log(`\n${size.tenants} tenants\n\n${table(size.measurements)}\n`);
  console.log(`single client\n\n${singleClientTable(runs)}\n`);
  const [reference, large] = [runs[0], runs.at(-1)];
  if (reference && large && reference !== large) console.log(`growth\n\n${growthTable(reference, large)}\n`);
  console.log(`total ${report.totalSeconds} s; written bench/results.json`);
} finally {
  await rm(logDir, { recursive: true, force: true });
}
