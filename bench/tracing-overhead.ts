// `npm run bench:tracing [-- --tenants 2000 --rounds 3 --duration 8 --connections 16]`
//
// What tracing costs (design §6 "Tracing"; issue 25): the built service (dist/main.js, as
// `npm run start:built` runs it) started three ways against one seeded database — tracing off
// (no endpoint), on at 100 % sampling, on at 5 % (`parentbased_traceidratio`) — each exporting
// over OTLP/HTTP protobuf to a sink in this process. Scenarios (a) tenant by id, (b) dashboard
// page of 50 and (d) SUSPEND/REACTIVATE as `npm run bench` sends them. The configurations are
// measured interleaved (off, 100 %, 5 %, then the next round in rotated order), so that a slow
// spell of this shared machine falls on all three; every round is reported, then the median.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { signDevelopmentToken } from "../src/server/auth.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import { UNSPENDABLE_BUDGETS } from "../test/support/budgets.ts";
import {
  BENCH_AUDIT_ENV,
  BENCH_AUDIT_SIGNER,
  BENCH_SECRET,
  createBenchDatabase,
  cpuMs,
  run,
  startTarget,
  START_BUILT_FLAGS,
  type RunningTarget,
} from "./harness.ts";
import { readFleet, seedFleet, type SeededFleet } from "./seed.ts";

const { values: args } = parseArgs({
  options: {
    tenants: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "16" },
    "no-build": { type: "boolean", default: false },
  },
});

const TENANT = `query TenantById($id: ID!) { tenant(id: $id) { id slug name status
  lifecycle { status statusReason statusMessage changedAt version badge { label tone icon }
    operability { selectable actionable onboardingResumable }
    availableTransitions { transition to reasonRequired permitted blockedReason } } } }`;
const DASHBOARD = `query Dashboard($first: Int) { tenants(first: $first) { totalCount pageInfo { hasNextPage }
  edges { cursor node { id slug name status
    lifecycle { status statusReason badge { label tone icon } operability { selectable actionable onboardingResumable }
      availableTransitions { transition permitted blockedReason } }
    onboarding { status currentStep completedSteps }
    operationRuns(first: 5) { totalCount edges { node { id kind status badge { label } progress } } } } } } }`;
const TRANSITION = `mutation Transition($input: TransitionTenantInput!) { transitionTenant(input: $input) {
  tenant { id status lifecycle { version } } auditEvent { sequence } userErrors { code message } } }`;

type Configuration = "off" | "on 100 %" | "on 5 %";
const CONFIGURATIONS: Configuration[] = ["off", "on 100 %", "on 5 %"];
type Scenario = "(a) tenant by id" | "(b) dashboard page of 50" | "(d) SUSPEND/REACTIVATE";

interface Request {
  body(): string;
  verify(answer: string): boolean;
  prepare?(): Promise<void>;
}

/** The OTLP sink: accepts every export (as a collector would) and counts its bytes. */
async function startSink(): Promise<{ endpoint: string; bytes: () => number; close(): Promise<void> }> {
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on("data", (chunk: Buffer) => (bytes += chunk.length));
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/x-protobuf" });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** SUSPEND/REACTIVATE round-robin over ACTIVE and SUSPENDED tenants, as `npm run bench` walks them. */
function transitionWalk(fleet: SeededFleet, databaseUrl: string): Request {
  const suspended = new Set<string>();
  let next = 0;
  const noErrors = (body: string) => body.startsWith('{"data"') && !body.includes('"errors"');
  return {
    body() {
      const tenantId = fleet.walkableTenantIds[next++ % fleet.walkableTenantIds.length] as string;
      const transition = suspended.has(tenantId) ? "REACTIVATE" : "SUSPEND";
      const input = { tenantId, transition, ...(transition === "SUSPEND" ? { reason: "bench: invoice overdue" } : {}) };
      return JSON.stringify({ query: TRANSITION, variables: { input } });
    },
    verify(answer) {
      const applied = /"tenant":\{"id":"([0-9a-f-]{36})","status":"(ACTIVE|SUSPENDED)"/.exec(answer);
      if (applied?.[2] === "SUSPENDED") suspended.add(applied[1] as string);
      else if (applied) suspended.delete(applied[1] as string);
      return noErrors(answer) && answer.includes('"userErrors":[]');
    },
    async prepare() {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ id: string }>(
          "SELECT id FROM tenants WHERE id = ANY($1::uuid[]) AND status = 'SUSPENDED'",
          [fleet.walkableTenantIds],
        );
        suspended.clear();
        for (const row of rows) suspended.add(row.id);
      } finally {
        await client.end();
      }
    },
  };
}

async function measure(target: RunningTarget, request: Request, token: string, seconds: number) {
  await request.prepare?.();
  const pid = target.process.pid as number;
  const cpuBefore = await cpuMs(pid);
  let failures = 0;
  const result = await autocannon({
    url: `${target.origin}/graphql`,
    connections: Number(args.connections),
    duration: seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        setupRequest: (outgoing) => ({ ...outgoing, body: request.body() }),
      },
    ],
    verifyBody: (body) => {
      const right = request.verify(String(body ?? ""));
      if (!right) failures += 1;
      return right;
    },
  });
  const cpu = (await cpuMs(pid)) - cpuBefore;
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    cpuMsPerRequest: result.requests.total > 0 ? cpu / result.requests.total : Number.NaN,
    failures: failures + result.non2xx + result.errors,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

