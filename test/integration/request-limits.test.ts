// docs/design.md §6: no single request — from any persona, the least privileged included — takes
// more than a bounded share of the service. Each attack an outside pass found is kept here, with
// the server answering a normal request right after it.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, queuedRun, type TenantFixture } from "../support/fixtures.ts";
import { personas, tenantMember, tokenFor, type Persona } from "../support/personas.ts";
import { startTestServer, type GraphQLResponseBody, type TestServer } from "../support/test-server.ts";

let server: TestServer;
let tenant: TenantFixture;
let member: Persona;

beforeAll(async () => {
  server = await startTestServer();
  tenant = await activeTenant(server);
  for (let index = 0; index < 5; index += 1) await queuedRun(server, tenant.id);
  member = tenantMember(tenant.id);
});
afterAll(async () => {
  await server?.close();
});

const codes = (body: GraphQLResponseBody) => (body.errors ?? []).map((error) => error.extensions?.["code"]);

/** The server still answers an ordinary request, quickly. */
async function expectHealthy(target: TestServer = server): Promise<void> {
  const startedAt = Date.now();
  const { status, body } = await target.request(
    `query($id: ID) { tenant(id: $id) { id status } }`,
    { id: tenant.id },
    {
      as: personas.operator,
    },
  );
  expect(status).toBe(200);
  expect(body.data).toEqual({ tenant: { id: tenant.id, status: "ACTIVE" } });
  expect(Date.now() - startedAt).toBeLessThan(2_000);
}

const twentyRunLists = Array.from(
  { length: 20 },
  (_, index) => `r${index}: operationRuns(first: $n) { edges { node { id } } }`,
).join(" ");

/** The request that crashed the process (heap out of memory in 47 s), sent by a tenant member. */
const ENTITY_ATTACK = `query($n: Int, $r: [_Any!]!) { _entities(representations: $r) { ... on Tenant {
  operationRuns(first: $n) { edges { node { tenant { ${twentyRunLists} } } } } } } }`;

