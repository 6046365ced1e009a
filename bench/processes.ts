// `npm run bench:processes [-- --tenants 10000 --rounds 2 --duration 8 --connections 16]`
//
// Replicas of the service (issue 27, item 5): one, two and four subgraph processes on one
// database behind one load generator (the same 16 connections spread over them), and one process
// behind Hive Gateway (in a process of its own) — on (a) tenant by id and (b) a dashboard page of
// 50. This machine has two cores, so throughput cannot grow past them: what shows that nothing in
// the service stops horizontal scaling is the CPU per request, summed over the processes, staying
// flat as processes are added. Configurations are interleaved round by round (bench/interleaved.ts's
// reasoning); the built service in production mode, as `npm run start:built` runs it.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { signDevelopmentToken } from "../src/server/auth.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import {
  BENCH_AUDIT_SIGNER,
  BENCH_SECRET,
  cpuMs,
  createBenchDatabase,
  root,
  run,
  startTarget,
  START_BUILT_FLAGS,
  type RunningTarget,
  measuredServiceEnv,
} from "./harness.ts";
import { median } from "./interleaved.ts";
import { coreSubgraphScenarios, type BenchRequest } from "./scenarios.ts";
import { readFleet, seedFleet } from "./seed.ts";

const { values: args } = parseArgs({
  options: {
    tenants: { type: "string", default: "10000" },
    rounds: { type: "string", default: "2" },
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "3" },
    connections: { type: "string", default: "16" },
    "no-build": { type: "boolean", default: false },
  },
});

const PROCESSES = 4;
const CONNECTIONS = Number(args.connections);

interface Configuration {
  name: string;
  /** Where the load goes (each gets an equal share of the connections). */
  entries: RunningTarget[];
  /** Whose CPU a request costs. */
  processes: RunningTarget[];
  /** The gateway's process, reported apart. */
  gateway: RunningTarget | null;
}

async function measure(configuration: Configuration, request: BenchRequest, token: string, seconds: number) {
  await request.prepare?.();
  const pids = [...configuration.processes, ...(configuration.gateway ? [configuration.gateway] : [])].map(
    (target) => target.process.pid as number,
  );
  const before = await Promise.all(pids.map((pid) => cpuMs(pid)));
  let failures = 0;
  const share = Math.max(1, Math.floor(CONNECTIONS / configuration.entries.length));
  const results = await Promise.all(
    configuration.entries.map((entry) =>
      autocannon({
        url: `${entry.origin}/graphql`,
        connections: share,
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
          if (!right && ++failures <= 2) console.log(`    failed answer: ${String(body).slice(0, 300)}`);
          return right;
        },
      }),
    ),
  );
  const after = await Promise.all(pids.map((pid) => cpuMs(pid)));
  const requests = results.reduce((sum, result) => sum + result.requests.total, 0);
  const cpu = after.map((value, index) => value - (before[index] as number));
  const subgraphCpu = cpu.slice(0, configuration.processes.length).reduce((sum, value) => sum + value, 0);
  const gatewayCpu = configuration.gateway ? (cpu.at(-1) as number) : 0;
  return {
    requestsPerSecond: requests / seconds,
    subgraphCpuMsPerRequest: subgraphCpu / requests,
    gatewayCpuMsPerRequest: configuration.gateway ? gatewayCpu / requests : Number.NaN,
    failures: failures + results.reduce((sum, result) => sum + result.non2xx + result.errors, 0),
  };
}

