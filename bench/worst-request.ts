// `npm run bench:worst [-- --tenants 10000 --generated 200 --scenarios personas,memory --documents 200]`
// personas: the most expensive request the limits still accept, per persona, on a seeded fleet:
// requests built to sit just under each persona's cost limit, and generated ones (the generative
// attack test's generator), sent one at a time to the built service started as production runs
// it. For each accepted request: wall time, response size, SQL statements (counted on the wire)
// and the server's RSS. Prints the worst per persona (by time and by size) as a table.
// memory: a fresh production server receives `--documents` distinct heavy documents (each small
// to send, heavy to compile), each sent twice by an operator so that it compiles, and as many
// anonymous ones, each twice; prints the server's RSS before, at its peak and after, against
// MEMORY_CEILING_MB, and the compiled-operation cache's weight.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { parse } from "graphql";
import { apiSchemaOf } from "../src/federation/schema-check.ts";
import { buildSubgraphSchema, printSubgraphSdl } from "../src/schema/index.ts";
import { signDevelopmentToken } from "../src/server/auth.ts";
import { loadConfig } from "../src/server/config.ts";
import { queryCost } from "../src/server/query-cost.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import { heavyDocument } from "../test/support/heavy-documents.ts";
import { generatorChoices, OperationGenerator } from "../test/support/operation-generator.ts";
import { UNSPENDABLE_BUDGETS } from "../test/support/budgets.ts";
import {
  BENCH_AUDIT_ENV,
  BENCH_AUDIT_SIGNER,
  BENCH_SECRET,
  createBenchDatabase,
  rssMb,
  run,
  START_BUILT_FLAGS,
  startTarget,
  viaProxy,
  type RunningTarget,
} from "./harness.ts";
import { readFleet, seedFleet, type SeedOptions } from "./seed.ts";
import { startStatementProxy, type StatementProxy } from "./statement-proxy.ts";

const { values: args } = parseArgs({
  options: {
    tenants: { type: "string", default: "10000" },
    generated: { type: "string", default: "200" },
    scenarios: { type: "string", default: "personas,memory" },
    documents: { type: "string", default: "200" },
  },
});
const scenarios = new Set(args.scenarios.split(","));

/** What the service's RSS must stay under whatever documents it is sent (issue 22, design §6). */
const MEMORY_CEILING_MB = 512;
/** Aliased pages per heavy document: 612 fields once its fragments are expanded, ~2.4 MB compiled. */
const HEAVY_WIDTH = 4;
/** Requests in flight at once in the memory scenario. */
const MEMORY_CLIENTS = 4;

const limits = loadConfig({ NODE_ENV: "development" }).limits;
const costSchema = buildSubgraphSchema();

interface Persona {
  name: string;
  claims: { sub: string; scope: string; tenantId?: string };
  maxCost: number;
}

interface Candidate {
  label: string;
  query: string;
  variables: Record<string, unknown>;
}

interface Reading {
  persona: string;
  label: string;
  cost: number;
  ms: number;
  bytes: number;
  statements: number;
  rssMb: number;
}

const TENANT_FIELDS = `id slug name status createdAt updatedAt
  lifecycle { status statusReason statusMessage changedAt version badge { label tone icon }
    operability { viewable selectable actionable onboardingResumable monitoringReferenceable }
    availableTransitions { transition to reasonRequired permitted blockedReason } }
  onboarding { id status completedSteps currentStep resumable startedAt updatedAt }`;
const RUN_FIELDS = `id kind status badge { label tone icon } progress summary failureReason version createdAt
  startedAt finishedAt initiatedBy { type id }`;
const EVENT_FIELDS = `id sequence action operatorOverride reason changes requestId occurredAt hash previousHash
  actor { type id }`;

const cost = (candidate: Candidate) => queryCost(costSchema, parse(candidate.query), candidate.variables, undefined);

