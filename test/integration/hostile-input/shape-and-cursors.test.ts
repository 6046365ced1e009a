// Hostile input, part 5 of 6 (test/support/hostile-cases.ts runs the cases): query shape and page
// size limits (depth, aliases, directives, tokens, cost, `first` on every connection), and cursors
// this API did not produce or that name positions PostgreSQL cannot hold.
import { afterAll, beforeAll, describe, expect } from "vitest";
import { draftTenant, queuedRun, type TenantFixture } from "../../support/fixtures.ts";
import {
  answered,
  badCursor,
  badFirst,
  badInput,
  base64url,
  cursorOf,
  field,
  invalidQuery,
  MISSING_ID,
  nullField,
  parseFailed,
  Q,
  tooComplex,
  hostileHarness,
  type HostileCase,
} from "../../support/hostile-cases.ts";
import { personas } from "../../support/personas.ts";

const h = hostileHarness();
const { gql } = h;

interface Fixture {
  active: TenantFixture;
  other: TenantFixture;
  runId: string;
  cursors: { tenants: string; runs: string; audit: string; tenantAudit: string; otherTenantAudit: string };
}

let fx: Fixture;

beforeAll(async () => {
  const { active } = await h.start();
  const other = await draftTenant(h.main, "Other");
  const runId = await queuedRun(h.main, active.id);
  const page = await h.main.data<{
    tenants: { pageInfo: { endCursor: string } };
    operationRuns: { pageInfo: { endCursor: string } };
    auditEvents: { pageInfo: { endCursor: string } };
    a: { auditEvents: { pageInfo: { endCursor: string } } };
    b: { auditEvents: { pageInfo: { endCursor: string } } };
  }>(
    `query Cursors($a: ID!, $b: ID!) {
      tenants(first: 1) { pageInfo { endCursor } }
      operationRuns(first: 1) { pageInfo { endCursor } }
      auditEvents(first: 1) { pageInfo { endCursor } }
      a: tenant(id: $a) { auditEvents(first: 1) { pageInfo { endCursor } } }
      b: tenant(id: $b) { auditEvents(first: 1) { pageInfo { endCursor } } }
    }`,
    { a: active.id, b: other.id },
    { as: personas.operator },
  );
  fx = {
    active,
    other,
    runId,
    cursors: {
      tenants: page.tenants.pageInfo.endCursor,
      runs: page.operationRuns.pageInfo.endCursor,
      audit: page.auditEvents.pageInfo.endCursor,
      tenantAudit: page.a.auditEvents.pageInfo.endCursor,
      otherTenantAudit: page.b.auditEvents.pageInfo.endCursor,
    },
  };
  await h.seal({ tenants: [active.id, other.id], runs: [runId] });
});

afterAll(async () => {
  await h.close();
});

// ------------------------------------------------------------------ the cases

const aliases = (count: number, selection: string) =>
  Array.from({ length: count }, (_, index) => `a${index}: ${selection}`).join(" ");

let deepSelection = "id";

for (let level = 0; level < 4; level += 1)
  deepSelection = `tenant { operationRuns { edges { node { ${deepSelection} } } } }`;

