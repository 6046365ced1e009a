import { GraphQLClient } from "graphql-request";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { CREATE_TENANT, TRANSITION_TENANT, type MutationPayload } from "../support/operations.ts";
import { personas, tokenFor } from "../support/personas.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";

let database: TestDatabase;
let servers: ServerProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  // Both processes start on the same fresh database: the migration lock lets exactly one migrate.
  servers = await Promise.all([
    startServerProcess({ DATABASE_URL: database.url }),
    startServerProcess({ DATABASE_URL: database.url }),
  ]);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await database?.drop();
});

async function clients() {
  const token = await tokenFor(personas.operator);
  return servers.map((server) => new GraphQLClient(server.url, { headers: { authorization: `Bearer ${token}` } }));
}

describe("two server processes on one database", () => {
  it("50 creates of one slug split across both: 1 success, 49 SLUG_TAKEN", async () => {
    const [a, b] = await clients();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        (index % 2 === 0 ? a : b)!.request<{ createTenant: MutationPayload }>(CREATE_TENANT, {
          input: { slug: "two-process-slug", name: "Race" },
        }),
      ),
    );
    const codes = responses.map((response) => response.createTenant.userErrors[0]?.code ?? "OK");
    expect(codes.filter((code) => code === "OK")).toHaveLength(1);
    expect(codes.filter((code) => code === "SLUG_TAKEN")).toHaveLength(49);
  });

  it("50 transitions on one tenant split across both: every success audited, versions gapless, chain valid", async () => {
    const [a, b] = await clients();
    const created = await a!.request<{ createTenant: MutationPayload }>(CREATE_TENANT, {
      input: { slug: "two-process-tenant", name: "Race" },
    });
    const tenantId = created.createTenant.tenant?.id as string;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // Walk the machine to ACTIVE: no status is ever set by hand.
      await a!.request(TRANSITION_TENANT, { input: { tenantId, transition: "START_ONBOARDING" } });
      for (const step of ["PROFILE", "BILLING", "DOMAIN"]) {
        await b!.request(
          `mutation($input: CompleteOnboardingStepInput!) { completeOnboardingStep(input: $input) { userErrors { code } } }`,
          {
            input: { tenantId, step },
          },
        );
      }
      await a!.request(TRANSITION_TENANT, { input: { tenantId, transition: "ACTIVATE" } });
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          (index % 2 === 0 ? a : b)!.request<{ transitionTenant: MutationPayload }>(TRANSITION_TENANT, {
            input: { tenantId, transition: index % 3 === 0 ? "REACTIVATE" : "SUSPEND", reason: `race ${index}` },
          }),
        ),
      );
      const successes = responses.filter((response) => response.transitionTenant.userErrors.length === 0).length;
      const { rows: tenantRows } = await client.query<{ version: number }>(
        "SELECT version FROM tenants WHERE id = $1",
        [tenantId],
      );
      expect(tenantRows[0]?.version).toBe(3 + successes);
      const { rows } = await client.query<{ sequence: number; action: string }>(
        "SELECT sequence, action FROM audit_events WHERE tenant_id = $1 ORDER BY sequence",
        [tenantId],
      );
      expect(rows.map((row) => row.sequence)).toEqual(rows.map((_, index) => index + 1));
      const lifecycleEvents = rows.filter((row) => /suspend|reactivate/.test(row.action));
      expect(lifecycleEvents).toHaveLength(successes);
      const chain = await a!.request<{ auditChain: { valid: boolean } }>(
        `query($id: ID!) { auditChain(tenantId: $id) { valid } }`,
        {
          id: tenantId,
        },
      );
      expect(chain.auditChain.valid).toBe(true);
    } finally {
      await client.end();
    }
  });
});