/** The largest `size` (1..max) for which `build(size)` stays within `maxCost`, or null when none does. */
function largestWithin(maxCost: number, max: number, build: (size: number) => Candidate): Candidate | null {
  let best: Candidate | null = null;
  for (let low = 1, high = max; low <= high;) {
    const middle = Math.floor((low + high) / 2);
    const candidate = build(middle);
    if (cost(candidate) <= maxCost) {
      best = candidate;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return best;
}

function craftedCandidates(persona: Persona, ids: { tenant: string; heavy: string; runs: string[] }): Candidate[] {
  const platform = persona.maxCost === limits.maxCost;
  const families: ((size: number) => Candidate)[] = platform
    ? [
        (size) => ({
          label: `tenants(first: 100) with ${size} runs and ${size} events each`,
          query: `query { tenants(first: 100) { totalCount edges { node { ${TENANT_FIELDS}
            operationRuns(first: ${size}) { totalCount edges { node { ${RUN_FIELDS} } } }
            auditEvents(first: ${size}) { totalCount edges { node { ${EVENT_FIELDS} } } } } } } }`,
          variables: {},
        }),
        (size) => ({
          label: `_entities × ${size} tenants with their first 20 runs`,
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { ${TENANT_FIELDS}
            operationRuns(first: 20) { edges { node { ${RUN_FIELDS} } } } } } }`,
          variables: { r: Array.from({ length: size }, () => ({ __typename: "Tenant", id: ids.heavy })) },
        }),
        (size) => ({
          label: `operationRuns(first: 100), each run's tenant with ${size} events`,
          query: `query { operationRuns(first: 100) { edges { node { ${RUN_FIELDS} tenant { ${TENANT_FIELDS}
            auditEvents(first: ${size}) { edges { node { ${EVENT_FIELDS} } } } } } } } }`,
          variables: {},
        }),
        (size) => ({
          label: `${size} × auditChain of a long chain`,
          query: `query($id: ID!) { ${Array.from({ length: size }, (_, index) => `c${index}: auditChain(tenantId: $id) { valid eventCount }`).join(" ")} }`,
          variables: { id: ids.heavy },
        }),
        (size) => ({
          label: `${size} × auditEvents(first: 100) pages, all fields`,
          query: `query { ${Array.from({ length: size }, (_, index) => `a${index}: auditEvents(first: 100) { totalCount edges { node { ${EVENT_FIELDS} } } }`).join(" ")} }`,
          variables: {},
        }),
      ]
    : [
        (size) => ({
          label: `own tenant with ${size} runs, ${size} events and ${size} history entries`,
          query: `query { viewerTenant { ${TENANT_FIELDS}
            operationRuns(first: ${size}) { totalCount edges { node { ${RUN_FIELDS} } } }
            auditEvents(first: ${size}) { totalCount edges { node { ${EVENT_FIELDS} } } }
            lifecycle { history(first: ${size}) { totalCount edges { node { ${EVENT_FIELDS} } } } } } }`,
          variables: {},
        }),
        (size) => ({
          label: `_entities × ${size} of the own tenant with 20 runs each`,
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { ${TENANT_FIELDS}
            operationRuns(first: 20) { edges { node { ${RUN_FIELDS} } } } } } }`,
          variables: { r: Array.from({ length: size }, () => ({ __typename: "Tenant", id: ids.tenant })) },
        }),
        (size) => ({
          label: `${size} aliases of operationRuns(first: 100)`,
          query: `query { ${Array.from({ length: size }, (_, index) => `r${index}: operationRuns(first: 100) { edges { node { ${RUN_FIELDS} } } }`).join(" ")} }`,
          variables: {},
        }),
      ];
  return families.flatMap((family) => largestWithin(persona.maxCost, 200, family) ?? []);
}

async function measure(
  server: RunningTarget,
  proxy: StatementProxy,
  token: string,
  persona: Persona,
  candidate: Candidate,
): Promise<Reading | null> {
  proxy.reset();
  const startedAt = performance.now();
  const response = await fetch(`${server.origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: candidate.query, variables: candidate.variables }),
  });
  const text = await response.text();
  const ms = performance.now() - startedAt;
  if (response.status >= 500) {
    const request = JSON.stringify({ query: candidate.query, variables: candidate.variables }).slice(0, 4_000);
    throw new Error(
      `${persona.name}: HTTP ${response.status} for ${candidate.label}: ${text.slice(0, 2_000)}\n${request}`,
    );
  }
  const body = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
  if (body.errors?.some((error) => error.extensions?.code === "INTERNAL_SERVER_ERROR")) {
    throw new Error(`${persona.name}: internal error for ${candidate.label}`);
  }
  // Only what the limits accepted counts: a refusal costs nothing.
  if (body.errors?.length) return null;
  return {
    persona: persona.name,
    label: candidate.label,
    cost: cost(candidate),
    ms,
    bytes: Buffer.byteLength(text),
    statements: proxy.count(),
    rssMb: await rssMb(server.process.pid as number),
  };
}

