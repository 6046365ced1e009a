// docs/design.md §6: a query's cost counts list sizes however they are given — literal `first`,
// variables, variable defaults, argument defaults — multiplies nested lists, and multiplies
// `_entities` by its representations; aliases and fragments count as the work they cause.
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { buildSubgraphSchema } from "../../src/schema/index.ts";
import { FIELD_WEIGHTS, queryCost } from "../../src/server/query-cost.ts";

const schema = buildSubgraphSchema();
const cost = (query: string, variables: Record<string, unknown> = {}) =>
  queryCost(schema, parse(query), variables, undefined);

const runsOfRun = (first: string) =>
  `{ operationRun(id: "x") { tenant { operationRuns(first: ${first}) { edges { node { id } } } } } }`;

describe("query cost", () => {
  it("is the same whether `first` is a literal, a variable, a variable default or the argument default", () => {
    const literal = cost(runsOfRun("20"));
    expect(cost(`query($n: Int) ${runsOfRun("$n")}`, { n: 20 })).toBe(literal);
    expect(cost(`query($n: Int = 20) ${runsOfRun("$n")}`)).toBe(literal);
    expect(cost(`{ operationRun(id: "x") { tenant { operationRuns { edges { node { id } } } } } }`)).toBe(literal);
    // An explicit null means the default page size, as the resolvers read it.
    expect(cost(`query($n: Int) ${runsOfRun("$n")}`, { n: null })).toBe(literal);
  });

  it("grows with the page asked for", () => {
    expect(cost(runsOfRun("100"))).toBeGreaterThan(4 * cost(runsOfRun("20")));
    expect(cost(`query($n: Int) ${runsOfRun("$n")}`, { n: 100 })).toBe(cost(runsOfRun("100")));
  });

  it("charges a backward page (`last`) as the forward page of that size, on every connection", () => {
    const backward = (args: string) =>
      `{ operationRun(id: "x") { tenant { operationRuns(${args}) { edges { node { id } } } } } }`;
    expect(cost(backward("last: 100"))).toBe(cost(runsOfRun("100")));
    expect(cost(backward("last: 5"))).toBe(cost(runsOfRun("5")));
    expect(cost(`query($n: Int) ${backward("last: $n")}`, { n: 100 })).toBe(cost(runsOfRun("100")));
    // first and last together are refused, but costed at the larger of the two before that.
    expect(cost(backward("first: 3, last: 100"))).toBe(cost(runsOfRun("100")));
    expect(cost(backward("first: 100, last: 3"))).toBe(cost(runsOfRun("100")));
    for (const list of ["tenants", "auditEvents", "operationRuns"]) {
      expect(cost(`{ ${list}(last: 100) { edges { cursor } } }`), list).toBe(
        cost(`{ ${list}(first: 100) { edges { cursor } } }`),
      );
    }
    expect(
      cost(
        `{ tenant(id: "x") { lifecycle { history(last: 100) { edges { cursor } } } auditEvents(last: 100) { edges { cursor } } } }`,
      ),
    ).toBe(
      cost(
        `{ tenant(id: "x") { lifecycle { history(first: 100) { edges { cursor } } } auditEvents(first: 100) { edges { cursor } } } }`,
      ),
    );
  });

  it("multiplies nested lists", () => {
    const inner = (first: number) =>
      cost(`{ tenants(first: 10) { edges { node { operationRuns(first: ${first}) { edges { node { id } } } } } } }`);
    expect(inner(50) - inner(1)).toBeGreaterThan(10 * 49 * 2);
  });

  it("multiplies _entities by its representations, from variables or literals", () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id name } } }`;
    const representations = (count: number) => Array.from({ length: count }, () => ({ __typename: "Tenant", id: "x" }));
    expect(cost(query, { r: representations(100) })).toBeGreaterThanOrEqual(
      100 * cost(query, { r: representations(1) }) - 100,
    );
    expect(
      cost(
        `{ _entities(representations: [{ __typename: "Tenant", id: "a" }, { __typename: "Tenant", id: "b" }]) { ... on Tenant { id name } } }`,
      ),
    ).toBe(cost(query, { r: representations(2) }));
  });

  it("counts every alias and every fragment spread, __typename included", () => {
    const one = cost(`{ lifecycleTransitions { transition } }`);
    expect(cost(`{ a: lifecycleTransitions { transition } b: lifecycleTransitions { transition } }`)).toBe(2 * one);
    expect(cost(`{ ...F ...F } fragment F on Query { lifecycleTransitions { transition } }`)).toBe(2 * one);
    expect(cost(`{ a: __typename b: __typename c: __typename }`)).toBe(3);
  });

  it("weighs long text fields and the chain walk by what they can cost", () => {
    expect(cost(`{ operationRun(id: "x") { summary } }`) - cost(`{ operationRun(id: "x") { id } }`)).toBe(
      (FIELD_WEIGHTS["OperationRun.summary"] as number) - 1,
    );
    expect(cost(`{ auditChain(tenantId: "x") { valid } }`)).toBeGreaterThan(1_000);
  });

  it("charges a delivery's attempt log for every attempt it may hold", () => {
    const logs = (selection: string) =>
      cost(`{ webhookEndpoint(id: "x") { deliveries(first: 10) { edges { node { ${selection} } } } } }`);
    // Per delivery: the list (1) and its 20 entries of 4 fields each.
    expect(logs("attemptLog { at httpStatus durationMs error }") - logs("id")).toBe(10 * (1 + 20 * 4 - 1));
  });

  it("prices the attack that crashed the process far beyond any limit", () => {
    const inner = Array.from(
      { length: 20 },
      (_, index) => `r${index}: operationRuns(first: $n) { edges { node { id } } }`,
    ).join(" ");
    const attack = `query($n: Int, $r: [_Any!]!) { _entities(representations: $r) { ... on Tenant {
      operationRuns(first: $n) { edges { node { tenant { ${inner} } } } } } } }`;
    const r = Array.from({ length: 100 }, () => ({ __typename: "Tenant", id: "x" }));
    expect(cost(attack, { n: 100, r })).toBeGreaterThan(10_000_000);
  });
});