async function main(): Promise<void> {
  if (!args["no-build"]) await run("node", ["scripts/build.mjs"]);
  const database = await createBenchDatabase();
  const targets: RunningTarget[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.all(targets.map((target) => target.stop()))
        .then(() => database.drop())
        .finally(() => process.exit(130));
    });
  }
  try {
    await applyMigrations(database.url);
    const summary = await seedFleet(database.url, { tenants: Number(args.tenants), signer: BENCH_AUDIT_SIGNER });
    const logDir = await mkdtemp(join(tmpdir(), "bench-processes-"));
    console.log(`seeded ${summary.tenants} tenants in ${summary.seconds.toFixed(1)} s; logs in ${logDir}`);
    const fleet = await readFleet(database.url);
    const token = await signDevelopmentToken(BENCH_SECRET, { sub: "bench-operator", scope: "platform:operator" });
    const env = measuredServiceEnv();
    const subgraphs: RunningTarget[] = [];
    for (let index = 0; index < PROCESSES; index += 1) {
      const target = await startTarget(
        { name: `subgraph-${index}`, command: [process.execPath, ...START_BUILT_FLAGS, "dist/main.js"], env },
        database.url,
        join(logDir, `subgraph-${index}.log`),
      );
      targets.push(target);
      subgraphs.push(target);
    }
    // The supergraph as composed, routed to the first process.
    const supergraph = (await readFile(join(root, "supergraph.graphql"), "utf8")).replace(
      /url: "http:\/\/127\.0\.0\.1:4001\/graphql"/,
      `url: "${subgraphs[0]?.origin}/graphql"`,
    );
    const supergraphFile = join(logDir, "supergraph.graphql");
    await writeFile(supergraphFile, supergraph);
    const gateway = await startTarget(
      {
        name: "hive-gateway",
        command: [process.execPath, "--import", "tsx", "bench/gateway-server.ts"],
        env: { SUPERGRAPH_FILE: supergraphFile, AUTH_JWT_SECRET: BENCH_SECRET },
      },
      database.url,
      join(logDir, "hive-gateway.log"),
    );
    targets.push(gateway);
    const configurations: Configuration[] = [
      { name: "1 process", entries: subgraphs.slice(0, 1), processes: subgraphs.slice(0, 1), gateway: null },
      { name: "2 processes", entries: subgraphs.slice(0, 2), processes: subgraphs.slice(0, 2), gateway: null },
      { name: "4 processes", entries: subgraphs, processes: subgraphs, gateway: null },
      { name: "1 process via Hive Gateway", entries: [gateway], processes: subgraphs.slice(0, 1), gateway },
    ];
    const scenarios = coreSubgraphScenarios(fleet, database.url);
    const reads = {
      "(a) tenant by id": scenarios["(a) tenant by id"],
      "(b) dashboard page of 50": scenarios["(b) dashboard page of 50"],
    };
    const rows: {
      scenario: string;
      configuration: string;
      rps: number;
      cpu: number;
      gatewayCpu: number;
      failures: number;
    }[] = [];
    for (let round = 1; round <= Number(args.rounds); round += 1) {
      for (const [scenario, request] of Object.entries(reads)) {
        const order = configurations.map(
          (_, index) => configurations[(index + round - 1) % configurations.length] as Configuration,
        );
        for (const configuration of order) {
          await measure(configuration, request, token, Number(args.warmup));
          const measured = await measure(configuration, request, token, Number(args.duration));
          rows.push({
            scenario,
            configuration: configuration.name,
            rps: measured.requestsPerSecond,
            cpu: measured.subgraphCpuMsPerRequest,
            gatewayCpu: measured.gatewayCpuMsPerRequest,
            failures: measured.failures,
          });
          console.log(
            `round ${round}  ${scenario.padEnd(26)} ${configuration.name.padEnd(28)} ${measured.requestsPerSecond.toFixed(0).padStart(6)} req/s  ${measured.subgraphCpuMsPerRequest.toFixed(3)} subgraph CPU ms/req  ${Number.isNaN(measured.gatewayCpuMsPerRequest) ? "" : `${measured.gatewayCpuMsPerRequest.toFixed(3)} gateway CPU ms/req  `}${measured.failures} failures`,
          );
        }
      }
    }
    console.log(
      "\n| scenario | configuration | median req/s | subgraph CPU ms/req (median; summed over its processes) | gateway CPU ms/req | failures |",
    );
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const scenario of Object.keys(reads)) {
      for (const configuration of configurations) {
        const own = rows.filter((row) => row.scenario === scenario && row.configuration === configuration.name);
        const gatewayCpu = median(own.map((row) => row.gatewayCpu));
        console.log(
          `| ${scenario} | ${configuration.name} | ${median(own.map((row) => row.rps)).toFixed(0)} | ${median(own.map((row) => row.cpu)).toFixed(3)} | ${Number.isNaN(gatewayCpu) ? "—" : gatewayCpu.toFixed(3)} | ${own.reduce((sum, row) => sum + row.failures, 0)} |`,
        );
      }
    }
  } finally {
    for (const target of targets) await target.stop();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