describe("the cost analysis sees variables", () => {
  const ownTenant100 = () => Array.from({ length: 100 }, () => ({ __typename: "Tenant", id: tenant.id }));

  it("refuses the _entities attack with first: $n = 100 and 100 representations, before doing any work", async () => {
    const { status, body } = await server.request(ENTITY_ATTACK, { n: 100, r: ownTenant100() }, { as: member });
    expect(status).toBe(200); // a request error, in an application/json response
    expect(codes(body)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(body.errors?.[0]?.message).toMatch(/Query cost \d+ exceeds the limit of 10000/);
    expect(body.data).toBeUndefined();
    await expectHealthy();
  });

  it("refuses it when the size comes from a variable default", async () => {
    const withDefault = ENTITY_ATTACK.replace("$n: Int,", "$n: Int = 100,");
    const { body } = await server.request(withDefault, { r: ownTenant100() }, { as: member });
    expect(codes(body)).toEqual(["QUERY_TOO_COMPLEX"]);
    await expectHealthy();
  });

  it("refuses it when the sizes come from the arguments' defaults", async () => {
    const withDefaults = ENTITY_ATTACK.replaceAll("(first: $n)", "").replace("$n: Int, ", "");
    const { body } = await server.request(withDefaults, { r: ownTenant100() }, { as: member });
    expect(codes(body)).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("refuses the operator variant (which ran 42 s and answered 444 MB)", async () => {
    const operatorAttack = `query($n: Int) { tenants(first: $n) { edges { node {
      operationRuns(first: $n) { edges { node { tenant { ${twentyRunLists} } } } } } } } }`;
    const { status, body } = await server.request(operatorAttack, { n: 100 }, { as: personas.operator });
    expect(status).toBe(200); // a request error, in an application/json response
    expect(codes(body)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(body.errors?.[0]?.message).toMatch(/exceeds the limit of 50000/);
    await expectHealthy();
  });

  it("allows platform callers more than tenant users", async () => {
    // About 100 × 100: within the platform limit, beyond the tenant one.
    const wide = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant {
      operationRuns(first: 100) { edges { node { id status } } } } } }`;
    const tenants = await server.request(wide, { r: ownTenant100() }, { as: member });
    expect(codes(tenants.body)).toEqual(["QUERY_TOO_COMPLEX"]);
    const platform = await server.request(wide, { r: ownTenant100() }, { as: personas.operator });
    expect(platform.body.errors).toBeUndefined();
    expect((platform.body.data as { _entities: unknown[] })._entities).toHaveLength(100);
  });
});

describe("execution bounds (the second line of defence)", () => {
  let bounded: TestServer;
  beforeAll(async () => {
    bounded = await startTestServer({ databaseUrl: server.databaseUrl, env: { LIMIT_MAX_RESOLVED_ITEMS: "30" } });
  });
  afterAll(async () => {
    await bounded?.close();
  });

  it("stop a request that reads more records than allowed, with one error and one log line", async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant {
      a: operationRuns(first: 20) { edges { node { id } } } b: auditEvents(first: 20) { edges { node { id } } }
      c: operationRuns(first: 19) { edges { node { id } } } d: auditEvents(first: 19) { edges { node { id } } } } } }`;
    const representations = Array.from({ length: 3 }, () => ({ __typename: "Tenant", id: tenant.id }));
    const { status, body } = await bounded.request(query, { r: representations }, { as: personas.operator });
    expect(status).toBe(200);
    expect(codes(body)).toEqual(["REQUEST_LIMIT_EXCEEDED"]);
    expect(body.errors?.[0]?.extensions?.["limit"]).toBe("resolvedItems");
    expect(bounded.logs.filter((line) => line.includes('"request stopped"'))).toHaveLength(1);
    expect(bounded.logs.filter((line) => line.includes("unexpected error"))).toEqual([]);
    await expectHealthy(bounded);
  });

  it("stop a request that runs past its time", async () => {
    const slow = await startTestServer({ databaseUrl: server.databaseUrl, env: { LIMIT_REQUEST_TIMEOUT_MS: "1" } });
    try {
      // Several rounds of statements: the deadline is passed by the time the later ones start.
      const query = `query($id: ID!) { operationRuns(first: 5) { edges { node { tenant { auditEvents(first: 5) {
        edges { node { tenant { operationRuns(first: 5) { edges { node { id } } } } } } } } } } }
        tenant(id: $id) { id } }`;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { status, body } = await slow.request(query, { id: tenant.id }, { as: personas.operator });
      expect(status).toBe(200);
      expect(codes(body)).toEqual(["REQUEST_LIMIT_EXCEEDED"]);
      expect(body.errors?.[0]?.extensions?.["limit"]).toBe("executionTime");
    } finally {
      await slow.close();
    }
  });
});

describe("a database that cannot give a connection", () => {
  it("fails a request once, logged once, not once per field", async () => {
    const starved = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { DATABASE_POOL_MAX: "1", DATABASE_CONNECT_TIMEOUT_MS: "300" },
    });
    const held = await starved.database.pool.connect();
    try {
      const page = `{ tenants(first: 20) { edges { node { id lifecycle { history { edges { node { id } } } }
        auditEvents { edges { node { id } } } operationRuns { edges { node { id } } } onboarding { status } } } } }`;
      // Warm-up: the tenant page itself cannot start, the request fails at its first statement.
      const { status, body } = await starved.request(page, {}, { as: personas.operator });
      expect(status).toBe(200);
      expect(codes(body)).toEqual(["SERVICE_UNAVAILABLE"]);
      // Many fields under a list: each would have waited for the pool and been logged with its stack.
      const many = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id
        auditEvents { edges { node { id } } } lifecycle { history { edges { node { id } } } } } } }`;
      const representations = Array.from({ length: 50 }, () => ({ __typename: "Tenant", id: tenant.id }));
      const startedAt = Date.now();
      const entities = await starved.request(many, { r: representations }, { as: personas.operator });
      expect(codes(entities.body)).toEqual(["SERVICE_UNAVAILABLE"]);
      expect(Date.now() - startedAt).toBeLessThan(2_000);
      expect(starved.logs.filter((line) => line.includes('"request stopped"'))).toHaveLength(2);
      expect(starved.logs.filter((line) => line.includes("unexpected error"))).toEqual([]);
    } finally {
      held.release();
    }
    await expectHealthy(starved);
    await starved.close();
  });
});

describe("metrics labels", () => {
  it("stay a bounded vocabulary whatever operation names clients send", async () => {
    const metricsUrl = server.url.replace(/\/graphql$/, "/metrics");
    const before = (await (await fetch(metricsUrl)).text()).length;
    const names = Array.from({ length: 3_000 }, (_, index) => `Op${index}_${"x".repeat(1_000)}`);
    for (let start = 0; start < names.length; start += 100) {
      await Promise.all(
        names
          .slice(start, start + 100)
          .map((name, index) =>
            server.request(`query ${name} { __typename }`, {}, index % 2 ? { as: personas.operator } : {}),
          ),
      );
    }
    const metrics = await (await fetch(metricsUrl)).text();
    const labels = new Set([...metrics.matchAll(/operation_name="([^"]*)"/g)].map((match) => match[1]));
    expect(labels.size).toBeLessThanOrEqual(110);
    expect([...labels].every((label) => (label?.length ?? 0) <= 64)).toBe(true);
    expect(labels).toContain("other");
    expect(metrics.length - before).toBeLessThan(500_000);
  });
});

describe("input bounds", () => {
  it("refuses a search term longer than 200 characters and accepts one of 200", async () => {
    const query = `query($search: String) { tenants(filter: { search: $search }) { edges { node { id } } } }`;
    const accepted = await server.request(query, { search: "y".repeat(200) }, { as: personas.operator });
    expect(accepted.body.errors).toBeUndefined();
    const refused = await server.request(query, { search: "y".repeat(201) }, { as: personas.operator });
    expect(codes(refused.body)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.body.errors?.[0]?.message).toMatch(/filter\.search must be at most 200 characters/);
  });

  it("counts a search term's characters as names count them: 200 emoji are accepted, 201 are not", async () => {
    const query = `query($search: String) { tenants(filter: { search: $search }) { edges { node { id } } } }`;
    for (const search of ["🚀".repeat(200), `${"a".repeat(199)}🚀`]) {
      const accepted = await server.request(query, { search }, { as: personas.operator });
      expect(accepted.body.errors).toBeUndefined();
    }
    const refused = await server.request(query, { search: "🚀".repeat(201) }, { as: personas.operator });
    expect(codes(refused.body)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("variable defaults (an outside pass found each one answering an internal error)", () => {
  /** Sent twice: the first request is interpreted by graphql-js, the second runs compiled. */
  async function twice(query: string, variables: Record<string, unknown> = {}) {
    const first = await server.request(query, variables, { as: personas.operator });
    const second = await server.request(query, variables, { as: personas.operator });
    // extensions.cost reports the caller's budget as it is at each answer: compared apart.
    return [first.body, second.body].map(({ extensions: _budget, ...answer }) => answer);
  }

  it.each([
    ["Int!", `query($n: Int! = 2) { tenants(first: $n) { edges { node { id } } } }`],
    ["ID!", `query($id: ID! = "00000000-0000-4000-8000-000000000000") { tenant(id: $id) { id } }`],
    ["String!", `query($s: String! = "acme") { tenants(first: 1, filter: { search: $s }) { edges { node { id } } } }`],
    ["Boolean!", `query($b: Boolean! = true) { tenants(first: 1) { totalCount @include(if: $b) } }`],
  ])("an omitted %s variable with a default answers alike when compiled", async (_type, query) => {
    const [interpreted, compiled] = await twice(query);
    expect(interpreted?.errors).toBeUndefined();
    expect(compiled).toEqual(interpreted);
  });

  it("checks representations that come from a variable default, and resolves valid ones", async () => {
    for (const representations of ["[1]", "[{}]", '[{ __typename: "Nope" }]']) {
      const [first, second] = await twice(
        `query($r: [_Any!]! = ${representations}) { _entities(representations: $r) { __typename } }`,
      );
      expect(codes(first as GraphQLResponseBody)).toEqual(["BAD_USER_INPUT"]);
      expect(codes(second as GraphQLResponseBody)).toEqual(["BAD_USER_INPUT"]);
    }
    const [first, second] = await twice(
      `query($a: _Any! = { __typename: "Tenant", id: "${tenant.id}" }) {
        _entities(representations: [$a]) { ... on Tenant { id } } }`,
    );
    expect(first?.data).toEqual({ _entities: [{ id: tenant.id }] });
    expect(second).toEqual(first);
  });
});

describe("a request that waits on a lock (an outside pass held a tenant's row in psql)", () => {
  it("is stopped at its time limit with REQUEST_LIMIT_EXCEEDED, writing nothing", async () => {
    const bounded = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { LIMIT_REQUEST_TIMEOUT_MS: "300" },
    });
    const nameQuery = `query($id: ID) { tenant(id: $id) { name } }`;
    const before = await server.request(nameQuery, { id: tenant.id }, { as: personas.operator });
    const holder = new pg.Client({ connectionString: server.databaseUrl });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE", [tenant.id]);
      const startedAt = Date.now();
      const { body } = await bounded.request(
        `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { tenant { name } userErrors { code } } }`,
        { input: { tenantId: tenant.id, name: "Renamed While Locked" } },
        { as: personas.operator },
      );
      expect(Date.now() - startedAt).toBeLessThan(3_000);
      expect(codes(body)).toEqual(["REQUEST_LIMIT_EXCEEDED"]);
      expect(body.errors?.[0]?.extensions?.["limit"]).toBe("executionTime");
      expect(bounded.logs.filter((line) => line.includes("unexpected error"))).toEqual([]);
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
      await bounded.close();
    }
    const after = await server.request(nameQuery, { id: tenant.id }, { as: personas.operator });
    expect(after.body.data).toEqual(before.body.data);
  });
});

describe("a persisted query the client got wrong", () => {
  async function post(extensions: Record<string, unknown>) {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(personas.operator)}` },
      body: JSON.stringify({ query: "{ lifecycleTransitions { to } }", extensions }),
    });
    return (await response.json()) as GraphQLResponseBody;
  }

  it.each([
    ["a hash that is not the query's", { persistedQuery: { version: 1, sha256Hash: "b".repeat(64) } }, /sha/],
    ["an unsupported version", { persistedQuery: { version: 2, sha256Hash: "b".repeat(64) } }, /version/],
  ])("is a BAD_REQUEST naming the mistake for %s, not an internal error", async (_case, extensions, message) => {
    const logged = server.logs.length;
    const body = await post(extensions);
    expect(codes(body)).toEqual(["BAD_REQUEST"]);
    expect(body.errors?.[0]?.message).toMatch(message);
    expect(server.logs.slice(logged).filter((line) => line.includes("unexpected error"))).toEqual([]);
  });
});

