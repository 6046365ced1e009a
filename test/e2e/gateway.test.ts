// The subgraph behind a real @apollo/gateway, composed with the example neighbours.
import { readFile } from "node:fs/promises";
import { GraphQLClient } from "graphql-request";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startAccountsSubgraph,
  startBillingSubgraph,
  type RunningSubgraph,
} from "../../src/federation/example-neighbours.ts";
import { startLocalGateway, type RunningGateway } from "../../src/federation/local-gateway.ts";
import { activeTenant, transition, type TenantFixture } from "../support/fixtures.ts";
import { personas, tenantAdmin, tokenFor, type Persona } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let subgraph: TestServer;
let neighbours: RunningSubgraph[] = [];
let gateway: RunningGateway;
let tenant: TenantFixture;
const SECRET = `gateway-secret-${Date.now()}`;

beforeAll(async () => {
  subgraph = await startTestServer();
  neighbours = await Promise.all([startAccountsSubgraph(), startBillingSubgraph()]);
  gateway = await startLocalGateway({
    supergraphSdl: await readFile(new URL("../../supergraph.graphql", import.meta.url), "utf8"),
    urls: { "tenant-lifecycle": subgraph.url, accounts: neighbours[0]!.url, billing: neighbours[1]!.url },
  });
  tenant = await activeTenant(subgraph);
  await transition(subgraph, tenant.id, "SUSPEND", { reason: SECRET });
});
afterAll(async () => {
  await gateway?.stop();
  await Promise.all(neighbours.map((neighbour) => neighbour.stop()));
  await subgraph?.close();
});

async function through(persona: Persona | null): Promise<GraphQLClient> {
  return new GraphQLClient(gateway.url, {
    headers: persona ? { authorization: `Bearer ${await tokenFor(persona)}` } : {},
  });
}

describe("through the gateway", () => {
  it("joins tenants with their plan from billing, forwarding the caller's token", async () => {
    const client = await through(personas.operator);
    const data = await client.request<{
      tenants: { edges: { node: { id: string; status: string; plan: { tier: string; seats: number } } }[] };
    }>(
      `{ tenants(first: 5, filter: { status: [SUSPENDED] }) { edges { node { id status lifecycle { statusReason } plan { tier seats } } } } }`,
    );
    const node = data.tenants.edges.find((edge) => edge.node.id === tenant.id)?.node;
    expect(node).toMatchObject({
      status: "SUSPENDED",
      lifecycle: { statusReason: SECRET },
      plan: { tier: expect.any(String) },
    });
  });

  it("resolves an audit event's actor.user.email from accounts", async () => {
    const client = await through(personas.operator);
    const data = await client.request<{
      tenant: { auditEvents: { edges: { node: { actor: { id: string; user: { email: string } } } }[] } };
    }>(
      `query($id: ID) { tenant(id: $id) { auditEvents(first: 1) { edges { node { actor { id user { email } } } } } } }`,
      { id: tenant.id },
    );
    expect(data.tenant.auditEvents.edges[0]?.node.actor).toEqual({
      id: personas.operator.sub,
      user: { email: `${personas.operator.sub}@example.test` },
    });
  });

  it("keeps masking for a tenant admin, and refuses callers without a token", async () => {
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await tokenFor(tenantAdmin(tenant.id))}`,
      },
      body: JSON.stringify({
        query: `{ viewerTenant { id lifecycle { statusReason } plan { tier } auditEvents(first: 20) { edges { node { reason changes } } } } }`,
      }),
    });
    const raw = await response.text();
    expect(raw).not.toContain(SECRET);
    expect(JSON.parse(raw).data.viewerTenant).toMatchObject({
      id: tenant.id,
      lifecycle: { statusReason: null },
      plan: { tier: expect.any(String) },
    });

    const anonymous = await (
      await through(null)
    )
      .rawRequest(`query($id: ID) { tenant(id: $id) { id } }`, { id: tenant.id })
      .catch((error: { response: { errors: { extensions: { code: string } }[] } }) => error.response);
    expect(JSON.stringify(anonymous)).toContain("UNAUTHENTICATED");
  });
});
