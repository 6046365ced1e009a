import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request as graphqlRequest, GraphQLClient } from "graphql-request";
import { afterAll, describe, expect, it } from "vitest";
import { DEVELOPMENT_JWT_SECRET } from "../../src/server/config.ts";
import { createTestDatabase } from "../support/database.ts";
import { personas, tokenFor } from "../support/personas.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";

const running: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()));
});

async function expectServes(server: ServerProcess) {
  const sdl = await graphqlRequest<{ _service: { sdl: string } }>(server.url, "{ _service { sdl } }");
  expect(sdl._service.sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.6"');
  const ready = await fetch(`${server.baseUrl}/readyz`);
  expect(ready.status).toBe(200);
  expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
}

describe("npm start", () => {
  it("migrates a fresh DATABASE_URL, serves _service without a token, and exits 0 on SIGTERM", async () => {
    const database = await createTestDatabase({ migrate: false });
    try {
      const server = await startServerProcess({ DATABASE_URL: database.url });
      running.push(server);
      await expectServes(server);
      const anonymous = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: '{ tenant(slug: "x") { id } }' }),
      });
      expect(
        ((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
      ).toBe("UNAUTHENTICATED");

      const client = new GraphQLClient(server.url, {
        headers: { authorization: `Bearer ${await tokenFor(personas.operator)}` },
      });
      const created = await client.request<{ createTenant: { tenant: { id: string } } }>(
        `mutation { createTenant(input: { slug: "e2e-start", name: "E2E" }) { tenant { id } userErrors { code } } }`,
      );
      const found = await client.request<{ tenant: { slug: string } }>(`query($id: ID) { tenant(id: $id) { slug } }`, {
        id: created.createTenant.tenant.id,
      });
      expect(found.tenant.slug).toBe("e2e-start");
      expect(await server.stop("SIGTERM")).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it("without DATABASE_URL starts an embedded PostgreSQL, and a second start reuses its data", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tls-embedded-e2e-"));
    try {
      const env = { DATABASE_URL: undefined, EMBEDDED_POSTGRES_DIR: dataDir };
      const first = await startServerProcess(env);
      running.push(first);
      await expectServes(first);
      const client = new GraphQLClient(first.url, {
        headers: { authorization: `Bearer ${await tokenFor(personas.operator)}` },
      });
      await client.request(
        `mutation { createTenant(input: { slug: "kept-across-restarts", name: "Kept" }) { userErrors { code } } }`,
      );
      expect(await first.stop("SIGINT")).toBe(0);

      const second = await startServerProcess(env);
      running.push(second);
      const again = new GraphQLClient(second.url, {
        headers: { authorization: `Bearer ${await tokenFor(personas.operator)}` },
      });
      const found = await again.request<{ tenant: { name: string } | null }>(
        `{ tenant(slug: "kept-across-restarts") { name } }`,
      );
      expect(found.tenant?.name).toBe("Kept");
      expect(await second.stop("SIGTERM")).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("two starts on one data directory", () => {
  it("the second refuses, naming the owner's pid and what to set, and the first keeps its database", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tls-embedded-twice-"));
    try {
      const env = { DATABASE_URL: undefined, EMBEDDED_POSTGRES_DIR: dataDir };
      const first = await startServerProcess(env);
      running.push(first);
      await expectServes(first);

      const error = await startServerProcess(env, 60_000).then(
        () => null,
        (failure: Error) => failure,
      );
      expect(error?.message).toMatch(/exited with 1 before listening/);
      expect(error?.message).toContain(`belongs to another running instance of this subgraph (pid ${first.pid})`);
      expect(error?.message).toContain("EMBEDDED_POSTGRES_DIR=");
      expect(error?.message).toContain("DATABASE_URL");
      expect(error?.message).not.toContain("stopping it");

      // The first instance's database was never touched: ready, and it still writes.
      expect((await fetch(`${first.baseUrl}/readyz`)).status).toBe(200);
      const client = new GraphQLClient(first.url, {
        headers: { authorization: `Bearer ${await tokenFor(personas.operator)}` },
      });
      const created = await client.request<{ createTenant: { tenant: { slug: string } | null } }>(
        `mutation { createTenant(input: { slug: "after-second-start", name: "Still" }) { tenant { slug } } }`,
      );
      expect(created.createTenant.tenant?.slug).toBe("after-second-start");
      expect(await first.stop("SIGTERM")).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("production mode", () => {
  it("refuses to start without DATABASE_URL and real auth, naming every problem", async () => {
    const error = await startServerProcess(
      { NODE_ENV: "production", DATABASE_URL: undefined, AUTH_JWT_SECRET: undefined },
      30_000,
    ).then(
      () => null,
      (failure: Error) => failure,
    );
    expect(error?.message).toMatch(/exited with 1/);
    expect(error?.message).toContain("production needs DATABASE_URL");
    expect(error?.message).toContain("production needs AUTH_JWKS_URL");
  });

  it("refuses the development secret from a secret file with a final newline, and prints no token", async () => {
    const database = await createTestDatabase({ migrate: false });
    try {
      const error = await startServerProcess(
        { NODE_ENV: "production", DATABASE_URL: database.url, AUTH_JWT_SECRET: `${DEVELOPMENT_JWT_SECRET}\n` },
        30_000,
      ).then(
        () => null,
        (failure: Error) => failure,
      );
      expect(error?.message).toMatch(/exited with 1/);
      expect(error?.message).toContain("AUTH_JWT_SECRET is the published development secret");
      expect(error?.message).not.toMatch(/Development operator token|Bearer ey/);
    } finally {
      await database.drop();
    }
  });
});
