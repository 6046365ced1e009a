// The operator console as HTTP (design §11): the built app and its headers, the app's routes
// answered by its shell, the page shown when it is not built, where it is on and off, the
// development tokens and where they are refused, the bundle's size, and the documents it sends
// against the served schema. The browser itself: test/e2e/console-browser.test.ts.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { readFileSync, readdirSync } from "node:fs";
import { parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_DOCUMENTS } from "../../console/src/documents.ts";
import { ConfigError, loadConfig } from "../../src/server/config.ts";
import { buildSubgraphSchema } from "../../src/schema/index.ts";
import { buildConsoleForTest, type ConsoleBuildDirectory } from "../support/console-build.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";
import { TEST_AUDIT_ENV } from "../support/audit-keys.ts";

let build: ConsoleBuildDirectory;
let server: TestServer;
let base: string;

beforeAll(async () => {
  build = await buildConsoleForTest();
  server = await startTestServer({ env: { CONSOLE_ASSETS_DIR: build.directory, CONSOLE_DEV_TOKENS: "true" } });
  base = server.url.replace("/graphql", "");
});
afterAll(async () => {
  await server?.close();
  await build?.remove();
});

function expectConsoleHeaders(response: Response): void {
  const policy = response.headers.get("content-security-policy") ?? "";
  const directives = new Map(
    policy.split(";").map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name as string, values.join(" ")];
    }),
  );
  expect(directives.get("default-src")).toBe("'self'");
  expect(directives.get("script-src")).toBe("'self'");
  expect(directives.get("style-src")).toBe("'self'");
  expect(directives.get("connect-src")).toBe("'self'");
  expect(directives.get("frame-ancestors")).toBe("'none'");
  expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("x-frame-options")).toBe("DENY");
}

