// Hostile input, part 3 of 6 (test/support/hostile-cases.ts runs the cases): _entities
// representations — broken keys, unknown and unresolvable types, non-object representations, batch
// sizes across aliases and fragments, and no token. Never a 5xx or a leak.
import { afterAll, beforeAll, describe, expect } from "vitest";
import { type TenantFixture } from "../../support/fixtures.ts";
import {
  answered,
  badInput,
  entities,
  MISSING_ID,
  Q,
  refusedOnce,
  hostileHarness,
  type HostileCase,
} from "../../support/hostile-cases.ts";

const h = hostileHarness();
const { gql } = h;

interface Fixture {
  active: TenantFixture;
}

let fx: Fixture;

beforeAll(async () => {
  const { active } = await h.start();
  fx = { active };
  await h.seal({ tenants: [active.id] });
});

afterAll(async () => {
  await h.close();
});

// ------------------------------------------------------------------ the cases

const tenantRef = (key: Record<string, unknown>) => ({ __typename: "Tenant", ...key });

const representationError = /representations\[\d+\] must be an object whose __typename is one of/;

const manyRepresentations = (count: number) => Array.from({ length: count }, () => tenantRef({ id: "x" }));

const entityCases: HostileCase[] = [
  {
    name: "_entities Tenant with a non-UUID id",
    call: gql(Q.entities, { r: [tenantRef({ id: "not-a-uuid" })] }),
    expect: entities([null]),
  },
  {
    name: "_entities Tenant with an unknown slug",
    call: gql(Q.entities, { r: [tenantRef({ slug: "no-such-slug" })] }),
    expect: entities([null]),
  },
  {
    name: "_entities Tenant with a NUL slug",
    call: gql(Q.entities, { r: [tenantRef({ slug: "a\u0000b" })] }),
    expect: entities([null]),
  },
  { name: "_entities Tenant without any key", call: gql(Q.entities, { r: [tenantRef({})] }), expect: entities([null]) },
  {
    name: "_entities Tenant with a numeric id",
    call: gql(Q.entities, { r: [tenantRef({ id: 5 })] }),
    expect: entities([null]),
  },
  {
    name: "_entities Tenant with a null id",
    call: gql(Q.entities, { r: [tenantRef({ id: null })] }),
    expect: entities([null]),
  },
  {
    name: "_entities Tenant with an object slug",
    call: gql(Q.entities, { r: [tenantRef({ slug: { $ne: "" } })] }),
    expect: entities([null]),
  },
  {
    name: "_entities OperationRun with a non-UUID id",
    call: gql(Q.entities, { r: [{ __typename: "OperationRun", id: "1; DELETE" }] }),
    expect: entities([null]),
  },
  {
    name: "_entities OperationRun without an id",
    call: gql(Q.entities, { r: [{ __typename: "OperationRun" }] }),
    expect: entities([null]),
  },
  {
    name: "_entities mixing a real tenant with broken keys keeps order",
    call: () => gql(Q.entities, { r: [tenantRef({ id: fx.active.id }), tenantRef({ id: [] }), tenantRef({})] })(),
    expect: answered((data) =>
      expect(data["_entities"]).toEqual([{ __typename: "Tenant", id: fx.active.id }, null, null]),
    ),
  },
  {
    name: "_entities with an unknown __typename",
    call: gql(Q.entities, { r: [{ __typename: "Nope", id: "x" }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities without __typename",
    call: gql(Q.entities, { r: [{ id: MISSING_ID }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with a numeric __typename",
    call: gql(Q.entities, { r: [{ __typename: 7, id: MISSING_ID }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with a string representation",
    call: gql(Q.entities, { r: ["Tenant"] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with an array representation",
    call: gql(Q.entities, { r: [[tenantRef({ id: MISSING_ID })]] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with a null representation",
    call: gql(Q.entities, { r: [null] }),
    expect: badInput(/representations/),
  },
  {
    name: "_entities for User (not resolvable here)",
    call: gql(Q.entities, { r: [{ __typename: "User", id: "u-1" }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities for Query",
    call: gql(Q.entities, { r: [{ __typename: "Query" }] }),
    expect: badInput(representationError),
  },
  {
    name: "_entities with an inline literal of an unknown type",
    call: gql(`{ _entities(representations: [{ __typename: "Mutation" }]) { __typename } }`),
    expect: badInput(representationError),
  },
  {
    // A neighbour's list of tenant references arrives in one batch: it resolves (nulls here).
    name: "_entities with 1 000 representations",
    call: gql(Q.entities, { r: manyRepresentations(1_000) }),
    expect: entities(Array.from({ length: 1_000 }, () => null)),
  },
  {
    name: "_entities with 10 001 representations",
    call: gql(Q.entities, { r: manyRepresentations(10_001) }),
    expect: badInput(/at most 10000 representations per request \(got 10001\)/),
  },
  {
    name: "_entities with 10 001 representations inside an inline fragment",
    call: gql(`query($r: [_Any!]!) { ... on Query { _entities(representations: $r) { __typename } } }`, {
      r: manyRepresentations(10_001),
    }),
    expect: badInput(/at most 10000 representations/),
  },
  {
    name: "_entities with 10 001 representations inside a named fragment",
    call: gql(`query($r: [_Any!]!) { ...F } fragment F on Query { _entities(representations: $r) { __typename } }`, {
      r: manyRepresentations(10_001),
    }),
    expect: badInput(/at most 10000 representations/),
  },
  {
    name: "_entities split over two aliases of 6 000 each",
    call: gql(
      `query($a: [_Any!]!, $b: [_Any!]!) {
        a: _entities(representations: $a) { __typename } b: _entities(representations: $b) { __typename } }`,
      { a: manyRepresentations(6_000), b: manyRepresentations(6_000) },
    ),
    expect: badInput(/at most 10000 representations per request \(got 12000\)/),
  },
  {
    name: "_entities with 201 inline literal representations",
    call: gql(`{ _entities(representations: [${'{ __typename: "Tenant" } '.repeat(201)}]) { __typename } }`),
    expect: entities(Array.from({ length: 201 }, () => null)),
  },
  {
    name: "_entities without a token",
    call: gql(Q.entities, { r: [tenantRef({ id: MISSING_ID })] }, { as: "anonymous" }),
    expect: refusedOnce("UNAUTHENTICATED", /^Authentication required$/),
  },
  // Each representation used to answer its own UNAUTHENTICATED error: 9 999 errors and 1.46 MB
  // for one request without a token (issue 22).
  {
    name: "_entities with 9 999 representations without a token: one error, a small body",
    call: gql(Q.entities, { r: manyRepresentations(9_999) }, { as: "anonymous" }),
    expect: refusedOnce("UNAUTHENTICATED", /^Authentication required$/),
  },
  {
    name: "_entities with 9 999 representations and a refused token: one error",
    call: gql(Q.entities, { r: manyRepresentations(9_999) }, { as: { token: "garbage-token-zq9x" } }),
    expect: refusedOnce("UNAUTHENTICATED", /^Token is invalid$/),
  },
  {
    name: "_entities with 9 999 representations under an override refused to a tenant admin: one FORBIDDEN",
    call: () =>
      gql(
        Q.entities,
        { r: manyRepresentations(9_999) },
        { as: "admin", headers: { "x-operator-override": MISSING_ID } },
      )(),
    expect: refusedOnce("FORBIDDEN", /only accepted from platform readers/),
  },
  {
    name: "_entities inside a named fragment beside _service, without a token: one error",
    call: gql(
      `query($r: [_Any!]!) { _service { sdl } ...F } fragment F on Query { _entities(representations: $r) { __typename } }`,
      { r: manyRepresentations(100) },
      { as: "anonymous" },
    ),
    expect: refusedOnce("UNAUTHENTICATED", /^Authentication required$/),
  },
];

describe("hostile input corpus", () => {
  describe("_entities representations", () => h.runCases(entityCases));
});

h.describeAfterTheCorpus();
