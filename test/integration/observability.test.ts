import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant } from "../support/fixtures.ts";
import { personas, tenantMember, tokenFor } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("metrics and logs", () => {
  it("exposes request latency by operation, errors by code, transitions and pool usage at /metrics", async () => {
    await activeTenant(server);
    await server.request(`query DashboardProbe { tenants(first: 1) { totalCount } }`, {}, { as: personas.operator });
    await server.request(
      `query Forbidden { tenants(first: 1) { totalCount } }`,
      {},
      { as: tenantMember("11111111-1111-4111-8111-111111111111") },
    );
    const response = await fetch(server.url.replace("/graphql", "/metrics"));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(
      /graphql_request_duration_seconds_count\{operation_name="DashboardProbe",operation_type="query",outcome="ok"\} 1/,
    );
    expect(text).toMatch(/graphql_errors_total\{code="FORBIDDEN"\} 1/);
    expect(text).toMatch(/tenant_lifecycle_transitions_total\{transition="ACTIVATE"\} 1/);
    expect(text).toMatch(/db_pool_connections\{state="total"\} \d+/);
    expect(text).toMatch(/process_resident_memory_bytes/);
  });

  it("counts each error code once per request, however many fields raised it", async () => {
    const counted = async (code: string) => {
      const text = await (await fetch(server.url.replace("/graphql", "/metrics"))).text();
      return Number(new RegExp(`graphql_errors_total\\{code="${code}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    };
    const before = { unauthenticated: await counted("UNAUTHENTICATED"), badInput: await counted("BAD_USER_INPUT") };
    // Without a token, 2 000 representations counted 2 000 errors (issue 22).
    const representations = Array.from({ length: 2_000 }, () => ({ __typename: "Tenant", id: "x" }));
    await server.request(`query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, {
      r: representations,
    });
    // Five nullable fields, each refused with its own error, in one request.
    const lookups = Array.from({ length: 5 }, (_, index) => `t${index}: tenant(id: "x", slug: "y") { id }`);
    const { body } = await server.request(`{ ${lookups.join(" ")} }`, {}, { as: personas.operator });
    expect(body.errors?.map((error) => error.extensions?.["code"])).toEqual(
      Array.from({ length: 5 }, () => "BAD_USER_INPUT"),
    );
    expect(await counted("UNAUTHENTICATED")).toBe(before.unauthenticated + 1);
    expect(await counted("BAD_USER_INPUT")).toBe(before.badInput + 1);
  });

  it("logs one line per request with request id, operation name, principal sub and duration, never the token", async () => {
    const token = await tokenFor(personas.supportRead);
    await server.request(
      `query LoggedProbe { lifecycleTransitions { transition } }`,
      {},
      { token, headers: { "x-request-id": "log-probe-1" } },
    );
    const line = server.logs
      .map((entry) => JSON.parse(entry) as Record<string, unknown>)
      .find((entry) => entry["requestId"] === "log-probe-1" && entry["msg"] === "request finished");
    expect(line).toMatchObject({
      operationName: "LoggedProbe",
      sub: personas.supportRead.sub,
      status: 200,
      path: "/graphql",
    });
    expect(typeof line?.["durationMs"]).toBe("number");
    expect(server.logs.join("")).not.toContain(token);
  });

  it("logs probes (/healthz, /readyz, /metrics) below info, and GraphQL requests at info", async () => {
    const base = server.url.replace("/graphql", "");
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      const response = await fetch(`${base}${path}`, { headers: { "x-request-id": `probe-${path.slice(1)}` } });
      expect(response.status).toBe(200);
    }
    await server.request(`{ _service { sdl } }`, {}, { headers: { "x-request-id": "not-a-probe" } });
    const finished = server.logs
      .map((entry) => JSON.parse(entry) as Record<string, unknown>)
      .filter((entry) => entry["msg"] === "request finished");
    expect(finished.filter((entry) => String(entry["requestId"]).startsWith("probe-"))).toEqual([]);
    expect(finished.some((entry) => entry["requestId"] === "not-a-probe")).toBe(true);
  });

  it("says at start that ftv1 traces are for the router only, never Apollo's 'enabling for this subgraph'", async () => {
    const started = server.logs.join("");
    expect(started).not.toContain("Enabling inline tracing");
    expect(started).toContain("ftv1 inline traces: off");
    const behindRouter = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { ROUTER_SHARED_SECRET: "router-secret-for-the-message" },
    });
    try {
      expect(behindRouter.logs.join("")).not.toContain("Enabling inline tracing");
      expect(behindRouter.logs.join("")).toContain(
        "ftv1 inline traces: only for requests presenting ROUTER_SHARED_SECRET",
      );
    } finally {
      await behindRouter.close();
    }
  });

  it("echoes X-Request-Id, or generates one", async () => {
    const given = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "abc-123" },
      body: '{"query":"{ _service { sdl } }"}',
    });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    const generated = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "bad id with spaces" },
      body: '{"query":"{ _service { sdl } }"}',
    });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("router shared secret", () => {
  it("answers 401 on /graphql without X-Router-Secret, while health and metrics stay open", async () => {
    const guarded = await startTestServer({ env: { ROUTER_SHARED_SECRET: "router-secret-value" } });
    try {
      const base = guarded.url.replace("/graphql", "");
      const refused = await fetch(guarded.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"query":"{ _service { sdl } }"}',
      });
      expect(refused.status).toBe(401);
      const allowed = await guarded.request(
        `{ _service { sdl } }`,
        {},
        { headers: { "x-router-secret": "router-secret-value" } },
      );
      expect(allowed.status).toBe(200);
      for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await fetch(`${base}${path}`)).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