describe("the console's files", () => {
  it("serves the app at /console, and its shell for every page of the app, with the strict headers", async () => {
    const shell = await (await fetch(`${base}/console/`)).text();
    expect(shell).toMatch(/<div id="root">/);
    for (const path of [
      "/console",
      "/console/",
      "/console/tenants?status=ACTIVE&q=ac",
      "/console/tenants/00000000-0000-4000-8000-000000000000",
      "/console/runs/00000000-0000-4000-8000-000000000000",
    ]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(response.headers.get("cache-control"), path).toBe("no-cache");
      expectConsoleHeaders(response);
      expect(await response.text(), path).toBe(shell);
    }
  });

  it("loads nothing inline and nothing from another origin", async () => {
    const shell = await (await fetch(`${base}/console/`)).text();
    // Every script is a file of this origin (the CSP would refuse an inline one anyway).
    for (const script of shell.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(script[1]).toMatch(/src="\/console\/assets\/[\w.-]+\.js"/);
      expect(script[2]).toBe("");
    }
    expect(shell).not.toMatch(/style=|<style/);
    const references = [...shell.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(references.length).toBeGreaterThanOrEqual(2);
    for (const reference of references) expect(reference).toMatch(/^(\/console\/assets\/[\w.-]+|data:,)$/);
  });

  it("serves the hashed assets immutable and gzipped when asked, and 404 for an unknown asset", async () => {
    const shell = await (await fetch(`${base}/console/`)).text();
    const script = /src="(\/console\/assets\/[\w.-]+\.js)"/.exec(shell)?.[1] as string;
    const plain = await fetch(`${base}${script}`, { headers: { "accept-encoding": "identity" } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expectConsoleHeaders(plain);
    const body = Buffer.from(await plain.arrayBuffer());
    // fetch decodes gzip itself: node:http shows what was sent.
    const { request } = await import("node:http");
    const gzipped = await new Promise<{ encoding: string | undefined; bytes: Buffer }>((resolve, reject) => {
      request(`${base}${script}`, { headers: { "accept-encoding": "gzip" } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ encoding: response.headers["content-encoding"], bytes: Buffer.concat(chunks) }),
        );
      })
        .on("error", reject)
        .end();
    });
    expect(gzipped.encoding).toBe("gzip");
    expect(gunzipSync(gzipped.bytes).equals(body)).toBe(true);

    for (const path of ["/console/assets/missing.js", "/console/nothing.js", "/console/..%2fpackage.json"]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
      // Never the app's HTML in place of a script.
      expect(response.headers.get("content-type"), path).toMatch(/^text\/plain/);
    }
    // Only files of the build are served: nothing outside it, however the path is spelt.
    for (const path of ["/console/%2e%2e/package.json", "/console/assets/%2e%2e/%2e%2e/package.json"]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toContain("tenant-lifecycle-subgraph");
    }
    expect((await fetch(`${base}/console/`, { method: "POST" })).status).toBe(405);
  });

  it("ships at most 250 KB of JavaScript, gzipped", () => {
    const assets = join(build.directory, "assets");
    const scripts = readdirSync(assets).filter((name) => name.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(0);
    const gzippedBytes = scripts.reduce(
      (sum, name) => sum + gzipSync(readFileSync(join(assets, name)), { level: 9 }).length,
      0,
    );
    expect(gzippedBytes).toBeLessThanOrEqual(250 * 1024);
  });

  it("says how to build it when there is no build, and picks a build up without a restart", async () => {
    const empty = await mkdtemp(join(tmpdir(), "tenant-console-empty-"));
    const bare = await startTestServer({ databaseUrl: server.databaseUrl, env: { CONSOLE_ASSETS_DIR: empty } });
    try {
      const bareBase = bare.url.replace("/graphql", "");
      const response = await fetch(`${bareBase}/console/tenants`);
      expect(response.status).toBe(503);
      expectConsoleHeaders(response);
      expect(await response.text()).toContain("npm run build:console");
      const { cp } = await import("node:fs/promises");
      await cp(build.directory, empty, { recursive: true });
      const built = await fetch(`${bareBase}/console/tenants`);
      expect(built.status).toBe(200);
      expect(await built.text()).toMatch(/<div id="root">/);
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("is off in production unless CONSOLE_ENABLED=true, and CONSOLE_ENABLED=false turns it off elsewhere", async () => {
    const production = { NODE_ENV: "production", CONSOLE_ASSETS_DIR: build.directory, ...TEST_AUDIT_ENV };
    const cases = [
      { env: production, served: false },
      { env: { ...production, CONSOLE_ENABLED: "true" }, served: true },
      { env: { CONSOLE_ASSETS_DIR: build.directory, CONSOLE_ENABLED: "false" }, served: false },
    ];
    for (const { env, served } of cases) {
      const other = await startTestServer({ databaseUrl: server.databaseUrl, env });
      try {
        const response = await fetch(other.url.replace("/graphql", "/console/"));
        expect([JSON.stringify(env), response.status]).toEqual([JSON.stringify(env), served ? 200 : 404]);
        if (served) {
          // A production console offers no development sign-in.
          const config = await (await fetch(other.url.replace("/graphql", "/console/api/config"))).json();
          expect(config).toMatchObject({ devTokens: false, personas: [] });
          const mint = await fetch(other.url.replace("/graphql", "/console/api/dev-token"), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ persona: "operator" }),
          });
          expect(mint.status).toBe(404);
        }
      } finally {
        await other.close();
      }
    }
  });
});

describe("development tokens", () => {
  const mint = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/console/api/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("mints a token for a persona that the server accepts with that persona's scope", async () => {
    const config = await (await fetch(`${base}/console/api/config`)).json();
    expect(config.devTokens).toBe(true);
    expect(config.personas.map((persona: { id: string }) => persona.id)).toEqual(
      expect.arrayContaining(["operator", "support-read", "tenant-admin"]),
    );
    const response = await mint({ persona: "support-read" });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const read = await server.request("{ tenantStatusCounts { status count } }", {}, { token });
    expect(read.body.errors).toBeUndefined();
    const write = await server.request(
      'mutation { createTenant(input: { slug: "from-console", name: "x" }) { tenant { id } } }',
      {},
      { token },
    );
    expect(write.body.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
  });

  it("makes tenant users only with a tenant id, and answers only the console's own JSON requests", async () => {
    expect((await mint({ persona: "tenant-admin" })).status).toBe(400);
    expect((await mint({ persona: "root" })).status).toBe(400);
    const admin = await mint({ persona: "tenant-admin", tenantId: "0b5a3c7e-2f4d-4c1a-9e8b-1d2c3b4a5f60" });
    expect(admin.status).toBe(200);
    const claims = JSON.parse(
      Buffer.from(((await admin.json()) as { token: string }).token.split(".")[1] as string, "base64url").toString(),
    );
    expect(claims).toMatchObject({ scope: "tenant:admin", tenant_id: "0b5a3c7e-2f4d-4c1a-9e8b-1d2c3b4a5f60" });
    expect((await mint({ persona: "operator" }, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    const form = await fetch(`${base}/console/api/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "persona=operator",
    });
    expect(form.status).toBe(415);
  });

  it("is off by default where tokens are verified with a secret of one's own, and refused in production", async () => {
    const other = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { CONSOLE_ASSETS_DIR: build.directory },
    });
    try {
      const response = await fetch(other.url.replace("/graphql", "/console/api/dev-token"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ persona: "operator" }),
      });
      expect(response.status).toBe(404);
    } finally {
      await other.close();
    }
    expect(() =>
      loadConfig({
        NODE_ENV: "production",
        DATABASE_URL: "postgresql://localhost/x",
        AUTH_JWT_SECRET: "a-production-secret-that-is-long-enough-0123456789",
        CONSOLE_DEV_TOKENS: "true",
        ...TEST_AUDIT_ENV,
      }),
    ).toThrow(ConfigError);
    // With the published development secret, anyone can sign tokens already: offered by default.
    expect(loadConfig({ NODE_ENV: "development" }).console).toMatchObject({ enabled: true, devTokens: true });
  });
});

describe("single sign-on configuration", () => {
  it("tells the client the provider, and lets the page contact the provider's origin and no other", async () => {
    const other = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: {
        CONSOLE_ASSETS_DIR: build.directory,
        CONSOLE_OIDC_ISSUER: "https://login.example.com/realms/ops",
        CONSOLE_OIDC_CLIENT_ID: "tenant-console",
      },
    });
    try {
      const page = await fetch(other.url.replace("/graphql", "/console/"));
      expect(page.headers.get("content-security-policy")).toContain("connect-src 'self' https://login.example.com;");
      const config = await (await fetch(other.url.replace("/graphql", "/console/api/config"))).json();
      expect(config.oidc).toEqual({
        authority: "https://login.example.com/realms/ops",
        clientId: "tenant-console",
        scope: "openid",
        audience: null,
      });
    } finally {
      await other.close();
    }
  });

  it("needs the issuer and the client id together, and an https issuer in production", () => {
    expect(() => loadConfig({ CONSOLE_OIDC_ISSUER: "https://login.example.com" })).toThrow(
      /CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID go together/,
    );
    expect(() => loadConfig({ CONSOLE_OIDC_CLIENT_ID: "tenant-console" })).toThrow(ConfigError);
    expect(() =>
      loadConfig({
        NODE_ENV: "production",
        DATABASE_URL: "postgresql://localhost/x",
        AUTH_JWT_SECRET: "a-production-secret-that-is-long-enough-0123456789",
        CONSOLE_OIDC_ISSUER: "http://login.example.com",
        CONSOLE_OIDC_CLIENT_ID: "tenant-console",
        ...TEST_AUDIT_ENV,
      }),
    ).toThrow(/CONSOLE_OIDC_ISSUER in production must be an https URL/);
  });
});

describe("the console's GraphQL documents", () => {
  it("are valid against the served schema", () => {
    const schema = buildSubgraphSchema();
    for (const document of ALL_DOCUMENTS) {
      expect(
        validate(schema, parse(document)).map((error) => error.message),
        document.slice(0, 60),
      ).toEqual([]);
    }
  });
});
