// `npm run bench:noisy [-- --tenants 10000 --streams 48 --seconds 20]` (also the last part of
// `npm run bench:worst`). Issue 22's scenario: one tenant member sends `--streams` concurrent
// streams of the heaviest request its limits accept, each stream sending again as soon as it
// is answered, whatever the answer (a hostile client ignores Retry-After), for `--seconds`;
// meanwhile another tenant's admin and an operator each read every 100 ms. Prints the
// bystanders' p50/p99 under the noise next to their idle figures, their errors, what the noisy
// member got, /readyz, and the server's peak RSS. The built service runs with its defaults,
// as production does. Loopback only; every loop is bounded in time.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "graphql";
import { buildSubgraphSchema } from "../src/schema/index.ts";
import { signDevelopmentToken } from "../src/server/auth.ts";
import { loadConfig } from "../src/server/config.ts";
import { queryCost } from "../src/server/query-cost.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import { TENANT_FIELDS } from "../test/support/cost-shapes.ts";
import {
  BENCH_AUDIT_ENV,
  BENCH_AUDIT_SIGNER,
  BENCH_SECRET,
  cpuMs,
  createBenchDatabase,
  root,
  rssMb,
  run,
  startTarget,
} from "./harness.ts";
import { readFleet, seedFleet } from "./seed.ts";

const { values: args } = parseArgs({
  options: {
    tenants: { type: "string", default: "10000" },
    streams: { type: "string", default: "48" },
    seconds: { type: "string", default: "20" },
    idle: { type: "string", default: "10" },
  },
});

const limits = loadConfig({ NODE_ENV: "development" }).limits;
const BYSTANDER_INTERVAL_MS = 100;

interface Sample {
  ms: number;
  ok: boolean;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

/** The largest batch of other tenants' representations whose cost the tenant limit still accepts. */
function heaviestEntityBatch(otherTenantIds: readonly string[]): { query: string; variables: Record<string, unknown> } {
  const schema = buildSubgraphSchema();
  const query = `query Noisy($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id slug name status } } }`;
  const build = (size: number) => ({
    r: Array.from({ length: size }, (_, index) => ({
      __typename: "Tenant",
      id: otherTenantIds[index % otherTenantIds.length],
    })),
  });
  let low = 1;
  let high = limits.maxEntityRepresentations;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (queryCost(schema, parse(query), build(middle), undefined) <= limits.maxCostTenant) low = middle;
    else high = middle - 1;
  }
  return { query, variables: build(low) };
}

