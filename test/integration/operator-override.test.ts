import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, draftTenant, queuedRun, type TenantFixture } from "../support/fixtures.ts";
import { CREATE_TENANT, TRANSITION_TENANT, UPDATE_TENANT } from "../support/operations.ts";
import { personas, tenantAdmin } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
let target: TenantFixture;
let other: TenantFixture;
let otherRunId: string;

beforeAll(async () => {
  server = await startTestServer();
  target = await activeTenant(server);
  other = await activeTenant(server);
  await queuedRun(server, target.id);
  otherRunId = await queuedRun(server, other.id);
});
afterAll(async () => {
  await server?.close();
});

const override = (tenantId: string, as = personas.operator) => ({ as, headers: { "x-operator-override": tenantId } });

describe("X-Operator-Override", () => {
  it("gives a platform reader the tenant admin's read-only view of the target", async () => {
    const data = await server.data<{ viewerTenant: { id: string } | null; tenant: unknown }>(
      `query($other: ID) { viewerTenant { id } tenant(id: $other) { id } }`,
      { other: other.id },
      override(target.id),
    );
    expect(data).toEqual({ viewerTenant: { id: target.id }, tenant: null });
  });

  it.each([
    ["createTenant", CREATE_TENANT, () => ({ input: { slug: "override-create", name: "X" } })],
    ["updateTenant", UPDATE_TENANT, () => ({ input: { tenantId: target.id, name: "X" } })],
    [
      "transitionTenant",
      TRANSITION_TENANT,
      () => ({ input: { tenantId: target.id, transition: "SUSPEND", reason: "x" } }),
    ],
  ])("refuses %s with FORBIDDEN / OPERATOR_OVERRIDE_READ_ONLY", async (_name, document, variables) => {
    // support:read may not write at all, and is told the override is why all the same (design §3).
    for (const reader of [personas.operator, personas.supportRead]) {
      const { body } = await server.request(document, variables(), override(target.id, reader));
      expect(body.errors?.[0]?.extensions, reader.scope).toMatchObject({
        code: "FORBIDDEN",
        reason: "OPERATOR_OVERRIDE_READ_ONLY",
      });
    }
    const { rows } = await server.database.pool.query("SELECT name, version FROM tenants WHERE id = $1", [target.id]);
    expect(rows[0]?.version).toBe(3);
  });

  it("makes the tenant list FORBIDDEN", async () => {
    const { body } = await server.request(`{ tenants { totalCount } }`, {}, override(target.id));
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
  });

  it("makes the per-status counts FORBIDDEN, as the list they summarise", async () => {
    const { body } = await server.request(`{ tenantStatusCounts { status count } }`, {}, override(target.id));
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
    expect(body.data ?? null).toBeNull();
  });

  it("refuses platform-wide fields FORBIDDEN whatever their cost, costed apart from the same caller without it", async () => {
    // auditChain weighs 20 000, past a tenant view's limit: it was refused QUERY_TOO_COMPLEX (issue 22).
    const chains = (count: number) =>
      `{ ${Array.from({ length: count }, (_, index) => `c${index}: auditChain(tenantId: "${target.id}") { valid }`).join(" ")} }`;
    for (const reader of [personas.operator, personas.supportRead]) {
      for (const count of [1, 3]) {
        const { body } = await server.request(chains(count), {}, override(target.id, reader));
        // auditChain is non-null: the first refusal nulls the response, so fewer errors may come back.
        expect(new Set(body.errors?.map((error) => error.extensions?.["code"])), reader.scope).toEqual(
          new Set(["FORBIDDEN"]),
        );
      }
    }
    // Three chain walks (60 000) stay past the operator's own limit once the override is gone: the
    // cost computed for the override view (3) is not reused for the operator.
    const { body } = await server.request(chains(3), {}, { as: personas.operator });
    expect(body.errors?.map((error) => error.extensions?.["code"])).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("is FORBIDDEN from anyone but a platform reader, while _service still answers", async () => {
    for (const caller of [tenantAdmin(target.id), personas.worker]) {
      const { body } = await server.request(
        `{ viewerTenant { id } }`,
        {},
        { as: caller, headers: { "x-operator-override": target.id } },
      );
      expect(body.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
      const service = await server.request(
        `{ _service { sdl } }`,
        {},
        { as: caller, headers: { "x-operator-override": target.id } },
      );
      expect(service.body.errors).toBeUndefined();
    }
  });

  it("behaves as the named tenant would: unknown or hidden tenants give viewerTenant null", async () => {
    const draft = await draftTenant(server);
    for (const tenantId of [draft.id, "00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const data = await server.data<{ viewerTenant: unknown }>(`{ viewerTenant { id } }`, {}, override(tenantId));
      expect(data.viewerTenant).toBeNull();
    }
  });

  it("logs each use with the operator's sub", async () => {
    await server.data(`{ viewerTenant { id } }`, {}, override(target.id));
    const line = server.logs
      .map((entry) => JSON.parse(entry) as Record<string, unknown>)
      .find((entry) => entry["msg"] === "operator override in use");
    expect(line).toMatchObject({ operatorSub: personas.operator.sub, overrideTenantId: target.id });
  });
});

describe("X-Tenant-Context", () => {
  const context = (tenantId: string) => ({ as: personas.operator, headers: { "x-tenant-context": tenantId } });

  it("defaults the tenant filter of operationRuns and auditEvents", async () => {
    const data = await server.data<{
      operationRuns: { edges: { node: { tenant: { id: string } } }[] };
      auditEvents: { edges: { node: { tenant: { id: string } } }[] };
    }>(
      `{ operationRuns(first: 50) { edges { node { tenant { id } } } } auditEvents(first: 50) { edges { node { tenant { id } } } } }`,
      {},
      context(target.id),
    );
    expect(new Set(data.operationRuns.edges.map((edge) => edge.node.tenant.id))).toEqual(new Set([target.id]));
    expect(new Set(data.auditEvents.edges.map((edge) => edge.node.tenant.id))).toEqual(new Set([target.id]));
  });

  it("yields to an explicit filter", async () => {
    const data = await server.data<{ operationRuns: { edges: { node: { id: string } }[] } }>(
      `query($t: ID) { operationRuns(first: 50, filter: { tenantId: $t, kind: [DATA_EXPORT] }) { edges { node { id } } } }`,
      { t: other.id },
      context(target.id),
    );
    expect(data.operationRuns.edges.map((edge) => edge.node.id)).toEqual([otherRunId]);
  });

  it("never narrows operationRun(id), tenant(id) or _entities", async () => {
    const data = await server.data<{
      operationRun: { id: string } | null;
      tenant: { id: string } | null;
      _entities: unknown[];
    }>(
      `query($run: ID!, $tenant: ID, $r: [_Any!]!) {
        operationRun(id: $run) { id } tenant(id: $tenant) { id }
        _entities(representations: $r) { ... on Tenant { id } }
      }`,
      { run: otherRunId, tenant: other.id, r: [{ __typename: "Tenant", id: other.id }] },
      context(target.id),
    );
    expect(data).toEqual({ operationRun: { id: otherRunId }, tenant: { id: other.id }, _entities: [{ id: other.id }] });
  });
});
