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
import { signDevelopmentToken } from "../src/server/auth.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import {
  BENCH_AUDIT_SIGNER,
  BENCH_SECRET,
  createBenchDatabase,
  run,
  startTarget,
  START_BUILT_FLAGS,
  type RunningTarget,
  measuredServiceEnv,
} from "./harness.ts";
import { measureInterleaved, pairedTable } from "./interleaved.ts";
import { coreSubgraphScenarios } from "./scenarios.ts";
import { readFleet, seedFleet } from "./seed.ts";

const { values: args } = parseArgs({
  options: {
    tenants: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "16" },
    "no-build": { type: "boolean", default: false },
    /** Comma-separated scenario letters to run (`a,d`). */
    scenarios: { type: "string", default: "a,b,d" },
    /** A directory: each configuration's process runs with --cpu-prof and writes its profile there. */
    "cpu-prof": { type: "string" },
  },
});

type Configuration = "off" | "on 100 %" | "on 5 %";
const CONFIGURATIONS: Configuration[] = ["off", "on 100 %", "on 5 %"];

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
    const common = measuredServiceEnv();
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
          args["cpu-prof"]
            ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`, `--cpu-prof-name=tracing-${name}.cpuprofile`]
            : [],
        ),
      );
    }
    console.log(`logs in ${logDir}`);

    const wanted = new Set(args.scenarios.split(",").map((letter) => `(${letter.trim()})`));
    const scenarios = Object.fromEntries(
      Object.entries(coreSubgraphScenarios(fleet, database.url)).filter(([title]) => wanted.has(title.slice(0, 3))),
    );
    const rows = await measureInterleaved({
      variants: CONFIGURATIONS.map((name) => ({ name, target: targets.get(name) as RunningTarget, scenarios })),
      rounds: Number(args.rounds),
      durationS: Number(args.duration),
      warmupS: Number(args.warmup),
      connections: Number(args.connections),
      token,
    });
    console.log(`\nspans exported: ${(sink.bytes() / 1e6).toFixed(1)} MB of OTLP protobuf\n`);
    console.log(pairedTable(rows, "off"));
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