const shapeCases: HostileCase[] = [
  {
    name: "query nested past the depth limit",
    call: gql(`query Deep { operationRun(id: "${MISSING_ID}") { ${deepSelection} } }`),
    expect: invalidQuery(/depth limit of 12 exceeded/),
  },
  {
    name: "31 aliases of a real field",
    call: gql(`{ ${aliases(31, "lifecycleTransitions { transition }")} }`),
    expect: invalidQuery(/Aliases limit of 30 exceeded, found 31/),
  },
  {
    name: "40 aliases of __typename (counted like any other alias)",
    call: gql(`{ ${aliases(40, "__typename")} }`),
    expect: invalidQuery(/Aliases limit of 30 exceeded, found 40/),
  },
  {
    name: "60 directives",
    call: gql(`{ ${aliases(60, "__typename @skip(if: false)")} }`),
    expect: invalidQuery(/Directives limit of 50 exceeded, found 60/),
  },
  {
    name: "unknown directive",
    call: gql(`{ __typename @evil(payload: "x") }`),
    expect: invalidQuery(/Unknown directive "@evil"/),
  },
  {
    name: "2 500 tokens",
    call: gql(`{ ${"__typename ".repeat(2500)} }`),
    expect: parseFailed(/Document contains more th\w+ 2000 tokens/),
  },
  {
    name: "2 500 tokens of invalid syntax",
    call: gql(`{ ${"(".repeat(2500)} }`),
    expect: parseFailed(/Syntax Error/),
  },
  {
    name: "a 500 KB comment",
    call: gql(`# ${"x".repeat(500_000)}\n{ __typename }`),
    expect: answered((data) => expect(data).toEqual({ __typename: "Query" })),
  },
  {
    name: "a 500 KB string literal",
    call: gql(`{ tenant(slug: "${"s".repeat(500_000)}") { id } }`),
    expect: nullField("tenant"),
  },
  {
    name: "cost-heavy nested connections",
    call: gql(`{ tenants(first: 100) { edges { node { operationRuns(first: 100) { edges { node {
      tenant { auditEvents(first: 100) { edges { node { id } } } } } } } } } } }`),
    expect: tooComplex(/Query cost \d+ exceeds the limit of 50000/),
  },
  {
    name: "fragment cycle",
    call: gql(`query Cycle { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`),
    expect: invalidQuery(/Cannot spread fragment "A" within itself/),
  },
  { name: "tenants(first: 0)", call: gql(Q.tenants, { first: 0 }), expect: badFirst(["tenants"]) },
  { name: "tenants(first: -1)", call: gql(Q.tenants, { first: -1 }), expect: badFirst(["tenants"]) },
  { name: "tenants(first: 101)", call: gql(Q.tenants, { first: 101 }), expect: badFirst(["tenants"]) },
  {
    name: "tenants(first: 2^31) literal",
    call: gql(`{ tenants(first: 2147483648) { totalCount } }`),
    expect: invalidQuery(/Int cannot represent non 32-bit signed integer value: 2147483648/),
  },
  {
    name: "tenants(first: 1e10) variable",
    call: gql(Q.tenants, { first: 1e10 }),
    expect: badInput(/Int cannot represent non 32-bit signed integer value: 10000000000/),
  },
  {
    name: 'tenants(first: "10") variable',
    call: gql(Q.tenants, { first: "10" }),
    expect: badInput(/Int cannot represent non-integer value: "10"/),
  },
  {
    name: "tenants(first: 1.5) variable",
    call: gql(Q.tenants, { first: 1.5 }),
    expect: badInput(/Int cannot represent non-integer value: 1.5/),
  },
  { name: "operationRuns(first: 0)", call: gql(Q.runs, { first: 0 }), expect: badFirst(["operationRuns"]) },
  { name: "auditEvents(first: 101)", call: gql(Q.audit, { first: 101 }), expect: badFirst(["auditEvents"]) },
  {
    name: "nested Tenant.operationRuns(first: 101)",
    call: () => gql(Q.tenantRuns, { id: fx.active.id, first: 101 })(),
    expect: badFirst(["tenant", "operationRuns"]),
  },
  {
    name: "nested Tenant.auditEvents(first: -1)",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, first: -1 })(),
    expect: badFirst(["tenant", "auditEvents"]),
  },
  {
    name: "nested lifecycle.history(first: 0)",
    call: () => gql(Q.tenantHistory, { id: fx.active.id, first: 0 })(),
    expect: badFirst(["tenant", "lifecycle", "history"]),
  },
];

