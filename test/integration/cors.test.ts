// CORS: a browser app on another origin may call /graphql only when its origin is configured.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/server/config.ts";
import { personas, tokenFor } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const DASHBOARD = "https://dashboard.example.com";
const LOCAL_APP = "http://localhost:5173";
let server: TestServer;
let closed: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { CORS_ORIGINS: `${DASHBOARD}, ${LOCAL_APP}` } });
  closed = await startTestServer({ databaseUrl: server.databaseUrl });
});
afterAll(async () => {
  await server?.close();
  await closed?.close();
});

function preflight(target: TestServer, origin: string) {
  return fetch(target.url, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });
}

async function crossOriginQuery(target: TestServer, origin: string) {
  return fetch(target.url, {
    method: "POST",
    headers: {
      origin,
      "content-type": "application/json",
      authorization: `Bearer ${await tokenFor(personas.operator)}`,
    },
    body: JSON.stringify({ query: "{ tenants(first: 1) { totalCount } }" }),
  });
}

describe("CORS", () => {
  it("answers an allowed origin's preflight with the methods and headers it may use", async () => {
    for (const origin of [DASHBOARD, LOCAL_APP]) {
      const response = await preflight(server, origin);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
      expect(response.headers.get("access-control-allow-methods")).toBe("GET, POST");
      expect(response.headers.get("access-control-allow-headers")).toMatch(/authorization/);
      expect(response.headers.get("access-control-allow-headers")).toMatch(/content-type/);
      expect(response.headers.get("access-control-max-age")).toBe("600");
      expect(response.headers.get("vary")).toMatch(/Origin/);
    }
  });

  it("lets an allowed origin read the response, and exposes X-Request-Id", async () => {
    const response = await crossOriginQuery(server, DASHBOARD);
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(response.headers.get("access-control-expose-headers")).toMatch(/x-request-id/);
    expect(response.headers.get("vary")).toMatch(/Origin/);
  });

  it("gives any other origin no CORS header, on the preflight or the request", async () => {
    for (const origin of ["https://evil.example", "https://dashboard.example.com.evil.example", "null"]) {
      const answer = await preflight(server, origin);
      expect(answer.status).toBe(204);
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
      expect(answer.headers.get("access-control-allow-headers")).toBeNull();
      const response = await crossOriginQuery(server, origin);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  it("allows no origin by default", async () => {
    const answer = await preflight(closed, DASHBOARD);
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    expect((await crossOriginQuery(closed, DASHBOARD)).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers the preflight before the router secret, which a browser cannot send", async () => {
    const guarded = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { CORS_ORIGINS: DASHBOARD, ROUTER_SHARED_SECRET: "router-secret-for-cors" },
    });
    try {
      const response = await preflight(guarded, DASHBOARD);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    } finally {
      await guarded.close();
    }
  });

  it("refuses a configured value that is not an origin, naming it", () => {
    for (const value of ["*", "https://app.example.com/path", "app.example.com", "ftp://files.example.com"]) {
      expect(() => loadConfig({ CORS_ORIGINS: value }), value).toThrow(/CORS_ORIGINS: .* is not an origin/);
    }
    expect(loadConfig({ CORS_ORIGINS: "https://a.example, http://localhost:3000/" }).corsOrigins).toEqual([
      "https://a.example",
      "http://localhost:3000",
    ]);
  });
});
