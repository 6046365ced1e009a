// Design §6, "Cost calibration": a cost point is worth at most COST_BUDGET_MICROSECONDS_PER_POINT
// of CPU. The service is started as users start it; for the widest shapes each persona may send
// (test/support/cost-shapes.ts), its own CPU per request (from /proc) must stay within twice
// what the cost allows above the smallest request's. Were a shape underpriced by the model —
// as `_entities` was at 1 point a representation (~14 µs each) — this fails. Not a timing test:
// CPU time of the server process, not wall time, and a factor of two of slack.
import { TEST_AUDIT_SIGNER } from "../support/audit-keys.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpuMs } from "../../bench/harness.ts";
import { readFleet, seedFleet } from "../../bench/seed.ts";
import { signDevelopmentToken } from "../../src/server/auth.ts";
import { COST_BUDGET_MICROSECONDS_PER_POINT } from "../../src/server/query-cost.ts";
import { CALIBRATION_SHAPES, type CalibrationShape, type ShapeCaller } from "../support/cost-shapes.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { TEST_JWT_SECRET } from "../support/personas.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";
import { UNSPENDABLE_BUDGETS } from "../support/budgets.ts";

/** Server CPU to spend on each shape: the /proc clock ticks in 10 ms. */
const CPU_TO_MEASURE_MS = 250;
const MAX_SENDS = 40;
const SLACK = 2;

let database: TestDatabase;
let server: ServerProcess;
let tenantIds: string[];
let ownTenantId: string;
const tokens = new Map<ShapeCaller, string | null>();

beforeAll(async () => {
  database = await createTestDatabase();
  await seedFleet(database.url, { tenants: 3_000, signer: TEST_AUDIT_SIGNER });
  const fleet = await readFleet(database.url);
  tenantIds = fleet.tenantIds;
  ownTenantId = fleet.activeTenantIds[0] as string;
  server = await startServerProcess({
    DATABASE_URL: database.url,
    NODE_ENV: "production",
    ...UNSPENDABLE_BUDGETS,
  });
  tokens.set("operator", await signDevelopmentToken(TEST_JWT_SECRET, { sub: "cal-op", scope: "platform:operator" }));
  tokens.set(
    "member",
    await signDevelopmentToken(TEST_JWT_SECRET, { sub: "cal-member", scope: "tenant:member", tenantId: ownTenantId }),
  );
  tokens.set("anonymous", null);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

/** The server's CPU per request for a shape at a size, and the cost it charged. */
async function measure(shape: CalibrationShape, size: number): Promise<{ cpuMs: number; cost: number }> {
  const { query, variables } = shape.build(size, { tenantIds, ownTenantId });
  const body = JSON.stringify({ query, variables });
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = tokens.get(shape.caller);
  if (token) headers["authorization"] = `Bearer ${token}`;
  const send = async () => {
    const response = await fetch(server.url, { method: "POST", headers, body });
    const parsed = (await response.json()) as {
      errors?: unknown[];
      extensions?: { cost?: { requestedQueryCost: number } };
    };
    expect(response.status, `${shape.label} × ${size}`).toBe(200);
    expect(parsed.errors, `${shape.label} × ${size}`).toBeUndefined();
    return parsed.extensions?.cost?.requestedQueryCost ?? Number.NaN;
  };
  for (let index = 0; index < 3; index += 1) await send(); // compiled from the second, warm by the third
  const before = await cpuMs(server.pid);
  let sends = 0;
  let cost = Number.NaN;
  while (sends < MAX_SENDS && (await cpuMs(server.pid)) - before < CPU_TO_MEASURE_MS) {
    cost = await send();
    sends += 1;
  }
  return { cpuMs: ((await cpuMs(server.pid)) - before) / sends, cost };
}

const shape = (label: string) => CALIBRATION_SHAPES.find((candidate) => candidate.label === label) as CalibrationShape;

describe("the cost model", () => {
  it("charges the widest shapes at least what they cost in CPU, within a factor of two", async () => {
    const smallest = await measure(shape("tenant by id"), 1);
    const cases: [string, number][] = [
      ["_entities { id }", 4_000],
      ["_entities { id } of other tenants (hidden)", 2_400],
      ["_entities with every tenant field", 300],
      ["tenants page with every field and 5 runs each", 100],
      ["auditEvents page with every field", 100],
    ];
    const report: string[] = [];
    for (const [label, size] of cases) {
      const { cpuMs: spent, cost } = await measure(shape(label), size);
      const allowed = SLACK * (smallest.cpuMs + (cost * COST_BUDGET_MICROSECONDS_PER_POINT) / 1000);
      report.push(`${label} × ${size}: cost ${cost}, ${spent.toFixed(1)} ms CPU, allowed ${allowed.toFixed(1)} ms`);
      expect(spent, report.join("\n")).toBeLessThanOrEqual(allowed);
    }
    console.info(`[calibration] smallest request ${smallest.cpuMs.toFixed(1)} ms CPU\n${report.join("\n")}`);
  }, 240_000);
});
