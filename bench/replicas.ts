// `npm run bench:replicas [-- --tenants 2000 --rounds 2 --duration 8 --warmup 2 --connections 16]`
//
// What one read replica takes off the primary (design §10; issue 27): a primary and a streaming
// replica on this machine (test/support/replication.ts: the embedded PostgreSQL, or
// TEST_REPLICA_PG_BIN's), a seeded fleet, and the service started twice — without
// DATABASE_REPLICA_URLS and with the replica — each driven with (a) tenant by id and (b) the
// dashboard page of 50, as `npm run bench` sends them, by a platform reader who never writes.
// Reported per read request: the CPU of the primary's server processes, of the replica's, and of
// the service. Rounds alternate the two configurations so that a slow spell of this shared
// machine falls on both. Everything runs on one machine: the replica's CPU is taken from the same
// cores, so req/s says little; CPU per request on the primary is the figure. Numbers need a quiet
// machine.
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { signDevelopmentToken } from "../src/server/auth.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import { replicationBinaries, startReplication, type Cluster } from "../test/support/replication.ts";
import {
  BENCH_AUDIT_SIGNER,
  BENCH_SECRET,
  cpuMs,
  startTarget,
  type RunningTarget,
  measuredServiceEnv,
} from "./harness.ts";
import { readFleet, seedFleet } from "./seed.ts";

const { values: args } = parseArgs({
  options: {
    tenants: { type: "string", default: "2000" },
    rounds: { type: "string", default: "2" },
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "16" },
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

type Configuration = "primary only" | "one replica";
const CONFIGURATIONS: Configuration[] = ["primary only", "one replica"];

/** CPU (ms) of a cluster's postmaster and every process it started, as /proc has them now. */
async function clusterCpuMs(cluster: Cluster): Promise<Map<number, number>> {
  const postmaster = Number((await readFile(join(cluster.dir, "postmaster.pid"), "utf8")).split("\n")[0]);
  const readings = new Map<number, number>([[postmaster, await cpuMs(postmaster)]]);
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (parent === postmaster) readings.set(pid, await cpuMs(pid));
  }
  return readings;
}

/** CPU used between two readings; processes started in between count from zero (backends exiting in between are missed). */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

interface Reading {
  requests: number;
  requestsPerSecond: number;
  primaryMs: number;
  replicaMs: number;
  serviceMs: number;
  failures: number;
}

async function drive(
  target: RunningTarget,
  clusters: { primary: Cluster; replica: Cluster },
  body: () => string,
  token: string,
  seconds: number,
): Promise<Reading> {
  const pid = target.process.pid as number;
  const before = {
    primary: await clusterCpuMs(clusters.primary),
    replica: await clusterCpuMs(clusters.replica),
    service: await cpuMs(pid),
  };
  let failures = 0;
  const result = await autocannon({
    url: `${target.origin}/graphql`,
    connections: Number(args.connections),
    duration: seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        setupRequest: (outgoing) => ({ ...outgoing, body: body() }),
      },
    ],
    verifyBody: (answer) => {
      const right = String(answer ?? "").startsWith('{"data"') && !String(answer).includes('"errors"');
      if (!right) failures += 1;
      return right;
    },
  });
  const requests = result.requests.total;
  return {
    requests,
    requestsPerSecond: result.requests.average,
    primaryMs: cpuBetween(before.primary, await clusterCpuMs(clusters.primary)),
    replicaMs: cpuBetween(before.replica, await clusterCpuMs(clusters.replica)),
    serviceMs: (await cpuMs(pid)) - before.service,
    failures: failures + result.non2xx + result.errors,
  };
}

async function main(): Promise<void> {
  const binaries = replicationBinaries();
  if (!binaries.ok) throw new Error(`no replica can be started: ${binaries.reason}`);
  const replication = await startReplication(binaries.binariesDir);
  const targets: RunningTarget[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.all(targets.map((target) => target.stop()))
        .then(() => replication.close())
        .finally(() => process.exit(130));
    });
  }
  try {
    await replication.primary.query("CREATE DATABASE bench_replicas");
    const databaseUrl = replication.primary.url("bench_replicas");
    await applyMigrations(databaseUrl);
    const summary = await seedFleet(databaseUrl, { tenants: Number(args.tenants), signer: BENCH_AUDIT_SIGNER });
    console.log(`seeded ${summary.tenants} tenants in ${summary.seconds.toFixed(1)} s`);
    const fleet = await readFleet(databaseUrl);
    await replication.caughtUp(120_000);
    const token = await signDevelopmentToken(BENCH_SECRET, { sub: "bench-reader", scope: "support:read" });
    const logDir = await mkdtemp(join(tmpdir(), "bench-replicas-"));
    const common = measuredServiceEnv();
    const environments: Record<Configuration, Record<string, string>> = {
      "primary only": common,
      "one replica": { ...common, DATABASE_REPLICA_URLS: replication.replica.url("bench_replicas") },
    };
    let next = 0;
    const scenarios = {
      "(a) tenant by id": () =>
        JSON.stringify({ query: TENANT, variables: { id: fleet.tenantIds[next++ % fleet.tenantIds.length] } }),
      "(b) dashboard page of 50": () => JSON.stringify({ query: DASHBOARD, variables: { first: 50 } }),
    };
    const results: { round: number; configuration: Configuration; scenario: string; reading: Reading }[] = [];
    for (let round = 0; round < Number(args.rounds); round += 1) {
      const order = round % 2 === 0 ? CONFIGURATIONS : [...CONFIGURATIONS].reverse();
      for (const configuration of order) {
        const target = await startTarget(
          {
            name: configuration,
            command: ["node", "--import", "tsx", "src/main.ts"],
            env: environments[configuration],
          },
          databaseUrl,
          join(logDir, `${configuration.replace(/ /g, "-")}-${round}.log`),
        );
        targets.push(target);
        try {
          for (const [scenario, body] of Object.entries(scenarios)) {
            await drive(target, replication, body, token, Number(args.warmup));
            const reading = await drive(target, replication, body, token, Number(args.duration));
            results.push({ round, configuration, scenario, reading });
            const per = (ms: number) => (reading.requests > 0 ? (ms / reading.requests).toFixed(3) : "n/a");
            console.log(
              `round ${round + 1} ${configuration.padEnd(12)} ${scenario.padEnd(26)} ` +
                `${reading.requestsPerSecond.toFixed(0).padStart(6)} req/s  CPU ms/request: primary ${per(reading.primaryMs)}, ` +
                `replica ${per(reading.replicaMs)}, service ${per(reading.serviceMs)}` +
                (reading.failures > 0 ? `  (${reading.failures} failed)` : ""),
            );
          }
        } finally {
          await target.stop();
          targets.splice(targets.indexOf(target), 1);
        }
      }
    }
    console.log("\nprimary CPU ms per read request (median over rounds):");
    for (const scenario of Object.keys(scenarios)) {
      const medians = CONFIGURATIONS.map((configuration) => {
        const values = results
          .filter((result) => result.scenario === scenario && result.configuration === configuration)
          .map((result) => (result.reading.requests > 0 ? result.reading.primaryMs / result.reading.requests : NaN))
          .sort((left, right) => left - right);
        return values[Math.floor(values.length / 2)] ?? NaN;
      });
      console.log(
        `  ${scenario.padEnd(26)} primary only ${medians[0]?.toFixed(3)}, one replica ${medians[1]?.toFixed(3)}`,
      );
    }
    console.log(`logs: ${logDir}`);
  } finally {
    await Promise.all(targets.map((target) => target.stop()));
    await replication.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
