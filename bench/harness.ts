// What the benchmark scripts share: a database to measure on, the targets as child processes,
// and readings of their memory and CPU from /proc.
import { createHash } from "node:crypto";
import { signerFromSeed } from "../src/services/audit/audit-keys.ts";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { UNSPENDABLE_BUDGETS } from "../test/support/budgets.ts";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../src/services/database/embedded-postgres.ts";
import { ensureDatabase } from "../src/services/database/ensure-database.ts";

export const root = new URL("..", import.meta.url).pathname;
export const BENCH_SECRET = "bench-secret-that-is-long-enough-for-hs256-0123456789";

const benchDigest = (text: string) => createHash("sha256").update(text).digest();
/** The benchmark's audit keys (design §4 "Audit evidence"): the seed signs its checkpoint with this signer. */
export const BENCH_AUDIT_SIGNER = signerFromSeed(benchDigest("benchmark audit checkpoint key"));
/** …and the subgraph, started in production mode, is configured with the same keys. */
export const BENCH_AUDIT_ENV = {
  AUDIT_HMAC_KEYS: `bench:${benchDigest("benchmark audit HMAC key").toString("base64")}`,
  AUDIT_SIGNING_KEY: BENCH_AUDIT_SIGNER.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
} as const;
/**
 * The built service's environment as the benchmarks measure it: production mode with the
 * benchmark's keys, logging the line `startTarget` waits for; budgets one load generator never
 * empties and no shedding on event-loop delay (throughput is measured, not the caller's share, nor
 * what the other processes on this machine do to the loop); no delivery loop unless asked for.
 * An earlier build (`bench:compare`) ignores the variables it does not know.
 */
export function measuredServiceEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    AUTH_JWT_SECRET: BENCH_SECRET,
    PORT: "0",
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    ...BENCH_AUDIT_ENV,
    ...UNSPENDABLE_BUDGETS,
    SHED_EVENT_LOOP_DELAY_MS: "60000",
    WEBHOOK_DELIVERY: "off",
    ...overrides,
  };
}

/**
 * The V8 flags of `npm run start:built` (package.json), how production runs the service: a 64 MB
 * young generation (GraphQL execution allocates heavily) and a 384 MB old generation, so that
 * garbage is collected before RSS passes the 512 MB ceiling (the live heap stays bounded: design §6).
 */
export const START_BUILT_FLAGS = ["--max-semi-space-size=64", "--max-old-space-size=384"];

// ---------------------------------------------------------------- database
export interface BenchDatabase {
  url: string;
  host: string;
  port: number;
  /** Stops (and, unless kept, drops) the database. */
  drop(): Promise<void>;
}

/**
 * Server settings of the benchmark's own embedded cluster, sized for a fleet of 40M rows on
 * this machine (24 GiB): a quarter of the memory as shared buffers, checkpoints spaced out, and
 * wal_level = minimal so that the seed's COPY into freshly truncated tables and its index builds
 * write no WAL (ordinary transactions, the transitions scenario's included, still do).
 */
export const BENCH_SERVER_SETTINGS: Record<string, string> = {
  shared_buffers: "4GB",
  effective_cache_size: "16GB",
  work_mem: "16MB",
  maintenance_work_mem: "1GB",
  max_wal_size: "32GB",
  checkpoint_timeout: "30min",
  wal_level: "minimal",
  max_wal_senders: "0",
};

/**
 * A database on TEST_DATABASE_URL's server, else on an embedded PostgreSQL. Fresh and dropped
 * afterwards by default; with `keep`, the same database (and the embedded cluster under
 * `.data/bench/<keep>`) is reused from run to run and left in place.
 */
export async function createBenchDatabase(options: { keep?: string } = {}): Promise<BenchDatabase> {
  const { keep } = options;
  const name = keep ? `bench_${keep.replace(/[^a-z0-9_]/gi, "_")}` : `bench_${process.pid}_${Date.now()}`;
  const adminUrl = process.env["TEST_DATABASE_URL"];
  let embedded: EmbeddedPostgresHandle | null = null;
  let dataDir: string | null = null;
  let serverUrl: string;
  if (adminUrl) {
    serverUrl = adminUrl;
  } else {
    dataDir = keep ? join(root, ".data", "bench", keep) : await mkdtemp(join(tmpdir(), "bench-pg-"));
    embedded = await startEmbeddedPostgres({
      dataDir,
      settings: BENCH_SERVER_SETTINGS,
      logger: { info: () => undefined, warn: () => undefined },
    });
    serverUrl = embedded.serverUrl();
  }
  await ensureDatabase(serverUrl, name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    host: url.hostname,
    port: Number(url.port || 5432),
    async drop() {
      if (embedded && dataDir) {
        await embedded.stop();
        if (!keep) await rm(dataDir, { recursive: true, force: true });
        return;
      }
      if (keep) return;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** The same database, reached through the statement-counting proxy. */
export function viaProxy(databaseUrl: string, proxyPort: number): string {
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(proxyPort);
  return url.toString();
}

export async function run(command: string, commandArgs: string[], cwd = root): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    spawn(command, commandArgs, { cwd, stdio: "inherit" }).once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${commandArgs.join(" ")} exited ${code}`)),
    ),
  );
}

// ---------------------------------------------------------------- processes
export interface ProcessDefinition {
  name: string;
  command: string[];
  env: Record<string, string>;
  /** Where it runs (default: this checkout). */
  cwd?: string;
}

export interface RunningTarget {
  process: ChildProcess;
  origin: string;
  stop(): Promise<void>;
}

/** Starts a target and waits for the URL it logs; its logs go to a file, not through this process. */
export async function startTarget(
  target: ProcessDefinition,
  databaseUrl: string,
  logFile: string,
  nodeOptions: string[] = [],
): Promise<RunningTarget> {
  const log = await open(logFile, "w");
  const child = spawn(target.command[0] as string, [...nodeOptions, ...target.command.slice(1)], {
    cwd: target.cwd ?? root,
    env: { ...process.env, ...target.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", log.fd, log.fd],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${target.name} did not start:\n${(await readFile(logFile, "utf8")).slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    url = /"url":"(http:\/\/[^"/]+)/.exec(await readFile(logFile, "utf8"))?.[1];
  }
  return {
    process: child,
    origin: url,
    async stop() {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      await log.close();
    },
  };
}

export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** CPU time (user + system) the process has used, in ms; /proc ticks are 10 ms. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
