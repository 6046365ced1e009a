// docs/design.md §6, tried by generated requests instead of hand-picked ones: random operations
// built from the served schema (nested connections, aliases, fragments, variables with extreme
// values, `_entities` batches), for every persona, against the real server on a seeded
// database. Each must be refused with a client-class error or answered within a time and size
// budget, never with a 5xx or an internal error, and the process's memory must stay bounded.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFleet, seedFleet } from "../../bench/seed.ts";
import { apiSchemaOf } from "../../src/federation/schema-check.ts";
import { printSubgraphSdl } from "../../src/schema/index.ts";
import { canonicalJson, type JsonValue } from "../../src/services/canonical-json.ts";
import { activeTenant, draftTenant, onboardingTenant, queuedRun, transition } from "../support/fixtures.ts";
import { OperationGenerator, type GeneratorPool } from "../support/operation-generator.ts";
import { personas, tenantAdmin, tenantMember, type Persona } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const RUNS = Number(process.env["GENERATED_ATTACK_RUNS"] ?? 300);
const COMPARED_RUNS = Number(process.env["GENERATED_COMPARISON_RUNS"] ?? 200);
const TIME_BUDGET_MS = 1_000;
const SIZE_BUDGET_BYTES = 10 * 1024 * 1024;
/** Above the test process's own footprint (server, vitest, fixtures). */
const RSS_GROWTH_BUDGET_BYTES = 512 * 1024 * 1024;
const CLIENT_CLASS_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "QUERY_TOO_COMPLEX",
  "REQUEST_LIMIT_EXCEEDED",
]);

let server: TestServer;
let generator: OperationGenerator;
let personaList: (Persona | null)[];

beforeAll(async () => {
  server = await startTestServer();
  const tenants = [];
  for (let index = 0; index < 8; index += 1) tenants.push(await activeTenant(server, { reason: `seeded ${index}` }));
  tenants.push(await draftTenant(server), await onboardingTenant(server));
  const runIds: string[] = [];
  for (const tenant of tenants.slice(0, 6)) {
    for (let index = 0; index < 4; index += 1) runIds.push(await queuedRun(server, tenant.id));
    await transition(server, tenant.id, "SUSPEND", { reason: "seeded suspension" });
    await transition(server, tenant.id, "REACTIVATE");
  }
  // A fleet behind them, and a few tenants with long run lists, so pages come back full.
  await seedFleet(server.databaseUrl, { tenants: 500, append: true });
  const fleet = await readFleet(server.databaseUrl, 500);
  await server.database.pool.query(
    `INSERT INTO operation_runs (id, tenant_id, kind, status, summary, initiated_by_type, initiated_by_id, created_at, updated_at)
     SELECT gen_random_uuid(), tenant_id, 'DATA_EXPORT', 'FAILED', repeat('s', 500), 'OPERATOR', 'seed', at, at
     FROM unnest($1::uuid[]) AS t(tenant_id), generate_series(1, 300) AS n,
       LATERAL (SELECT now() - n * interval '1 minute' AS at) times`,
    [fleet.activeTenantIds.slice(0, 5)],
  );
  const cursors = await server.data<{ tenants: { pageInfo: { endCursor: string } } }>(
    `{ tenants(first: 2) { pageInfo { endCursor } } }`,
    {},
    { as: personas.operator },
  );
  const pool: GeneratorPool = {
    tenantIds: [...tenants.map((tenant) => tenant.id), ...fleet.activeTenantIds.slice(0, 10)],
    tenantSlugs: tenants.map((tenant) => tenant.slug),
    runIds: [...runIds, ...fleet.runIds.slice(0, 20)],
    cursors: [cursors.tenants.pageInfo.endCursor],
  };
  // Built from the printed SDL, in this test's own copy of graphql-js.
  generator = new OperationGenerator(apiSchemaOf(printSubgraphSdl()), pool);
  const own = tenants[0] as { id: string };
  personaList = [
    personas.operator,
    personas.supportRead,
    personas.supportLifecycle,
    personas.worker,
    tenantAdmin(own.id),
    tenantMember(own.id),
    { sub: "mixed-1", scope: "tenant:admin platform:operator support:* operations:write", tenantId: own.id },
    null,
  ];
}, 120_000);
afterAll(async () => {
  await server?.close();
});

interface Outcome {
  status: number;
  ms: number;
  bytes: number;
  codes: string[];
}

async function send(query: string, variables: Record<string, unknown>, persona: Persona | null): Promise<Outcome> {
  const startedAt = performance.now();
  const { status, body, raw } = await server.request(query, variables, { as: persona });
  return {
    status,
    ms: performance.now() - startedAt,
    bytes: Buffer.byteLength(raw),
    codes: (body.errors ?? []).map((error) => String(error.extensions?.["code"] ?? "")),
  };
}

