// Design §6, "Fair shares": one caller — or one tenant's many users — cannot starve the others.
// Over HTTP against the real server: per-caller concurrency, cost buckets per caller and per
// tenant with what a client sees (429, Retry-After, extensions.cost), shedding, and readiness
// that tells a busy pool from a database outage.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, type TenantFixture } from "../support/fixtures.ts";
import { UPDATE_TENANT } from "../support/operations.ts";
import { personas, tenantAdmin, tenantMember, tokenFor, type Persona } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
let tenant: TenantFixture;
let otherTenant: TenantFixture;
let thirdTenant: TenantFixture;

beforeAll(async () => {
  server = await startTestServer();
  [tenant, otherTenant, thirdTenant] = [
    await activeTenant(server),
    await activeTenant(server),
    await activeTenant(server),
  ];
});
afterAll(async () => {
  await server?.close();
});

/** Holds a tenant's row lock from outside the service (as another transaction would). */
async function lockTenantRow(databaseUrl: string, tenantId: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE", [tenantId]);
  return async () => {
    await client.query("ROLLBACK");
    await client.end();
  };
}

async function post(url: string, persona: Persona | null, query: string, variables: Record<string, unknown> = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (persona) headers["authorization"] = `Bearer ${await tokenFor(persona)}`;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
    extensions?: { cost?: CostExtension };
  };
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body };
}

interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}
interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number;
  throttleStatus: ThrottleStatus;
  tenantThrottleStatus?: ThrottleStatus;
}

const READ_TENANT = `query($id: ID!) { tenant(id: $id) { id status } }`;
const renameTo = (tenantId: string, name: string) => ({ input: { tenantId, name } });

describe("a caller's requests in flight", () => {
  it("are capped: one more gets 429 RATE_LIMITED with Retry-After at once, while other callers are served", async () => {
    const capped = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { RATE_LIMIT_CONCURRENT_TENANT_USER: "2", LIMIT_REQUEST_TIMEOUT_MS: "8000" },
    });
    const admin = tenantAdmin(tenant.id);
    const release = await lockTenantRow(server.databaseUrl, tenant.id);
    try {
      // Two renames wait on the row lock: the admin's two slots are taken.
      const waiting = [1, 2].map((index) =>
        post(capped.url, admin, UPDATE_TENANT, renameTo(tenant.id, `Held ${index}`)),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const startedAt = Date.now();
      const third = await post(capped.url, admin, READ_TENANT, { id: tenant.id });
      expect(Date.now() - startedAt).toBeLessThan(1_000);
      expect(third.status).toBe(429);
      expect(third.retryAfter).toBe("1");
      expect(third.body.errors).toEqual([
        expect.objectContaining({
          extensions: { code: "RATE_LIMITED", limit: "concurrency", retryAfterSeconds: 1 },
        }),
      ]);
      // Another tenant's admin and an operator are not held back by it.
      const other = await post(capped.url, tenantAdmin(otherTenant.id), READ_TENANT, { id: otherTenant.id });
      expect(other.status).toBe(200);
      expect(other.body.data).toEqual({ tenant: { id: otherTenant.id, status: "ACTIVE" } });
      expect((await post(capped.url, personas.operator, READ_TENANT, { id: tenant.id })).status).toBe(200);
      await release();
      for (const done of await Promise.all(waiting)) expect(done.status).toBe(200);
      // Slots are given back when the requests end.
      expect((await post(capped.url, admin, READ_TENANT, { id: tenant.id })).status).toBe(200);
      const metrics = await (await fetch(capped.url.replace(/\/graphql$/, "/metrics"))).text();
      expect(metrics).toMatch(/graphql_admission_refusals_total\{reason="concurrency"\} 1\b/);
    } finally {
      await release().catch(() => undefined);
      await capped.close();
    }
  });
});