async function main(): Promise<void> {
  if (!args["no-build"]) await run("node", ["scripts/build.mjs"]);
  const database = await createBenchDatabase();
  const sink = await startSink();
  const targets = new Map<Configuration, RunningTarget>();
  // Interrupted: the three services and the database go too.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.all([...targets.values()].map((target) => target.stop()))
        .then(() => database.drop())
        .finally(() => process.exit(130));
    });
  }
  try {
    await applyMigrations(database.url);
    const summary = await seedFleet(database.url, { tenants: Number(args.tenants), signer: BENCH_AUDIT_SIGNER });
    console.log(`seeded ${summary.tenants} tenants in ${summary.seconds.toFixed(1)} s`);
    const fleet = await readFleet(database.url);
    const token = await signDevelopmentToken(BENCH_SECRET, { sub: "bench-operator", scope: "platform:operator" });
    const logDir = await mkdtemp(join(tmpdir(), "bench-tracing-"));
    const common = {
      AUTH_JWT_SECRET: BENCH_SECRET,
      PORT: "0",
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      ...BENCH_AUDIT_ENV,
      // Throughput is measured, not the caller's budget (16 connections of one operator exceed
      // it on (b)), nor shedding on a loop delay that the other processes on this machine cause.
      ...UNSPENDABLE_BUDGETS,
      SHED_EVENT_LOOP_DELAY_MS: "60000",
    };
    const environments: Record<Configuration, Record<string, string>> = {
      off: common,
      "on 100 %": {
        ...common,
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_TRACES_SAMPLER: "parentbased_always_on",
      },
      "on 5 %": {
        ...common,
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.05",
      },
    };
    for (const configuration of CONFIGURATIONS) {
      const name = configuration.replace(/[^a-z0-9]+/g, "-");
      targets.set(
        configuration,
        await startTarget(
          { name, command: [process.execPath, ...START_BUILT_FLAGS, "dist/main.js"], env: environments[configuration] },
          database.url,
          join(logDir, `${name}.log`),
        ),
      );
    }
    console.log(`logs in ${logDir}`);

    let nextTenant = 0;
    const tenantIds = fleet.tenantIds.slice(0, 1000);
    const scenarios: Record<Scenario, Request> = {
      "(a) tenant by id": {
        body: () => JSON.stringify({ query: TENANT, variables: { id: tenantIds[nextTenant++ % tenantIds.length] } }),
        verify: (answer) => answer.startsWith('{"data"') && !answer.includes('"errors"'),
      },
      "(b) dashboard page of 50": {
        body: () => JSON.stringify({ query: DASHBOARD, variables: { first: 50 } }),
        verify: (answer) => answer.startsWith('{"data"') && !answer.includes('"errors"'),
      },
      "(d) SUSPEND/REACTIVATE": transitionWalk(fleet, database.url),
    };

    const results: {
      round: number;
      scenario: Scenario;
      configuration: Configuration;
      rps: number;
      p99: number;
      cpu: number;
      failures: number;
    }[] = [];
    for (let round = 1; round <= Number(args.rounds); round += 1) {
      for (const [scenario, request] of Object.entries(scenarios) as [Scenario, Request][]) {
        // Rotated each round: no configuration always runs first (or right after the seed).
        const order = CONFIGURATIONS.map(
          (_, index) => CONFIGURATIONS[(index + round - 1) % CONFIGURATIONS.length] as Configuration,
        );
        for (const configuration of order) {
          const target = targets.get(configuration) as RunningTarget;
          await measure(target, request, token, Number(args.warmup));
          const measured = await measure(target, request, token, Number(args.duration));
          results.push({
            round,
            scenario,
            configuration,
            rps: measured.requestsPerSecond,
            p99: measured.p99Ms,
            cpu: measured.cpuMsPerRequest,
            failures: measured.failures,
          });
          console.log(
            `round ${round}  ${scenario.padEnd(26)} ${configuration.padEnd(9)} ${measured.requestsPerSecond.toFixed(0).padStart(6)} req/s  p99 ${measured.p99Ms.toFixed(1)} ms  ${measured.cpuMsPerRequest.toFixed(2)} CPU ms/req  ${measured.failures} failures`,
          );
        }
      }
    }

    console.log(`\nspans exported: ${(sink.bytes() / 1e6).toFixed(1)} MB of OTLP protobuf\n`);
    // Each round's configurations ran within a minute of each other: compared within the round
    // (paired), then the median over rounds — a slow spell of the machine moves a round, not a pair.
    console.log(
      "| scenario | tracing | req/s per round | median req/s | req/s vs off, paired: median (per round) | CPU ms/req per round | CPU vs off, paired: median |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    const percent = (ratio: number) => `${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)} %`;
    for (const scenario of Object.keys(scenarios) as Scenario[]) {
      const of = (configuration: Configuration) =>
        results.filter((row) => row.scenario === scenario && row.configuration === configuration);
      const off = of("off");
      for (const configuration of CONFIGURATIONS) {
        const rows = of(configuration);
        const rpsRatios = rows.map((row, index) => row.rps / (off[index]?.rps ?? Number.NaN));
        const cpuRatios = rows.map((row, index) => row.cpu / (off[index]?.cpu ?? Number.NaN));
        const paired = (ratios: number[], perRound: boolean) =>
          configuration === "off"
            ? "—"
            : `${percent(median(ratios))}${perRound ? ` (${ratios.map(percent).join(", ")})` : ""}`;
        console.log(
          `| ${scenario} | ${configuration} | ${rows.map((row) => row.rps.toFixed(0)).join(", ")} | ${median(rows.map((row) => row.rps)).toFixed(0)} | ${paired(rpsRatios, true)} | ${rows.map((row) => row.cpu.toFixed(2)).join(", ")} | ${paired(cpuRatios, false)} |`,
        );
      }
    }
  } finally {
    for (const target of targets.values()) await target.stop();
    await sink.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