const database = await createBenchDatabase();
const logDir = await mkdtemp(join(tmpdir(), "bench-noisy-"));
try {
  await applyMigrations(database.url);
  await seedFleet(database.url, { tenants: Number(args.tenants), signer: BENCH_AUDIT_SIGNER });
  const fleet = await readFleet(database.url);
  const [noisyTenant, quietTenant] = fleet.activeTenantIds as [string, string];
  await run(process.execPath, ["scripts/build.mjs"]);
  const server = await startTarget(
    {
      name: "subgraph",
      command: [process.execPath, "--max-semi-space-size=64", "dist/main.js"],
      env: { AUTH_JWT_SECRET: BENCH_SECRET, PORT: "0", NODE_ENV: "production", ...BENCH_AUDIT_ENV, LOG_LEVEL: "info" },
    },
    database.url,
    join(logDir, "subgraph.log"),
  );
  const pid = server.process.pid as number;
  const url = `${server.origin}/graphql`;
  const token = (claims: { sub: string; scope: string; tenantId?: string }) =>
    signDevelopmentToken(BENCH_SECRET, { ...claims, expiresIn: "1h" });
  const noisyToken = await token({ sub: "noisy-member", scope: "tenant:member", tenantId: noisyTenant });
  const bystanders = [
    {
      name: "another tenant's admin",
      token: await token({ sub: "quiet-admin", scope: "tenant:admin", tenantId: quietTenant }),
      body: JSON.stringify({ query: `query Own { viewerTenant { ${TENANT_FIELDS} } }` }),
    },
    {
      name: "operator",
      token: await token({ sub: "on-call", scope: "platform:operator" }),
      body: JSON.stringify({
        query: `query One($id: ID!) { tenant(id: $id) { id slug name status } }`,
        variables: { id: quietTenant },
      }),
    },
  ];
  const post = async (bearer: string, body: string) => {
    const startedAt = performance.now();
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
      body,
    });
    const parsed = (await response.json()) as { errors?: unknown[] };
    return { status: response.status, ms: performance.now() - startedAt, ok: response.ok && !parsed.errors };
  };

  /** Each bystander reads every 100 ms until `until`. */
  const watch = async (until: number) =>
    Promise.all(
      bystanders.map(async (bystander) => {
        const samples: Sample[] = [];
        while (performance.now() < until) {
          const next = performance.now() + BYSTANDER_INTERVAL_MS;
          const answer = await post(bystander.token, bystander.body).catch(() => ({ ms: Number.NaN, ok: false }));
          samples.push({ ms: answer.ms, ok: answer.ok });
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
        }
        return samples;
      }),
    );

  // Idle: the bystanders alone.
  for (const bystander of bystanders)
    for (let index = 0; index < 20; index += 1) await post(bystander.token, bystander.body);
  const idle = await watch(performance.now() + Number(args.idle) * 1000);

  // Noise.
  const heavy = heaviestEntityBatch(fleet.tenantIds.filter((id) => id !== noisyTenant));
  const heavyBody = JSON.stringify(heavy);
  const representations = (heavy.variables["r"] as unknown[]).length;
  const rssBefore = await rssMb(pid);
  const cpuBefore = await cpuMs(pid);
  const noiseUntil = performance.now() + Number(args.seconds) * 1000;
  const ordersFile = join(logDir, "noisy-orders.json");
  await writeFile(
    ordersFile,
    JSON.stringify({
      url,
      token: noisyToken,
      body: heavyBody,
      streams: Number(args.streams),
      seconds: Number(args.seconds),
    }),
  );
  const noisy = spawn(process.execPath, ["--import", "tsx", "bench/noisy-streams.ts"], {
    cwd: root,
    env: { ...process.env, NOISY_ORDERS: ordersFile },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let noisyOutput = "";
  noisy.stdout.on("data", (chunk: Buffer) => (noisyOutput += chunk.toString()));
  const noisyDone = new Promise<Record<string, number>>((resolve, reject) =>
    noisy.once("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(noisyOutput) as Record<string, number>)
        : reject(new Error(`noisy streams exited ${code}`)),
    ),
  );
  let peakRss = rssBefore;
  let readyChecks = 0;
  let notReady = 0;
  const probes = (async () => {
    while (performance.now() < noiseUntil) {
      const response = await fetch(`${server.origin}/readyz`).catch(() => null);
      readyChecks += 1;
      if (response?.status !== 200) notReady += 1;
      peakRss = Math.max(peakRss, await rssMb(pid));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  const [underNoise, noisyStatuses] = await Promise.all([watch(noiseUntil), noisyDone, probes]);
  const serverCpuMs = (await cpuMs(pid)) - cpuBefore;
  await server.stop();

  const rows = [
    "| bystander | idle p50 ms | idle p99 ms | under noise p50 ms | under noise p99 ms | requests | errors |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  bystanders.forEach((bystander, index) => {
    const quiet = (idle[index] ?? []).map((sample) => sample.ms);
    const loud = underNoise[index] ?? [];
    const times = loud.map((sample) => sample.ms).filter((ms) => Number.isFinite(ms));
    rows.push(
      `| ${bystander.name} | ${percentile(quiet, 50).toFixed(1)} | ${percentile(quiet, 99).toFixed(1)} | ` +
        `${percentile(times, 50).toFixed(1)} | ${percentile(times, 99).toFixed(1)} | ${loud.length} | ${loud.filter((sample) => !sample.ok).length} |`,
    );
  });
  console.log(`\n${rows.join("\n")}\n`);
  const statuses = Object.entries(noisyStatuses)
    .map(([status, count]) => `${status}: ${count}`)
    .join(", ");
  console.log(
    `noisy member: ${args.streams} streams × ${args.seconds} s of _entities × ${representations} other tenants ` +
      `(the tenant limit's heaviest); answers ${statuses}`,
  );
  const noisyRequests = Object.values(noisyStatuses).reduce((sum, count) => sum + count, 0);
  console.log(
    `server CPU under noise: ${(serverCpuMs / Number(args.seconds) / 10).toFixed(0)} % of a core, ` +
      `${((serverCpuMs * 1000) / Math.max(1, noisyRequests)).toFixed(0)} µs per noisy request`,
  );
  console.log(
    `/readyz: ${readyChecks - notReady} of ${readyChecks} checks 200; server RSS ${rssBefore.toFixed(0)} MB before, ` +
      `${peakRss.toFixed(0)} MB peak`,
  );
} finally {
  await database.drop();
  await rm(logDir, { recursive: true, force: true });
}
