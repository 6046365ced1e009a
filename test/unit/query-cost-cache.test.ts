// docs/design.md §6: the cost limit reuses the cost of an operation it has seen, keyed by what a
// cost can depend on. The property: whatever operations, variables and callers arrive, in any
// order, the cached cost is the cost computed afresh — or the same refusal — for every request.
// Generated operations (the attack test's generator) declare variables of every kind; each is
// sent again with its variables changed, dropped or kept, by callers of every profile.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { parse, validate, type DocumentNode } from "graphql";
import { describe, expect, it } from "vitest";
import type { GraphQLContext } from "../../src/resolvers/context.ts";
import { buildSubgraphSchema } from "../../src/schema/index.ts";
import { createViewer } from "../../src/services/authorization/viewer.ts";
import type { ServiceContext } from "../../src/services/service-context.ts";
import { QueryCosts, queryCost } from "../../src/server/query-cost.ts";
import { generatorChoices, OperationGenerator } from "../support/operation-generator.ts";
import { personas, tenantAdmin, tenantMember, type Persona } from "../support/personas.ts";
import { principalOf } from "../support/service-context.ts";

const schema = buildSubgraphSchema();
const TENANT_ID = randomUUID();
const generator = new OperationGenerator(schema, {
  tenantIds: [TENANT_ID, randomUUID()],
  tenantSlugs: ["acme", "globex"],
  runIds: [randomUUID()],
  cursors: ["bm90LWEtY3Vyc29y"],
});

/** A context as the request context builds one, with only what the cost analysis reads. */
function contextOf(persona: Persona | null, operatorOverrideTenantId: string | null = null): GraphQLContext {
  const access: GraphQLContext["access"] =
    persona === null
      ? { kind: "anonymous", tokenProblem: null }
      : {
          kind: "ok",
          services: {
            viewer: createViewer(principalOf(persona), { operatorOverrideTenantId, contextTenantId: null }),
          } as unknown as ServiceContext,
        };
  return { access } as unknown as GraphQLContext;
}

const callers = [
  null,
  personas.operator,
  personas.supportRead,
  personas.worker,
  tenantAdmin(TENANT_ID),
  tenantMember(TENANT_ID),
  // Another tenant's member: the same capabilities, so the same profile.
  tenantMember(randomUUID()),
].map((persona) => contextOf(persona));
// An operator under X-Operator-Override: the token's scopes, the tenant admin's capabilities.
callers.push(contextOf(personas.operator, TENANT_ID));

/** What a variable may be changed to: other ids and texts, sizes, null, lists, objects. */
const otherValue = fc.oneof(
  fc.constantFrom(null, 0, 1, 5, 20, 50, 100, 101, -1, true, false, "", "acme", TENANT_ID, "x".repeat(2_000)),
  fc.array(fc.record({ __typename: fc.constant("Tenant"), id: fc.constantFrom(TENANT_ID, "nope") }), {
    maxLength: 40,
  }),
  fc.record({ first: fc.integer({ min: -1, max: 120 }) }),
);

/** Each variable kept, dropped or changed. */
const variation = (variables: Record<string, unknown>) =>
  fc
    .tuple(
      ...Object.keys(variables).map((name) =>
        fc.oneof(
          fc.constant([name, variables[name]] as const),
          fc.constant(null),
          otherValue.map((value) => [name, value] as const),
        ),
      ),
    )
    .map((entries) => Object.fromEntries(entries.filter((entry) => entry !== null)));

/** The document if Apollo would get as far as costing it (it parses and validates), else null. */
function validDocument(query: string): DocumentNode | null {
  try {
    const document = parse(query);
    return validate(schema, document).length === 0 ? document : null;
  } catch {
    return null;
  }
}

/** The cost or the refusal's message, either way comparable. */
function outcome(compute: () => number): number | string {
  try {
    return compute();
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

describe("the cost cache", () => {
  it("answers every request with the cost computed afresh, or the same refusal", () => {
    fc.assert(
      fc.property(
        fc.array(
          generatorChoices.chain((choices) => {
            const operation = generator.generate(choices);
            return fc.record({
              query: fc.constant(operation.query),
              sends: fc.array(
                fc.record({ variables: variation(operation.variables), caller: fc.nat(callers.length - 1) }),
                { minLength: 1, maxLength: 6 },
              ),
            });
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (operations) => {
          const costs = new QueryCosts();
          const documents = operations.map((operation) => validDocument(operation.query));
          // Interleaved, so entries of one operation sit next to another's.
          for (let round = 0; round < 6; round += 1) {
            operations.forEach((operation, index) => {
              const send = operation.sends[round % operation.sends.length];
              const document = documents[index];
              if (!send || !document) return;
              const context = callers[send.caller] as GraphQLContext;
              const cached = outcome(() =>
                costs.cost({
                  schema,
                  document,
                  queryHash: `hash-${index}`,
                  variables: send.variables,
                  operationName: undefined,
                  context,
                }),
              );
              const fresh = outcome(() => queryCost(schema, document, send.variables, undefined, context));
              expect(cached).toEqual(fresh);
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("shares one entry across ids and search terms, and none across page sizes or callers", () => {
    const costs = new QueryCosts();
    const document = parse(`query($id: ID!, $first: Int) { tenant(id: $id) { operationRuns(first: $first) {
      edges { node { id summary } } } } }`);
    const cost = (variables: Record<string, unknown>, caller = callers[1] as GraphQLContext) =>
      costs.cost({ schema, document, queryHash: "h", variables, operationName: undefined, context: caller });
    expect(cost({ id: "a", first: 100 })).toBe(cost({ id: "b", first: 100 }));
    expect(cost({ id: "a", first: 5 })).toBeLessThan(cost({ id: "a", first: 100 }));
    // The platform list is refused to a tenant member, so it costs them 1 and an operator its page.
    const list = parse(`query($first: Int) { tenants(first: $first) { edges { node { id slug } } } }`);
    const listCost = (caller: GraphQLContext) =>
      costs.cost({
        schema,
        document: list,
        queryHash: "l",
        variables: { first: 100 },
        operationName: undefined,
        context: caller,
      });
    const asOperator = listCost(callers[1] as GraphQLContext);
    expect(listCost(callers[5] as GraphQLContext)).toBeLessThan(asOperator);
    expect(listCost(callers[1] as GraphQLContext)).toBe(asOperator);
    // A missing required variable is refused on a cached operation too.
    expect(() => cost({ first: 100 })).toThrow(/\$id/);
  });

  it("keeps one entry for a mutation sent with a new input each time, so it pushes out no other", () => {
    const costs = new QueryCosts();
    const transition = parse(`mutation($input: TransitionTenantInput!) { transitionTenant(input: $input) {
      tenant { id status } userErrors { code } } }`);
    const cost = (tenantId: string) =>
      costs.cost({
        schema,
        document: transition,
        queryHash: "t",
        variables: { input: { tenantId, transition: tenantId.startsWith("a") ? "SUSPEND" : "REACTIVATE" } },
        operationName: undefined,
        context: callers[1] as GraphQLContext,
      });
    const first = cost(randomUUID());
    for (let request = 0; request < 50; request += 1) expect(cost(randomUUID())).toBe(first);
    expect(costs.size).toBe(1);
  });
});