const cursorCases: HostileCase[] = [
  { name: "garbage cursor", call: gql(Q.tenants, { after: "!!!not-base64!!!" }), expect: badCursor(["tenants"]) },
  { name: "one-character cursor", call: gql(Q.tenants, { after: "a" }), expect: badCursor(["tenants"]) },
  { name: "10 KB cursor", call: gql(Q.tenants, { after: "QUFB".repeat(2500) }), expect: badCursor(["tenants"]) },
  {
    name: "cursor of valid base64 but not JSON",
    call: gql(Q.tenants, { after: Buffer.from("hello").toString("base64url") }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor of JSON with the wrong shape",
    call: gql(Q.tenants, { after: base64url({ id: MISSING_ID }) }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor with numbers instead of strings",
    call: gql(Q.tenants, { after: base64url([1, 2]) }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor with a non-UUID id",
    call: gql(Q.tenants, { after: cursorOf("2024-01-01T00:00:00.000Z", "'; DROP") }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor with a timestamp PostgreSQL cannot hold",
    call: gql(Q.tenants, { after: cursorOf("-271821-04-20T00:00:00.000Z", MISSING_ID) }),
    expect: badCursor(["tenants"]),
  },
  {
    name: "cursor with a six-digit year",
    call: gql(Q.runs, { after: cursorOf("+275760-09-13T00:00:00.000Z", MISSING_ID) }),
    expect: badCursor(["operationRuns"]),
  },
  {
    name: "auditEvents cursor with a timestamp PostgreSQL cannot hold",
    call: gql(Q.audit, { after: cursorOf("-000001-01-01T00:00:00.000Z", MISSING_ID) }),
    expect: badCursor(["auditEvents"]),
  },
  {
    name: "nested Tenant.operationRuns cursor with an impossible timestamp",
    call: () => gql(Q.tenantRuns, { id: fx.active.id, after: cursorOf("-271821-04-20T00:00:00.000Z", fx.active.id) })(),
    expect: badCursor(["tenant", "operationRuns"]),
  },
  {
    name: "Tenant.auditEvents cursor (a sequence) given to tenants",
    call: () => gql(Q.tenants, { after: fx.cursors.tenantAudit })(),
    expect: badCursor(["tenants"]),
  },
  {
    name: "tenants cursor given to Tenant.auditEvents",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, after: fx.cursors.tenants })(),
    expect: badCursor(["tenant", "auditEvents"]),
  },
  {
    name: "another tenant's audit cursor",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, after: fx.cursors.otherTenantAudit })(),
    expect: badCursor(["tenant", "auditEvents"]),
  },
  {
    name: "Tenant.auditEvents cursor with sequence 1e300",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, after: cursorOf("1e300", fx.active.id) })(),
    expect: badCursor(["tenant", "auditEvents"]),
  },
  {
    name: "Tenant.auditEvents cursor with sequence 2^40",
    call: () => gql(Q.tenantAudit, { id: fx.active.id, after: cursorOf(String(2 ** 40), fx.active.id) })(),
    expect: badCursor(["tenant", "auditEvents"]),
  },
  {
    name: "lifecycle.history cursor with a negative sequence",
    call: () => gql(Q.tenantHistory, { id: fx.active.id, after: cursorOf("-99999999999", fx.active.id) })(),
    expect: badCursor(["tenant", "lifecycle", "history"]),
  },
  {
    name: "empty cursor means the first page",
    call: gql(Q.tenants, { first: 1, after: "" }),
    expect: answered((data) => expect(field(data, "tenants", "totalCount")).toBeGreaterThan(0)),
  },
  {
    // Timestamp cursors carry no type, so another list's cursor is a well-formed position here:
    // a page or a clear refusal are both acceptable, anything else is not.
    name: "operationRuns cursor given to auditEvents (both timestamp cursors)",
    call: () => gql(Q.audit, { after: fx.cursors.runs })(),
    expect: (reply) =>
      reply.errors.length > 0
        ? badCursor(["auditEvents"])(reply)
        : answered((data) => expect(field(data, "auditEvents", "totalCount")).toBeGreaterThan(0))(reply),
  },
];

describe("hostile input corpus", () => {
  describe("query shape and page size limits", () => h.runCases(shapeCases));
  describe("cursors", () => h.runCases(cursorCases));
});

h.describeAfterTheCorpus();
