import { execFile, spawn } from "node:child_process";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request as graphqlRequest, GraphQLClient } from "graphql-request";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const startedAt = Date.now(); Date.now() - startedAt < timeoutMs;) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

/**
 * Signals the process a user or an orchestrator holds — npm, or with Ctrl-C the terminal's whole
 * foreground group — and requires the service and its embedded PostgreSQL to stop, the port to
 * be freed, and no warning on the way out.
 */
async function expectStopsCleanly(server: ServerProcess, dataDir: string, signal: "npm-SIGTERM" | "Ctrl-C") {
  const postmasterPid = Number.parseInt(
    (await readFile(join(dataDir, "pg", "postmaster.pid"), "utf8")).split("\n")[0]!,
  );
  expect(isAlive(postmasterPid)).toBe(true);
  const port = Number(new URL(server.baseUrl).port);
  // A pooled connection left idle: the database going down under it first would be warned about.
  const client = new GraphQLClient(server.url, {
    headers: { authorization: `Bearer ${await tokenFor(personas.operator)}` },
  });
  await client.request(`{ tenants(first: 1) { edges { node { id } } } }`);
  const npmPid = server.child.pid!;
  const npmExited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
  if (signal === "npm-SIGTERM") process.kill(npmPid, "SIGTERM");
  else process.kill(-npmPid, "SIGINT"); // the terminal signals its foreground process group
  await npmExited;
  expect(await waitUntil(() => !isAlive(server.pid) && !isAlive(postmasterPid), 15_000)).toBe(true);
  expect(await portIsFree(port)).toBe(true);
  expect(server.output()).toContain("stopped cleanly");
  const warnings = server
    .output()
    .split("\n")
    .filter((line) => /"level":(40|50|60)/.test(line) && !line.includes("AUTH_JWT_SECRET"));
  expect(warnings).toEqual([]);
}

describe("signals", () => {
  beforeAll(async () => {
    // The bundle `npm run start:built` runs (esbuild only; the typecheck is the suite's own).
    await promisify(execFile)(process.execPath, ["scripts/build.mjs"], { cwd: new URL("../..", import.meta.url) });
  });

  for (const script of ["start", "start:built"] as const) {
    it(`SIGTERM to the npm process of \`npm run ${script}\` stops the service and its database, freeing the port`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "tls-sigterm-npm-"));
      try {
        const server = await startServerProcess(
          { DATABASE_URL: undefined, EMBEDDED_POSTGRES_DIR: dataDir },
          90_000,
          script,
        );
        running.push(server);
        await expectServes(server);
        await expectStopsCleanly(server, dataDir, "npm-SIGTERM");
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }

  it("Ctrl-C stops everything without a warning (the database is stopped by the server, after draining)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tls-ctrl-c-"));
    try {
      const server = await startServerProcess({ DATABASE_URL: undefined, EMBEDDED_POSTGRES_DIR: dataDir });
      running.push(server);
      await expectServes(server);
      await expectStopsCleanly(server, dataDir, "Ctrl-C");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("a port in use is reported before migrating, with a hint", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    const database = await createTestDatabase({ migrate: false });
    try {
      const error = await startServerProcess({ DATABASE_URL: database.url, PORT: String(port) }, 60_000).then(
        () => null,
        (failure: Error) => failure,
      );
      expect(error?.message).toMatch(/exited with 1 before listening/);
      expect(error?.message).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(error?.message).toContain("set PORT to a free port");
      expect(error?.message).not.toContain("database migrated");
      expect(error?.message).not.toContain("migration");
    } finally {
      holder.close();
      await database.drop();
    }
  });
});

describe("logs at a terminal", () => {
  it("npm start in development at a terminal writes readable lines, not JSON", async () => {
    const database = await createTestDatabase({ migrate: false });
    // `script` gives npm start a pseudo-terminal as a developer's shell would.
    const child = spawn("script", ["-qfec", "npm start --silent", "/dev/null"], {
      cwd: new URL("../..", import.meta.url),
      env: {
        ...process.env,
        NODE_ENV: "development",
        PORT: "0",
        DATABASE_URL: database.url,
        AUTH_JWT_SECRET: "a-terminal-test-secret-of-at-least-32-bytes",
        LOG_LEVEL: "info",
        LOG_FORMAT: undefined,
      },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      expect(await waitUntil(() => output.includes("subgraph listening"), 60_000)).toBe(true);
      const listening = output.split("\n").find((line) => line.includes("subgraph listening")) ?? "";
      expect(listening).not.toMatch(/^\s*\{/);
      expect(listening).toMatch(/INFO/);
      expect(listening).toContain("http://127.0.0.1:");
    } finally {
      process.kill(-child.pid!, "SIGTERM");
      await exited;
      await database.drop();
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