describe("cost budgets", () => {
  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id slug name } } }`;
  const representations = (tenantId: string, count: number) =>
    Array.from({ length: count }, () => ({ __typename: "Tenant", id: tenantId }));

  it("are spent by each request's cost, reported in extensions.cost, and refused with 429 once spent — per caller and per tenant", async () => {
    const budgeted = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: {
        RATE_LIMIT_TENANT_USER_POINTS: "10000",
        RATE_LIMIT_TENANT_USER_RESTORE_RATE: "1",
        RATE_LIMIT_TENANT_POINTS: "12000",
        RATE_LIMIT_TENANT_RESTORE_RATE: "1",
      },
    });
    try {
      // The price of a representation, learnt by a member of a third tenant (whose budgets are apart).
      const probe = tenantMember(thirdTenant.id);
      const one = await post(budgeted.url, probe, ENTITIES, { r: representations(thirdTenant.id, 1) });
      const eleven = await post(budgeted.url, probe, ENTITIES, { r: representations(thirdTenant.id, 11) });
      const perRepresentation =
        ((eleven.body.extensions?.cost?.requestedQueryCost ?? 0) -
          (one.body.extensions?.cost?.requestedQueryCost ?? 0)) /
        10;
      expect(perRepresentation).toBeGreaterThan(0);
      // A request that costs a little over half of a member's budget (and of the tenant's).
      const count = Math.ceil(6_100 / perRepresentation);
      const heavy = { r: representations(tenant.id, count) };

      const alice = tenantMember(tenant.id);
      const first = await post(budgeted.url, alice, ENTITIES, heavy);
      expect(first.status).toBe(200);
      const cost = first.body.extensions?.cost as CostExtension;
      expect(cost.requestedQueryCost).toBeGreaterThan(6_000);
      expect(cost.actualQueryCost).toBe(cost.requestedQueryCost);
      expect(cost.throttleStatus).toEqual({
        maximumAvailable: 10_000,
        currentlyAvailable: expect.closeTo(10_000 - cost.requestedQueryCost, -1),
        restoreRate: 1,
      });
      expect(cost.tenantThrottleStatus?.maximumAvailable).toBe(12_000);

      const second = await post(budgeted.url, alice, ENTITIES, heavy);
      expect(second.status).toBe(429);
      // Restored at 1 point a second: the wait is what the bucket lacks, in seconds.
      const lacking = cost.requestedQueryCost - cost.throttleStatus.currentlyAvailable;
      expect(Number(second.retryAfter)).toBeGreaterThanOrEqual(lacking - 2);
      expect(Number(second.retryAfter)).toBeLessThanOrEqual(lacking + 2);
      expect(second.body.errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: "RATE_LIMITED", limit: "cost" }) }),
      ]);
      expect(second.body.data).toBeUndefined();
      expect(second.body.extensions?.cost?.actualQueryCost).toBe(0);

      // Told to wait, Alice is refused at the door until then, even for a cheap read.
      const early = await post(budgeted.url, alice, READ_TENANT, { id: tenant.id });
      expect(early.status).toBe(429);
      expect(Number(early.retryAfter)).toBeGreaterThan(0);
      expect(early.body.errors?.[0]?.message).toMatch(/still refilling/);

      // Bob has a full bucket of his own, but his tenant's holds less than the request costs.
      const bob = { ...tenantAdmin(tenant.id), sub: "bob" };
      const third = await post(budgeted.url, bob, ENTITIES, heavy);
      expect(third.status).toBe(429);
      expect(third.body.errors?.[0]?.message).toMatch(/your tenant's budget/);
      // A cheap read of a third member still fits what the tenant has left; another tenant's
      // member is untouched.
      const carol = { ...tenantMember(tenant.id), sub: "carol" };
      expect((await post(budgeted.url, carol, READ_TENANT, { id: tenant.id })).status).toBe(200);
      const other = await post(budgeted.url, tenantMember(otherTenant.id), ENTITIES, {
        r: representations(otherTenant.id, count),
      });
      expect(other.status).toBe(200);
      expect(other.body.extensions?.cost?.throttleStatus.currentlyAvailable).toBeLessThan(5_000);
    } finally {
      await budgeted.close();
    }
  });

  it("are refused at start-up when smaller than the cost one request may have", async () => {
    await expect(
      startTestServer({ databaseUrl: server.databaseUrl, env: { RATE_LIMIT_TENANT_USER_POINTS: "9999" } }),
    ).rejects.toThrow(/RATE_LIMIT_TENANT_USER_POINTS \(9999\) must be at least LIMIT_MAX_COST_TENANT \(10000\)/);
  });
});

describe("load shedding", () => {
  it("answers 503 OVERLOADED with Retry-After past the in-flight bound, while probes still answer", async () => {
    const shedding = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { SHED_MAX_IN_FLIGHT: "1", LIMIT_REQUEST_TIMEOUT_MS: "8000" },
    });
    const release = await lockTenantRow(server.databaseUrl, tenant.id);
    try {
      const waiting = [1, 2].map((index) =>
        post(shedding.url, personas.operator, UPDATE_TENANT, renameTo(tenant.id, `Shed ${index}`)),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const refused = await post(shedding.url, tenantAdmin(otherTenant.id), READ_TENANT, { id: otherTenant.id });
      expect(refused.status).toBe(503);
      expect(refused.retryAfter).toBe("1");
      expect(refused.body.errors?.[0]?.extensions).toEqual({
        code: "SERVICE_UNAVAILABLE",
        reason: "OVERLOADED",
        retryAfterSeconds: 1,
      });
      const base = shedding.url.replace(/\/graphql$/, "");
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      await release();
      await Promise.all(waiting);
      expect((await post(shedding.url, tenantAdmin(otherTenant.id), READ_TENANT, { id: otherTenant.id })).status).toBe(
        200,
      );
    } finally {
      await release().catch(() => undefined);
      await shedding.close();
    }
  });
});

describe("a pool with no free connection", () => {
  it("is busy, not down: readiness stays 200 and requests fail as OVERLOADED, counted apart from outages", async () => {
    const starved = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { DATABASE_POOL_MAX: "1", DATABASE_CONNECT_TIMEOUT_MS: "300" },
    });
    const held = await starved.database.pool.connect();
    try {
      const base = starved.url.replace(/\/graphql$/, "");
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      const { body } = await starved.request(READ_TENANT, { id: tenant.id }, { as: personas.operator });
      expect(body.errors).toEqual([
        {
          message: expect.stringMatching(/overloaded/i),
          path: ["tenant"],
          extensions: { code: "SERVICE_UNAVAILABLE", reason: "OVERLOADED" },
        },
      ]);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/graphql_overloaded_requests_total 1\b/);
      expect(starved.logs.filter((line) => line.includes('"reason":"OVERLOADED"'))).toHaveLength(1);
    } finally {
      held.release();
      await starved.close();
    }
  });
});
