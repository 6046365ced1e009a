// `npm run soak -- --minutes 5 [--concurrency 8] [--window 30]`
// Starts the built service (embedded PostgreSQL in a temp dir unless DATABASE_URL is set), drives
// bounded mixed load at fixed concurrency from this process, and prints the server's RSS and the
// latency percentiles per window, so memory growth over time is visible. Loopback only.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { signDevelopmentToken } from "../src/server/auth.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    concurrency: { type: "string", default: "8" },
    window: { type: "string", default: "30" },
  },
});
const durationMs = Number(values.minutes) * 60_000;
const windowMs = Number(values.window) * 1000;
const concurrency = Number(values.concurrency);
const SECRET = "soak-secret-that-is-long-enough-0123456789";
const root = new URL("..", import.meta.url).pathname;

async function run(command: string, args: string[]) {
  await new Promise<void>((resolve, reject) =>
    spawn(command, args, { cwd: root, stdio: "inherit" }).once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited ${code}`)),
    ),
  );
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

await run("npm", ["run", "-s", "build"]);
const dataDir = process.env["DATABASE_URL"] ? null : await mkdtemp(join(tmpdir(), "soak-pg-"));
const server = spawn(process.execPath, ["--max-semi-space-size=64", "dist/main.js"], {
  cwd: root,
  env: {
    ...process.env,
    NODE_ENV: "development",
    PORT: "0",
    AUTH_JWT_SECRET: SECRET,
    LOG_LEVEL: "info",
    ...(dataDir ? { EMBEDDED_POSTGRES_DIR: dataDir } : {}),
  },
  stdio: ["ignore", "pipe", "inherit"],
});
const url = await new Promise<string>((resolve, reject) => {
  let output = "";
  server.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    const match = /"url":"([^"]+)"/.exec(output);
    if (match) resolve(match[1] as string);
  });
  server.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
});
const token = await signDevelopmentToken(SECRET, { sub: "soak-operator", scope: "platform:operator" });
const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
const gql = async (query: string, variables: Record<string, unknown> = {}) => {
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: Record<string, { tenant?: { id: string } }>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data ?? {};
};

const tenantIds: string[] = [];
let counter = 0;
const operations: (() => Promise<unknown>)[] = [
  async () => {
    const data = await gql(
      `mutation($slug: String!) { createTenant(input: { slug: $slug, name: "Soak" }) { tenant { id } } }`,
      { slug: `soak-${process.pid}-${++counter}` },
    );
    const id = data["createTenant"]?.tenant?.id;
    if (id && tenantIds.length < 5000) tenantIds.push(id);
  },
  () =>
    gql(
      `{ tenants(first: 50) { totalCount edges { node { id lifecycle { badge { label } operability { actionable } availableTransitions { transition permitted } } onboarding { status } operationRuns(first: 5) { totalCount } } } } }`,
    ),
  () =>
    tenantIds.length
      ? gql(`query($id: ID) { tenant(id: $id) { id lifecycle { version history(first: 5) { totalCount } } } }`, {
          id: tenantIds[counter % tenantIds.length],
        })
      : Promise.resolve(),
  () =>
    tenantIds.length
      ? gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id status } } }`, {
          r: tenantIds.slice(0, 50).map((id) => ({ __typename: "Tenant", id })),
        })
      : Promise.resolve(),
  () =>
    tenantIds.length
      ? gql(
          `mutation($id: ID!) { transitionTenant(input: { tenantId: $id, transition: START_ONBOARDING }) { userErrors { code } } }`,
          { id: tenantIds[(counter * 7) % tenantIds.length] },
        )
      : Promise.resolve(),
];

const startedAt = Date.now();
let window: number[] = [];
let errors = 0;
const rows: string[] = [];
console.log(
  `soak: ${values.minutes} min, concurrency ${concurrency}, window ${values.window} s, server pid ${server.pid}`,
);
console.log("elapsed_s  requests  errors  rps     p50_ms  p99_ms  rss_mb");
const reporter = setInterval(async () => {
  const sorted = [...window].sort((a, b) => a - b);
  const row = `${String(Math.round((Date.now() - startedAt) / 1000)).padEnd(10)} ${String(sorted.length).padEnd(9)} ${String(errors).padEnd(7)} ${(sorted.length / (windowMs / 1000)).toFixed(1).padEnd(7)} ${percentile(sorted, 50).toFixed(1).padEnd(7)} ${percentile(sorted, 99).toFixed(1).padEnd(7)} ${(await rssMb(server.pid as number)).toFixed(1)}`;
  rows.push(row);
  console.log(row);
  window = [];
  errors = 0;
}, windowMs);

await Promise.all(
  Array.from({ length: concurrency }, async (_, worker) => {
    for (let index = worker; Date.now() - startedAt < durationMs; index += concurrency) {
      const began = performance.now();
      try {
        await (operations[index % operations.length] as () => Promise<unknown>)();
      } catch {
        errors += 1;
      }
      window.push(performance.now() - began);
    }
  }),
);
clearInterval(reporter);
server.kill("SIGTERM");
await new Promise((resolve) => server.once("exit", resolve));
if (dataDir) await rm(dataDir, { recursive: true, force: true });
console.log(`soak finished: ${rows.length} windows`);