describe("in production", () => {
  let production: TestServer;
  beforeAll(async () => {
    production = await startTestServer({ databaseUrl: server.databaseUrl, env: { NODE_ENV: "production" } });
  });
  afterAll(async () => {
    await production?.close();
  });

  it.each([
    ["a mistyped field", `{ tenantz(first: 1) { totalCount } }`, {}],
    ["a mistyped argument", `{ tenants(frist: 1) { totalCount } }`, {}],
    ["a mistyped enum literal", `{ tenants(filter: { status: [ACTIV] }) { totalCount } }`, {}],
    [
      "a mistyped enum variable",
      `query($s: [TenantStatus!]) { tenants(filter: { status: $s }) { totalCount } }`,
      { s: ["ACTIV"] },
    ],
  ])("suggests no schema names for %s", async (_case, query, variables) => {
    const { body } = await production.request(query, variables, { as: personas.operator });
    expect(body.errors?.length).toBeGreaterThan(0);
    for (const error of body.errors ?? []) expect(error.message).not.toMatch(/Did you mean/);
  });

  // From its second sighting an operation runs compiled (graphql-jit), whose errors once had a
  // read-only message: rewriting it in production threw, and every refusal became a 500.
  it.each([
    ["a tenant member listing every tenant", `query Everyone { tenants(first: 1) { totalCount } }`, "member"],
    [
      "support reading a tenant it may read, then writing to it",
      `mutation Rename($id: ID!) { updateTenant(input: { tenantId: $id, name: "renamed" }) { tenant { id } } }`,
      "support",
    ],
  ] as const)("refuses %s with its code each time the operation is sent, never a 500", async (_case, query, who) => {
    const persona = who === "member" ? member : personas.supportRead;
    for (let sighting = 1; sighting <= 3; sighting += 1) {
      const { status, body } = await production.request(query, { id: tenant.id }, { as: persona });
      expect({ sighting, status, codes: codes(body) }).toEqual({ sighting, status: 200, codes: ["FORBIDDEN"] });
    }
  });
});

describe("request errors over HTTP (GraphQL-over-HTTP)", () => {
  const tooExpensive = `{ tenants(first: 100) { edges { node { operationRuns(first: 100) { edges { node {
    tenant { auditEvents(first: 100) { edges { node { id } } } } } } } } } } }`;

  it("come with status 200 in an application/json response, so a router passes the message on", async () => {
    for (const query of [tooExpensive, `{ tenants { nope } }`, `{ tenants(`]) {
      const { status, body } = await server.request(query, {}, { as: personas.operator });
      expect([query.slice(0, 20), status]).toEqual([query.slice(0, 20), 200]);
      expect(body.errors?.length).toBeGreaterThan(0);
      expect(body.data).toBeUndefined();
    }
  });

  it("keep their 4xx in an application/graphql-response+json response", async () => {
    const { status, body } = await server.request(
      tooExpensive,
      {},
      {
        as: personas.operator,
        headers: { accept: "application/graphql-response+json" },
      },
    );
    expect(status).toBe(400);
    expect(codes(body)).toEqual(["QUERY_TOO_COMPLEX"]);
  });
});