describe("generated operations", () => {
  it(`${RUNS} random operations across personas are refused cleanly or answered within budget`, async () => {
    const baseline = process.memoryUsage().rss;
    let peakRss = baseline;
    const tally = { answered: 0, refused: 0, slowest: 0, largest: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1_000 }),
        fc.array(fc.nat({ max: 1_000_000 }), { minLength: 50, maxLength: 1_000 }),
        async (personaChoice, choices) => {
          const persona = personaList[personaChoice % personaList.length] ?? null;
          const { query, variables } = generator.generate(choices);
          const outcome = await send(query, variables, persona);
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
          tally.slowest = Math.max(tally.slowest, outcome.ms);
          tally.largest = Math.max(tally.largest, outcome.bytes);
          const context = JSON.stringify({ persona: persona?.scope ?? "anonymous", query, outcome }).slice(0, 2_000);
          expect(outcome.status, context).toBeLessThan(500);
          expect(outcome.codes, context).not.toContain("INTERNAL_SERVER_ERROR");
          const refused = outcome.codes.some((code) => CLIENT_CLASS_CODES.has(code));
          if (process.env["GENERATED_ATTACK_DEBUG"])
            console.log(outcome.codes.join(",") || "ok", outcome.bytes, query.slice(0, 300));
          if (refused) tally.refused += 1;
          else tally.answered += 1;
          expect(outcome.ms, context).toBeLessThan(TIME_BUDGET_MS);
          expect(outcome.bytes, context).toBeLessThan(SIZE_BUDGET_BYTES);
          expect(peakRss - baseline, context).toBeLessThan(RSS_GROWTH_BUDGET_BYTES);
        },
      ),
      { numRuns: RUNS, interruptAfterTimeLimit: 120_000 },
    );
    console.info(
      `[generated] ${RUNS} operations: ${tally.answered} answered, ${tally.refused} refused; slowest ${Math.round(tally.slowest)} ms, ` +
        `largest ${Math.round(tally.largest / 1024)} KB, RSS +${Math.round((peakRss - baseline) / 1024 / 1024)} MB`,
    );
    // The generator must reach both sides of the limits, or it tests nothing.
    expect(tally.answered).toBeGreaterThan(RUNS / 10);
    expect(tally.refused).toBeGreaterThan(RUNS / 20);
    // And the server is still healthy.
    expect((await send(`{ lifecycleTransitions { transition } }`, {}, personas.operator)).codes).toEqual([]);
  }, 300_000);
});

type Answer = Awaited<ReturnType<TestServer["request"]>>;

/**
 * The compiled answer is the interpreted one: same status, same data, and the same errors as a
 * set — they come in the order their resolvers failed, which neither executor fixes (nor does
 * the spec). One freedom: where errors raced to null an object (or the whole response), graphql-js
 * keeps the first to fail and drops its siblings' errors, while graphql-jit lists those that had
 * failed by then; which ones won is timing. So an error that only one answer lists must lie under
 * a value that is null in the data, and an answer has errors exactly when the other has.
 */
function expectSameAnswer(compiled: Answer, interpreted: Answer, context: string) {
  expect(compiled.status, context).toBe(interpreted.status);
  expect(compiled.body.data, context).toEqual(interpreted.body.data);
  const listed = (answer: Answer) =>
    new Map((answer.body.errors ?? []).map((error) => [canonicalJson(error as JsonValue), error]));
  const compiledErrors = listed(compiled);
  const interpretedErrors = listed(interpreted);
  expect(compiledErrors.size > 0, context).toBe(interpretedErrors.size > 0);
  for (const [own, other, executor] of [
    [compiledErrors, interpretedErrors, "graphql-jit"],
    [interpretedErrors, compiledErrors, "graphql-js"],
  ] as const) {
    for (const [key, error] of own) {
      if (other.has(key)) continue;
      const underNull = liesUnderNull(interpreted.body.data, error.path ?? []);
      expect(underNull, `${context}: only ${executor} lists ${key}`).toBe(true);
    }
  }
}

function liesUnderNull(data: unknown, path: readonly (string | number)[]): boolean {
  let value: unknown = data;
  for (const segment of [null, ...path]) {
    if (segment !== null) value = (value as Record<string | number, unknown>)[segment];
    if (value === null) return true;
    if (value === undefined || typeof value !== "object") return false;
  }
  return false;
}

describe("the compiled executor (GRAPHQL_EXECUTOR=compiled, the default)", () => {
  it("answers every generated read as the interpreter did the first time it was sent", async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1_000 }),
        fc.array(fc.nat({ max: 1_000_000 }), { minLength: 50, maxLength: 1_000 }),
        async (personaChoice, choices) => {
          const persona = personaList[personaChoice % personaList.length] ?? null;
          const { query, variables } = generator.generate(choices);
          // A mutation would change what the second request reads.
          if (/^\s*mutation\b/.test(query)) return;
          // An operation's first request is interpreted by graphql-js, later ones run compiled.
          const interpreted = await server.request(query, variables, { as: persona });
          const compiled = await server.request(query, variables, { as: persona });
          const again = await server.request(query, variables, { as: persona });
          const context = JSON.stringify({ persona: persona?.scope ?? "anonymous", query }).slice(0, 2_000);
          expectSameAnswer(compiled, interpreted, context);
          expectSameAnswer(again, interpreted, context);
          compared += 1;
        },
      ),
      { numRuns: COMPARED_RUNS, interruptAfterTimeLimit: 120_000 },
    );
    expect(compared).toBeGreaterThan(50);
  }, 300_000);
});
