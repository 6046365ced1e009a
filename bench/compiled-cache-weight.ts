// `node --expose-gc --import tsx bench/compiled-cache-weight.ts` (TEST_DATABASE_URL, or an
// embedded PostgreSQL): what one compiled operation retains, measured, against the estimate
// the compiled-operation cache is bounded by (src/server/compiled-weight.ts). The real server
// runs in this process over a small fleet; for each family of documents, K distinct documents
// are sent once (interpreted: Apollo's and the cost analysis's caches take what they keep), the
// heap measured after a full GC, then each sent again (compiled and run once), the heap measured
// again. The difference per document is what compiling it retained; the estimate is the growth
// of `graphql_compiled_cache_bytes` per document.
import { parse } from "graphql";
import { buildSubgraphSchema } from "../src/schema/index.ts";
import { expandedFieldCount } from "../src/server/compiled-weight.ts";
import { onboardingTenant } from "../test/support/fixtures.ts";
import { heavyDocument } from "../test/support/heavy-documents.ts";
import { TENANT_FIELDS } from "../test/support/operations.ts";
import { personas } from "../test/support/personas.ts";
import { startTestServer } from "../test/support/test-server.ts";
import { applyMigrations } from "../src/services/database/migrations.ts";
import { createBenchDatabase } from "./harness.ts";

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error("run with node --expose-gc");
const K = 20;
const schema = buildSubgraphSchema();

const families: { name: string; document: (index: number) => string }[] = [
  { name: "one field", document: (index) => `query One${index} { v${index}: viewerTenant { id } }` },
  {
    name: "10 tenant(id) { id name }",
    document: (index) =>
      `query Small${index} { ${Array.from({ length: 10 }, (_, k) => `t${k}_${index}: tenant(slug: "x") { id name }`).join(" ")} }`,
  },
  {
    name: "3 tenant pages, plain fields",
    document: (index) =>
      `query Flat${index} { ${Array.from({ length: 3 }, (_, k) => `t${k}_${index}: tenants(first: 1) { edges { node { ${TENANT_FIELDS} } } }`).join(" ")} }`,
  },
  {
    name: "20 tenant pages, plain fields",
    document: (index) =>
      `query Wide${index} { ${Array.from({ length: 20 }, (_, k) => `t${k}_${index}: tenants(first: 1) { edges { node { ${TENANT_FIELDS} } } }`).join(" ")} }`,
  },
  { name: "heavyDocument(width 1)", document: (index) => heavyDocument(index, 1) },
  { name: "heavyDocument(width 4)", document: (index) => heavyDocument(index, 4) },
  { name: "heavyDocument(width 10)", document: (index) => heavyDocument(index, 10) },
  {
    name: "one field and a 100 KB string",
    document: (index) => `query Long${index} { v${index}: tenant(slug: "${"x".repeat(100_000)}") { id } }`,
  },
];

const database = await createBenchDatabase();
await applyMigrations(database.url);
const server = await startTestServer({
  databaseUrl: database.url,
  env: { GRAPHQL_COMPILED_CACHE_BYTES: String(8 * 1024 ** 3) },
});
const metricsUrl = server.url.replace(/\/graphql$/, "/metrics");
const cacheBytes = async () =>
  Number(/^graphql_compiled_cache_bytes (\S+)$/m.exec(await (await fetch(metricsUrl)).text())?.[1] ?? NaN);
const heapAfterGc = () => {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
};

try {
  await onboardingTenant(server);
  console.log(
    "| documents | document bytes | expanded fields | measured KB/op | estimated KB/op | measured / estimated |",
  );
  console.log("|---|---:|---:|---:|---:|---:|");
  let offset = 0;
  for (const family of families) {
    const documents = Array.from({ length: K }, (_, index) => family.document(offset + index));
    offset += K;
    const send = async (query: string) => {
      const { status, body } = await server.request(query, {}, { as: personas.operator });
      if (status !== 200 || body.errors?.length) throw new Error(`${family.name}: ${status} ${JSON.stringify(body)}`);
    };
    for (const document of documents) await send(document);
    const interpreted = heapAfterGc();
    const weightBefore = await cacheBytes();
    for (const document of documents) await send(document);
    const compiled = heapAfterGc();
    const measured = (compiled - interpreted) / K;
    const estimated = ((await cacheBytes()) - weightBefore) / K;
    const first = parse(documents[0] as string);
    const fields = expandedFieldCount(schema, first, first.definitions[0] as never);
    console.log(
      `| ${family.name} | ${(documents[0] as string).length} | ${fields} | ${(measured / 1024).toFixed(0)} | ${(estimated / 1024).toFixed(0)} | ${(measured / estimated).toFixed(2)} |`,
    );
  }
} finally {
  await server.close();
  await database.drop();
}
