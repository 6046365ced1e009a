import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, queuedRun, transition, type TenantFixture } from "../support/fixtures.ts";
import { personas, tenantAdmin } from "../support/personas.ts";
import { countStatements } from "../support/statement-counter.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
const tenants: TenantFixture[] = [];
const runIds: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  for (let index = 0; index < 100; index += 1) {
    const created = await server.data<{ createTenant: { tenant: TenantFixture } }>(
      `mutation($slug: String!) { createTenant(input: { slug: $slug, name: "Entity" }) { tenant { id slug } } }`,
      { slug: `entity-${index}-${process.pid}` },
      { as: personas.operator },
    );
    tenants.push(created.createTenant.tenant);
  }
  const active = await activeTenant(server);
  for (let index = 0; index < 100; index += 1)
    runIds.push(await queuedRun(server, active.id, index % 2 ? "DATA_EXPORT" : "MAINTENANCE"));
});
afterAll(async () => {
  await server?.close();
});

const TENANT_ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id slug status lifecycle { statusReason version badge { label } } } } }`;
const RUN_ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on OperationRun { id status failureReason tenant { id } } } }`;

describe("_entities is batched", () => {
  it.each([1, 10, 100])(
    "resolves %i Tenant representations (by id and by slug) in at most 2 statements",
    async (count) => {
      const representations = tenants
        .slice(0, count)
        .map((tenant, index) =>
          index % 2 ? { __typename: "Tenant", id: tenant.id } : { __typename: "Tenant", slug: tenant.slug },
        );
      const { result, statements } = await countStatements(() =>
        server.data<{ _entities: { id: string }[] }>(
          TENANT_ENTITIES,
          { r: representations },
          { as: personas.operator },
        ),
      );
      expect(result._entities.map((entity) => entity.id)).toEqual(tenants.slice(0, count).map((tenant) => tenant.id));
      console.info(`[entities] ${count} Tenant representations → ${statements.length} statements`);
      expect(statements.length).toBeLessThanOrEqual(2);
    },
  );

  it("resolves 1 000 Tenant representations (a neighbour's list), unknown ones as null, in at most 2 statements", async () => {
    const missing = Array.from(
      { length: 900 },
      (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
    );
    const representations = [
      ...tenants.map((tenant) => ({ __typename: "Tenant", id: tenant.id })),
      ...missing.map((id) => ({ __typename: "Tenant", id })),
    ];
    const { result, statements } = await countStatements(() =>
      server.data<{ _entities: ({ id: string } | null)[] }>(
        TENANT_ENTITIES,
        { r: representations },
        { as: personas.operator },
      ),
    );
    expect(result._entities).toHaveLength(1_000);
    expect(result._entities.slice(0, 100).map((entity) => entity?.id)).toEqual(tenants.map((tenant) => tenant.id));
    expect(result._entities.slice(100).every((entity) => entity === null)).toBe(true);
    console.info(`[entities] 1 000 Tenant representations → ${statements.length} statements`);
    expect(statements.length).toBeLessThanOrEqual(2);
  });

  it.each([1, 10, 100])(
    "resolves %i OperationRun representations with their tenant in at most 2 statements",
    async (count) => {
      const representations = runIds.slice(0, count).map((id) => ({ __typename: "OperationRun", id }));
      const { result, statements } = await countStatements(() =>
        server.data<{ _entities: { id: string }[] }>(RUN_ENTITIES, { r: representations }, { as: personas.operator }),
      );
      expect(result._entities.map((entity) => entity.id)).toEqual(runIds.slice(0, count));
      console.info(`[entities] ${count} OperationRun representations → ${statements.length} statements`);
      expect(statements.length).toBeLessThanOrEqual(2);
    },
  );

  it("returns null in place for misses, unknown ids and invisible records, in representation order", async () => {
    const hidden = tenants[0] as TenantFixture;
    const visible = await activeTenant(server);
    const { _entities } = await server.data<{ _entities: ({ id: string } | null)[] }>(
      TENANT_ENTITIES,
      {
        r: [
          { __typename: "Tenant", id: visible.id },
          { __typename: "Tenant", id: "00000000-0000-4000-8000-000000000000" },
          { __typename: "Tenant", id: "not-a-uuid" },
          { __typename: "Tenant", slug: hidden.slug },
          { __typename: "Tenant", slug: visible.slug },
        ],
      },
      { as: tenantAdmin(visible.id) },
    );
    expect(_entities.map((entity) => entity?.id ?? null)).toEqual([visible.id, null, null, null, visible.id]);
  });

  it("masks statusReason on entities for tenant viewers", async () => {
    const tenant = await activeTenant(server, { reason: "entity-secret" });
    await transition(server, tenant.id, "SUSPEND", { reason: "entity-secret-2" });
    const asAdmin = await server.request(
      TENANT_ENTITIES,
      { r: [{ __typename: "Tenant", id: tenant.id }] },
      { as: tenantAdmin(tenant.id) },
    );
    expect(asAdmin.raw).not.toContain("entity-secret");
    const asOperator = await server.request(
      TENANT_ENTITIES,
      { r: [{ __typename: "Tenant", id: tenant.id }] },
      { as: personas.operator },
    );
    expect(asOperator.raw).toContain("entity-secret-2");
  });
});
