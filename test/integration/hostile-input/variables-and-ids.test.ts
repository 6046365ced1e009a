// Hostile input, part 2 of 6 (test/support/hostile-cases.ts runs the cases): variables of the wrong
// type, and ids that are not ids — in lookups, mutations, list filters and the chain check. Every
// case must be answered with a 4xx or a well-formed GraphQL response, never a 5xx or a leak.
import { afterAll, beforeAll, describe, expect } from "vitest";
import { queuedRun, type TenantFixture } from "../../support/fixtures.ts";
import {
  answered,
  badInput,
  emptyConnection,
  field,
  fieldError,
  invalidQuery,
  MB,
  MISSING_ID,
  nullField,
  Q,
  userError,
  hostileHarness,
  type HostileCase,
} from "../../support/hostile-cases.ts";

const h = hostileHarness();
const { gql } = h;

interface Fixture {
  active: TenantFixture;
  runId: string;
}

let fx: Fixture;

beforeAll(async () => {
  const { active } = await h.start();
  const runId = await queuedRun(h.main, active.id);
  fx = { active, runId };
  await h.seal({ tenants: [active.id], runs: [runId] });
});

afterAll(async () => {
  await h.close();
});

// ------------------------------------------------------------------ the cases

const variableCases: HostileCase[] = [
  {
    name: "Int for an ID variable (ID accepts integers)",
    call: gql(Q.tenantById, { id: 123 }),
    expect: nullField("tenant"),
  },
  { name: "Float for an ID variable", call: gql(Q.tenantById, { id: 1.5 }), expect: badInput(/ID cannot represent/) },
  {
    name: "Boolean for an ID variable",
    call: gql(Q.tenantById, { id: true }),
    expect: badInput(/ID cannot represent/),
  },
  {
    name: "lowercase string for an enum",
    call: () => gql(Q.transition, { input: { tenantId: fx.active.id, transition: "suspend" } })(),
    expect: badInput(/does not exist in "LifecycleTransition" enum/),
  },
  {
    name: "number for an enum",
    call: () => gql(Q.complete, { input: { tenantId: fx.active.id, step: 1 } })(),
    expect: badInput(/OnboardingStep/),
  },
  {
    name: "object for a String",
    call: gql(Q.create, { input: { slug: "obj-name", name: { first: "x" } } }),
    expect: badInput(/String cannot represent a non string value/),
  },
  {
    name: "array for a String",
    call: gql(Q.create, { input: { slug: "arr-name", name: ["x"] } }),
    expect: badInput(/String cannot represent a non string value/),
  },
  {
    name: "missing required variable",
    call: gql(Q.create, {}),
    expect: badInput(/Variable "\$input" of required type "CreateTenantInput!" was not provided/),
  },
  {
    name: "null for a non-null variable",
    call: gql(Q.run, { id: null }),
    expect: badInput(/Variable "\$id" of non-null type "ID!" must not be null/),
  },
  {
    name: "unknown field in an input object",
    call: gql(Q.create, { input: { slug: "unknown-field", name: "x", admin: true } }),
    expect: badInput(/Field "admin" is not defined by type "CreateTenantInput"/),
  },
  {
    name: "required input field missing",
    call: gql(Q.create, { input: { name: "x" } }),
    expect: badInput(/Field "slug" of required type "String!" was not provided/),
  },
  {
    name: "variable declared with the wrong type",
    call: gql(`query Wrong($id: Int) { tenant(id: $id) { id } }`, { id: 1 }),
    expect: invalidQuery(/Variable "\$id" of type "Int" used in position expecting type "ID"/),
  },
  {
    name: "undeclared variable",
    call: gql(`query Undeclared { tenant(id: $id) { id } }`, { id: MISSING_ID }),
    expect: invalidQuery(/Variable "\$id" is not defined/),
  },
  {
    name: "string for a Boolean filter",
    call: gql(Q.tenants, { filter: { includeArchived: "yes" } }),
    expect: badInput(/Boolean cannot represent a non boolean value/),
  },
  {
    name: "string for a Float",
    call: () => gql(Q.updateRun, { input: { id: fx.runId, progress: "half" } })(),
    expect: badInput(/Float cannot represent non numeric value/),
  },
  {
    name: "2^31 for an Int",
    call: () => gql(Q.update, { input: { tenantId: fx.active.id, name: "x", expectedVersion: 2 ** 31 } })(),
    expect: badInput(/Int cannot represent non 32-bit signed integer value/),
  },
  {
    name: "null inside a list of non-null enums",
    call: gql(Q.tenants, { filter: { status: ["ACTIVE", null] } }),
    expect: badInput(/non-nullable type "TenantStatus!" not to be null/),
  },
  {
    name: "unused extra variables are ignored",
    call: gql(Q.tenantById, { id: MISSING_ID, surplus: { deeply: ["nested"] } }),
    expect: nullField("tenant"),
  },
];

