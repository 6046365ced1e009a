// The checks of Apollo's subgraph compatibility suite that apply to this subgraph.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, queuedRun, type TenantFixture } from "../support/fixtures.ts";
import { personas, tokenFor } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
let tenant: TenantFixture;
let runId: string;
let sdl: string;

beforeAll(async () => {
  server = await startTestServer();
  tenant = await activeTenant(server);
  runId = await queuedRun(server, tenant.id);
  sdl = ((await server.request(`{ _service { sdl } }`)).body.data as { _service: { sdl: string } })._service.sdl;
});
afterAll(async () => {
  await server?.close();
});

describe("federation conformance", () => {
  it("_service.sdl links federation v2.6 and imports only what it uses", () => {
    expect(sdl).toMatch(
      /extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.6", import: \["@key", "@shareable", "@authenticated", "@requiresScopes"\]\)/,
    );
  });

  it("declares the entity keys, the shareable PageInfo and the non-resolvable User", () => {
    expect(sdl).toMatch(/type Tenant\s+@key\(fields: "id"\)\s+@key\(fields: "slug"\)/);
    expect(sdl).toMatch(/type OperationRun\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type User\s+@key\(fields: "id", resolvable: false\)/);
    expect(sdl).toMatch(/type PageInfo\s+@shareable/);
  });

  it("carries @authenticated and @requiresScopes on the protected fields", () => {
    expect(sdl).toMatch(/tenant\(id: ID, slug: String\): Tenant @authenticated/);
    expect(sdl).toMatch(
      /createTenant\(input: CreateTenantInput!\): CreateTenantPayload! @requiresScopes\(scopes: \[\["platform:operator"\]\]\)/,
    );
  });

  it("resolves _entities for every key of every entity, mixed in one request", async () => {
    const { body } = await server.request(
      `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Tenant { id slug } ... on OperationRun { id kind } } }`,
      {
        r: [
          { __typename: "Tenant", id: tenant.id },
          { __typename: "OperationRun", id: runId },
          { __typename: "Tenant", slug: tenant.slug },
        ],
      },
      { as: personas.operator },
    );
    expect(body.errors).toBeUndefined();
    expect((body.data as { _entities: unknown[] })._entities).toEqual([
      { __typename: "Tenant", id: tenant.id, slug: tenant.slug },
      { __typename: "OperationRun", id: runId, kind: "DATA_EXPORT" },
      { __typename: "Tenant", id: tenant.id, slug: tenant.slug },
    ]);
  });
});

describe("ftv1 inline traces are for the router only", () => {
  const ROUTER_SECRET = "router-secret-for-the-trace-test";
  let behindRouter: TestServer;
  beforeAll(async () => {
    behindRouter = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { ROUTER_SHARED_SECRET: ROUTER_SECRET },
    });
  });
  afterAll(async () => {
    await behindRouter?.close();
  });

  async function extensionsOf(
    target: TestServer,
    headers: Record<string, string>,
  ): Promise<{ ftv1?: string } | undefined> {
    const response = await fetch(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await tokenFor(personas.operator)}`,
        ...headers,
      },
      body: JSON.stringify({ query: `query($id: ID) { tenant(id: $id) { id } }`, variables: { id: tenant.id } }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { extensions?: { ftv1?: string } }).extensions;
  }

  it("returns a trace when the router, presenting its secret, asks for one", async () => {
    const extensions = await extensionsOf(behindRouter, {
      "x-router-secret": ROUTER_SECRET,
      "apollo-federation-include-trace": "ftv1",
    });
    expect(extensions?.ftv1).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
  });

  it("returns none when the router does not ask", async () => {
    expect((await extensionsOf(behindRouter, { "x-router-secret": ROUTER_SECRET }))?.ftv1).toBeUndefined();
  });

  it("returns none to a plain client, even one that asks, when no router secret is configured", async () => {
    expect((await extensionsOf(server, { "apollo-federation-include-trace": "ftv1" }))?.ftv1).toBeUndefined();
  });
});
