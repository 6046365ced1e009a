// `npm run bench:calibrate [-- --tenants 6000]`
// What a cost point buys in CPU: representative request shapes, each at a few sizes, sent one at
// a time to the service started as production runs it; for each, the server's CPU per request
// (from /proc, over repeated sends after the operation is compiled) against the cost the
// service charged (`extensions.cost.requestedQueryCost`). Prints µs of CPU per cost point; the
// design's budget (design §6) holds while every shape stays near or under it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { signDevelopmentToken } from "../src/server/auth.ts";
import { COST_BUDGET_MICROSECONDS_PER_POINT } from "../src/server/query-cost.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import { CALIBRATION_SHAPES, type ShapeCaller } from "../test/support/cost-shapes.ts";
import {
  BENCH_AUDIT_ENV,
  BENCH_AUDIT_SIGNER,
  BENCH_SECRET,
  cpuMs,
  createBenchDatabase,
  startTarget,
} from "./harness.ts";
import { readFleet, seedFleet } from "./seed.ts";
import { UNSPENDABLE_BUDGETS } from "../test/support/budgets.ts";

const { values: args } = parseArgs({ options: { tenants: { type: "string", default: "6000" } } });

/** Sends until the server has spent this much CPU on the shape (the /proc clock ticks in 10 ms). */
const CPU_TO_MEASURE_MS = 400;
const MAX_SENDS = 60;

const database = await createBenchDatabase();
const logDir = await mkdtemp(join(tmpdir(), "bench-calibrate-"));
try {
  await applyMigrations(database.url);
  await seedFleet(database.url, { tenants: Number(args.tenants), signer: BENCH_AUDIT_SIGNER });
  const fleet = await readFleet(database.url);
  const server = await startTarget(
    {
      name: "subgraph",
      command: [process.execPath, "--import", "tsx", "src/main.ts"],
      env: {
        AUTH_JWT_SECRET: BENCH_SECRET,
        PORT: "0",
        NODE_ENV: "production",
        ...BENCH_AUDIT_ENV,
        LOG_LEVEL: "info",
        ...UNSPENDABLE_BUDGETS,
      },
    },
    database.url,
    join(logDir, "subgraph.log"),
  );
  const pid = server.process.pid as number;
  const [own] = fleet.activeTenantIds as [string];
  const tokens: Record<ShapeCaller, string | null> = {
    operator: await signDevelopmentToken(BENCH_SECRET, { sub: "c-operator", scope: "platform:operator" }),
    member: await signDevelopmentToken(BENCH_SECRET, { sub: "c-member", scope: "tenant:member", tenantId: own }),
    anonymous: null,
  };
  const send = async (caller: ShapeCaller, body: string) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const token = tokens[caller];
    if (token) headers["authorization"] = `Bearer ${token}`;
    const response = await fetch(`${server.origin}/graphql`, { method: "POST", headers, body });
    const parsed = (await response.json()) as { extensions?: { cost?: { requestedQueryCost?: number } } };
    return { status: response.status, cost: parsed.extensions?.cost?.requestedQueryCost ?? 0 };
  };

  const rows = ["| shape | caller | cost | CPU ms/request | µs per point |", "|---|---|---:|---:|---:|"];
  let worst = 0;
  for (const shape of CALIBRATION_SHAPES) {
    for (const size of shape.sizes) {
      const { query, variables } = shape.build(size, { tenantIds: fleet.tenantIds, ownTenantId: own });
      const body = JSON.stringify({ query, variables });
      // Twice to be compiled, once more to be warm.
      for (let index = 0; index < 3; index += 1) await send(shape.caller, body);
      const before = await cpuMs(pid);
      let sends = 0;
      let cost = 0;
      while (sends < MAX_SENDS && (await cpuMs(pid)) - before < CPU_TO_MEASURE_MS) {
        const answer = await send(shape.caller, body);
        if (answer.status !== 200) throw new Error(`${shape.label} × ${size}: HTTP ${answer.status}`);
        cost = answer.cost;
        sends += 1;
      }
      const perRequest = ((await cpuMs(pid)) - before) / sends;
      const perPoint = cost > 0 ? (perRequest * 1000) / cost : 0;
      worst = Math.max(worst, perPoint);
      rows.push(
        `| ${shape.label} × ${size} | ${shape.caller} | ${cost} | ${perRequest.toFixed(2)} | ${perPoint.toFixed(2)} |`,
      );
    }
  }
  await server.stop();
  console.log(`\n${rows.join("\n")}\n`);
  console.log(
    `budget ${COST_BUDGET_MICROSECONDS_PER_POINT} µs per point; worst shape ${worst.toFixed(2)} µs per point ` +
      `(CPU from /proc in 10 ms ticks, ≥ ${CPU_TO_MEASURE_MS} ms per shape)`,
  );
} finally {
  await database.drop();
  await rm(logDir, { recursive: true, force: true });
}