/**
 * The memory scenario against its own production server: RSS before, at its peak (sampled after
 * every response) and after, and the compiled cache's weight from /metrics.
 */
async function memoryScenario(databaseUrl: string, logFile: string, documents: number): Promise<boolean> {
  const server = await startTarget(
    {
      name: "subgraph (memory)",
      command: [process.execPath, ...START_BUILT_FLAGS, "dist/main.js"],
      // Each request's own limits are measured, not the caller's budget, which a persona sending
      // 200 requests in a row spends: with the defaults most of them would be 429s.
      env: {
        AUTH_JWT_SECRET: BENCH_SECRET,
        PORT: "0",
        NODE_ENV: "production",
        ...BENCH_AUDIT_ENV,
        ...UNSPENDABLE_BUDGETS,
        LOG_LEVEL: "info",
      },
    },
    databaseUrl,
    logFile,
  );
  const pid = server.process.pid as number;
  const token = await signDevelopmentToken(BENCH_SECRET, {
    sub: "m-operator",
    scope: "platform:operator",
    expiresIn: "1h",
  });
  const cacheMb = async () => {
    const text = await (await fetch(`${server.origin}/metrics`)).text();
    const value = /^graphql_compiled_cache_bytes (\S+)$/m.exec(text)?.[1];
    return value === undefined ? "n/a (no gauge)" : `${(Number(value) / 1024 / 1024).toFixed(0)} MB`;
  };
  let peak = 0;
  let failures = 0;
  const send = async (query: string, authorized: boolean) => {
    const response = await fetch(`${server.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorized ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { errors?: unknown[] };
    // An operator's document answers in full; an anonymous one with its refusals.
    if (response.status !== 200 || (authorized ? body.errors !== undefined : body.errors === undefined)) {
      failures += 1;
      if (failures === 1)
        console.log(`memory: unexpected answer ${response.status} ${JSON.stringify(body).slice(0, 500)}`);
    }
    peak = Math.max(peak, await rssMb(pid));
  };
  try {
    await send(heavyDocument(2 * documents, 1), true);
    const before = await rssMb(pid);
    const startedAt = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: MEMORY_CLIENTS }, async () => {
        for (let index = next++; index < documents; index = next++) {
          for (let sighting = 0; sighting < 2; sighting += 1) {
            await send(heavyDocument(index, HEAVY_WIDTH), true);
            await send(heavyDocument(documents + index, HEAVY_WIDTH), false);
          }
        }
      }),
    );
    const after = await rssMb(pid);
    console.log(
      `memory: ${documents} distinct heavy documents (${HEAVY_WIDTH} pages, ~${heavyDocument(0, HEAVY_WIDTH).length} B) ` +
        `sent twice by an operator and ${documents} sent twice anonymously, ${MEMORY_CLIENTS} clients, ` +
        `${Math.round((Date.now() - startedAt) / 1000)} s: server RSS before ${before.toFixed(0)} MB, ` +
        `peak ${peak.toFixed(0)} MB, after ${after.toFixed(0)} MB (ceiling ${MEMORY_CEILING_MB} MB); ` +
        `compiled cache ${await cacheMb()}; ${failures} unexpected answers`,
    );
    return peak <= MEMORY_CEILING_MB && failures === 0;
  } catch (error) {
    // A server killed by heap exhaustion is this scenario's failure, not the benchmark's crash.
    console.log(
      `memory: the server failed (peak RSS ${peak.toFixed(0)} MB, exit ${server.process.exitCode}): ${String(error)}`,
    );
    return false;
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- main
const startedAt = Date.now();
const database = await createBenchDatabase();
const logDir = await mkdtemp(join(tmpdir(), "bench-worst-"));
try {
  await applyMigrations(database.url);
  const seedOptions: SeedOptions = {
    tenants: Number(args.tenants),
    longHistories: { tenants: 20, historyPairs: 500, extraRuns: 300 },
  };
  const seeded = await seedFleet(database.url, { ...seedOptions, signer: BENCH_AUDIT_SIGNER });
  const fleet = await readFleet(database.url);
  const [heavy] = fleet.longHistoryTenantIds as [string];
  console.log(`seeded ${seeded.tenants} tenants, ${seeded.operationRuns} runs, ${seeded.auditEvents} events`);
  await run(process.execPath, ["scripts/build.mjs"]);
  if (scenarios.has("personas")) {
    const proxy = await startStatementProxy({ host: database.host, port: database.port });
    const server = await startTarget(
      {
        name: "subgraph",
        command: [process.execPath, ...START_BUILT_FLAGS, "dist/main.js"],
        env: {
          AUTH_JWT_SECRET: BENCH_SECRET,
          PORT: "0",
          NODE_ENV: "production",
          ...BENCH_AUDIT_ENV,
          LOG_LEVEL: "info",
        },
      },
      viaProxy(database.url, proxy.port),
      join(logDir, "subgraph.log"),
    );
    const personas: Persona[] = [
      { name: "platform:operator", claims: { sub: "w-operator", scope: "platform:operator" }, maxCost: limits.maxCost },
      { name: "support:read", claims: { sub: "w-support", scope: "support:read" }, maxCost: limits.maxCost },
      { name: "operations:write", claims: { sub: "w-worker", scope: "operations:write" }, maxCost: limits.maxCost },
      {
        name: "tenant:admin",
        claims: { sub: "w-admin", scope: "tenant:admin", tenantId: heavy },
        maxCost: limits.maxCostTenant,
      },
      {
        name: "tenant:member",
        claims: { sub: "w-member", scope: "tenant:member", tenantId: heavy },
        maxCost: limits.maxCostTenant,
      },
    ];
    const generator = new OperationGenerator(apiSchemaOf(printSubgraphSdl()), {
      tenantIds: [heavy, ...fleet.tenantIds.slice(0, 20)],
      tenantSlugs: fleet.tenantSlugs.slice(0, 3),
      runIds: fleet.runIds.slice(0, 20),
      cursors: [],
    });
    const readings: Reading[] = [];
    let peakRss = 0;
    for (const persona of personas) {
      const token = await signDevelopmentToken(BENCH_SECRET, { ...persona.claims, expiresIn: "1h" });
      const generated = fc
        .sample(generatorChoices, {
          numRuns: Number(args.generated),
          seed: 42,
        })
        .map((choices, index) => ({ label: `generated #${index}`, ...generator.generate(choices) }));
      const candidates = [...craftedCandidates(persona, { tenant: heavy, heavy, runs: fleet.runIds }), ...generated];
      for (const candidate of candidates) {
        const reading = await measure(server, proxy, token, persona, candidate);
        if (!reading) continue;
        readings.push(reading);
        peakRss = Math.max(peakRss, reading.rssMb);
      }
      const mine = readings.filter((reading) => reading.persona === persona.name);
      console.log(`${persona.name}: ${mine.length} of ${candidates.length} requests accepted`);
    }
    await server.stop();
    await proxy.close();

    const rows: string[] = [
      "| persona | worst by | request | cost | time ms | response KB | SQL | server RSS MB |",
      "|---|---|---|---:|---:|---:|---:|---:|",
    ];
    for (const persona of personas) {
      const mine = readings.filter((reading) => reading.persona === persona.name);
      const slowest = mine.reduce((a, b) => (b.ms > a.ms ? b : a));
      const largest = mine.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      for (const [by, reading] of [
        ["time", slowest],
        ["size", largest],
      ] as const) {
        rows.push(
          `| ${persona.name} | ${by} | ${reading.label} | ${reading.cost} | ${reading.ms.toFixed(0)} | ${(reading.bytes / 1024).toFixed(0)} | ${reading.statements} | ${reading.rssMb.toFixed(0)} |`,
        );
      }
    }
    console.log(`\n${rows.join("\n")}\n`);
    console.log(
      `limits: cost ${limits.maxCost} platform / ${limits.maxCostTenant} tenant; peak server RSS ${peakRss.toFixed(0)} MB; ` +
        `${readings.length} accepted requests measured in ${Math.round((Date.now() - startedAt) / 1000)} s`,
    );
    const over = readings.filter((reading) => reading.ms > 1_000 || reading.bytes > 10 * 1024 * 1024);
    if (over.length > 0) {
      console.log(
        `accepted requests over 1 s or 10 MB: ${over.map((reading) => `${reading.persona} ${reading.label}`).join("; ")}`,
      );
      process.exitCode = 1;
    }
  }
  if (
    scenarios.has("memory") &&
    !(await memoryScenario(database.url, join(logDir, "memory.log"), Number(args.documents)))
  ) {
    process.exitCode = 1;
  }
} finally {
  await database.drop();
  await rm(logDir, { recursive: true, force: true });
}