const idCases: HostileCase[] = [
  { name: "tenant(id) not a UUID", call: gql(Q.tenantById, { id: "not-a-uuid" }), expect: nullField("tenant") },
  { name: "tenant(id) empty string", call: gql(Q.tenantById, { id: "" }), expect: nullField("tenant") },
  { name: "tenant(id) of 1 MB", call: gql(Q.tenantById, { id: "f".repeat(MB) }), expect: nullField("tenant") },
  {
    name: "tenant(id) SQL-looking",
    call: gql(Q.tenantById, { id: "'; DROP TABLE tenants; --" }),
    expect: nullField("tenant"),
  },
  { name: "tenant(id) with NUL", call: gql(Q.tenantById, { id: `${MISSING_ID}\u0000` }), expect: nullField("tenant") },
  {
    name: "tenant(id) of an operation run (wrong type)",
    call: () => gql(Q.tenantById, { id: fx.runId })(),
    expect: nullField("tenant"),
  },
  {
    name: "tenant(id) uppercase UUID finds the tenant",
    call: () => gql(Q.tenantById, { id: fx.active.id.toUpperCase() })(),
    expect: answered((data) => expect(field(data, "tenant", "id")).toBe(fx.active.id)),
  },
  {
    name: "tenant with both id and slug",
    call: () => gql(`query Both($id: ID, $slug: String) { tenant(id: $id, slug: $slug) { id } }`, { ...fx.active })(),
    expect: fieldError("BAD_USER_INPUT", { path: ["tenant"], message: /exactly one of id or slug/ }),
  },
  {
    name: "tenant with neither id nor slug",
    call: gql(`query Neither { tenant { id } }`),
    expect: fieldError("BAD_USER_INPUT", { path: ["tenant"], message: /exactly one of id or slug/ }),
  },
  { name: "tenant(slug) with NUL", call: gql(Q.tenantBySlug, { slug: "fx\u0000" }), expect: nullField("tenant") },
  {
    name: "tenant(slug) SQL-looking",
    call: gql(Q.tenantBySlug, { slug: "x' OR '1'='1" }),
    expect: nullField("tenant"),
  },
  { name: "tenant(slug) of 1 MB", call: gql(Q.tenantBySlug, { slug: "s".repeat(MB) }), expect: nullField("tenant") },
  {
    name: "transitionTenant with a non-UUID tenantId",
    call: gql(Q.transition, { input: { tenantId: "nope", transition: "SUSPEND", reason: "r" } }),
    expect: userError("transitionTenant", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "transitionTenant with a NUL tenantId",
    call: gql(Q.transition, { input: { tenantId: "\u0000", transition: "SUSPEND", reason: "r" } }),
    expect: userError("transitionTenant", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "updateTenant with a non-UUID tenantId",
    call: gql(Q.update, { input: { tenantId: "1 OR 1=1", name: "x" } }),
    expect: userError("updateTenant", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "updateTenant with an operation run's id",
    call: () => gql(Q.update, { input: { tenantId: fx.runId, name: "x" } })(),
    expect: userError("updateTenant", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "completeOnboardingStep with a non-UUID tenantId",
    call: gql(Q.complete, { input: { tenantId: "../etc/passwd", step: "PROFILE" } }),
    expect: userError("completeOnboardingStep", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "startOperationRun with a non-UUID tenantId",
    call: gql(Q.startRun, { input: { tenantId: "{}", kind: "DATA_EXPORT" } }),
    expect: userError("startOperationRun", "NOT_FOUND", ["input", "tenantId"]),
  },
  {
    name: "updateOperationRun with a non-UUID id",
    call: gql(Q.updateRun, { input: { id: "run-1", status: "RUNNING" } }),
    expect: userError("updateOperationRun", "NOT_FOUND", ["input", "id"]),
  },
  { name: "operationRun(id) not a UUID", call: gql(Q.run, { id: "%" }), expect: nullField("operationRun") },
  {
    name: "operationRun(id) of a tenant (wrong type)",
    call: () => gql(Q.run, { id: fx.active.id })(),
    expect: nullField("operationRun"),
  },
  {
    name: "operationRuns filtered by a non-UUID tenantId",
    call: gql(Q.runs, { filter: { tenantId: "x".repeat(10_000) } }),
    expect: emptyConnection("operationRuns"),
  },
  {
    name: "auditEvents filtered by a non-UUID tenantId",
    call: gql(Q.audit, { filter: { tenantId: "' OR 1=1 --" } }),
    expect: emptyConnection("auditEvents"),
  },
  {
    name: "auditChain of a non-UUID tenantId",
    call: gql(Q.chain, { tenantId: "not-a-uuid" }),
    expect: answered((data) =>
      expect(data["auditChain"]).toEqual({ valid: true, eventCount: 0, firstBrokenSequence: null }),
    ),
  },
];

describe("hostile input corpus", () => {
  describe("variables of the wrong type", () => h.runCases(variableCases));
  describe("ids that are not ids", () => h.runCases(idCases));
});

h.describeAfterTheCorpus();
