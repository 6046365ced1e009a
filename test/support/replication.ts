// A primary and a streaming replica on this machine, for the read-replica tests (design §10).
// The replica is made with PostgreSQL's low-level base backup — pg_backup_start, a copy of the
// data directory, pg_backup_stop's label, standby.signal — which needs only `initdb` and
// `postgres`: the embedded PostgreSQL 18 package ships no pg_basebackup, and the same code then
// serves Debian's PostgreSQL 15 (TEST_REPLICA_PG_BIN=/usr/lib/postgresql/15/bin in CI).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import {
  binariesReachableBy,
  ensureServiceAccount,
  freePort,
  platformPackageDir,
  type ServiceAccount,
} from "../../src/services/database/embedded-postgres.ts";

const execFileAsync = promisify(execFile);

/** CI sets TEST_REPLICATION=required: missing binaries then fail the suite instead of skipping it. */
export const REPLICATION_REQUIRED = process.env["TEST_REPLICATION"] === "required";

export type ReplicationBinaries = { ok: true; binariesDir: string } | { ok: false; reason: string };

/** TEST_REPLICA_PG_BIN (a directory holding initdb and postgres), else the embedded package's. */
export function replicationBinaries(): ReplicationBinaries {
  const configured = process.env["TEST_REPLICA_PG_BIN"];
  if (configured) {
    const missing = ["initdb", "postgres"].filter((name) => !existsSync(join(configured, name)));
    return missing.length === 0
      ? { ok: true, binariesDir: dirname(configured) }
      : { ok: false, reason: `TEST_REPLICA_PG_BIN=${configured} has no ${missing.join(" or ")}` };
  }
  try {
    const binariesDir = platformPackageDir();
    return existsSync(join(binariesDir, "bin", "postgres"))
      ? { ok: true, binariesDir }
      : { ok: false, reason: `the embedded PostgreSQL package has no binaries in ${binariesDir}` };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

export interface Cluster {
  port: number;
  dir: string;
  url(database?: string): string;
  /** Whether its postmaster runs. */
  readonly running: boolean;
  /** Starts it again on the same directory and port (after a stop or a kill). */
  start(): Promise<void>;
  /** A fast shutdown. */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster and every backend: the server is gone, as after a crash. */
  kill(): Promise<void>;
  query<Row extends pg.QueryResultRow>(text: string, database?: string): Promise<Row[]>;
}

export interface Replication {
  primary: Cluster;
  replica: Cluster;
  /** Stops replaying the primary's log on the replica (it keeps answering, with what it had). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Waits until the replica has replayed everything the primary had written when called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Placement {
  binDir: string;
  account: ServiceAccount | null;
  root: string;
}

function run(placement: Placement, command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(placement.binDir, command), args, {
      ...(placement.account ?? {}),
      env: { ...process.env, LC_ALL: "C" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}:\n${output}`)),
    );
  });
}

async function ownedDirectory(placement: Placement, path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  if (placement.account) await chown(path, placement.account.uid, placement.account.gid);
}

async function waitFor<T>(what: string, timeoutMs: number, attempt: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== null) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ""}`);
}

function clusterOf(placement: Placement, dir: string, port: number, settings: Record<string, string>): Cluster {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const socketDir = join(placement.root, `socket-${basename(dir)}`);
  const url = (database = "postgres") => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const cluster: Cluster = {
    port,
    dir,
    url,
    get running() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      await ownedDirectory(placement, socketDir);
      await rm(join(dir, "postmaster.pid"), { force: true });
      const flags = Object.entries({
        listen_addresses: "127.0.0.1",
        unix_socket_directories: socketDir,
        lc_messages: "C",
        ...settings,
      }).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
      const started = spawn(join(placement.binDir, "postgres"), ["-D", dir, "-p", String(port), ...flags], {
        ...(placement.account ?? {}),
        stdio: ["ignore", "ignore", "pipe"],
        // Its own process group: kill() ends the postmaster and its backends together.
        detached: true,
      });
      let log = "";
      started.stderr?.on("data", (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4_000);
      });
      child = started;
      exited = new Promise((resolve) => started.once("exit", () => resolve()));
      await waitFor(`PostgreSQL on port ${port} did not accept connections`, 30_000, async () => {
        if (started.exitCode !== null) throw new Error(`it exited:\n${log}`);
        await cluster.query("SELECT 1");
        return true;
      });
    },
    async stop() {
      if (!cluster.running || !child) return;
      child.kill("SIGINT");
      await exited;
    },
    async kill() {
      if (!cluster.running || !child?.pid) return;
      // Its backends are in the same process group: they go with it.
      process.kill(-child.pid, "SIGKILL");
      await exited;
    },
    async query<Row extends pg.QueryResultRow>(text: string, database = "postgres") {
      const client = new pg.Client({ connectionString: url(database), connectionTimeoutMillis: 2_000 });
      await client.connect();
      try {
        return (await client.query<Row>(text)).rows;
      } finally {
        await client.end();
      }
    },
  };
  return cluster;
}

/** What no server reads from a base backup, and what must not travel with one. */
const LEFT_OUT = new Set(["postmaster.pid", "postmaster.opts", "pg_wal", "pg_replslot", "pg_stat_tmp"]);

/**
 * Starts a primary (a fresh cluster on a free port) and a hot standby streaming from it through
 * a physical replication slot. Both run as the `postgres` account when the tests run as root.
 */
export async function startReplication(binariesDir: string): Promise<Replication> {
  const account = userInfo().uid === 0 ? await ensureServiceAccount({ info: () => {}, warn: () => {} }) : null;
  const binDir = account
    ? await binariesReachableBy(account, binariesDir, { info: () => {}, warn: () => {} })
    : join(binariesDir, "bin");
  const root = await mkdtemp(join(tmpdir(), "tenant-lifecycle-replication-"));
  const placement: Placement = { binDir, account, root };
  if (account) await chown(root, account.uid, account.gid);
  const primaryDir = join(root, "primary");
  const replicaDir = join(root, "replica");
  const started: Cluster[] = [];
  try {
    await ownedDirectory(placement, primaryDir);
    await run(placement, "initdb", [
      `--pgdata=${primaryDir}`,
      "--auth=trust",
      "--username=postgres",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    const common = { fsync: "off", full_page_writes: "off", shared_buffers: "32MB", max_connections: "200" };
    const primary = clusterOf(placement, primaryDir, await freePort(), {
      ...common,
      wal_level: "replica",
      max_wal_senders: "5",
      max_replication_slots: "5",
    });
    started.push(primary);
    await primary.start();

    // The low-level base backup: the slot keeps every WAL segment from before the backup's start
    // until the standby has streamed it.
    await primary.query("SELECT pg_create_physical_replication_slot('replica', true)");
    const backup = new pg.Client({ connectionString: primary.url() });
    await backup.connect();
    try {
      await backup.query("SELECT pg_backup_start('replica', true)");
      await cp(primaryDir, replicaDir, {
        recursive: true,
        filter: (source) => !LEFT_OUT.has(basename(source)) || dirname(source) !== primaryDir,
      });
      const [stopped] = (
        await backup.query<{ labelfile: string; spcmapfile: string | null }>(
          "SELECT labelfile, spcmapfile FROM pg_backup_stop(false)",
        )
      ).rows;
      await writeFile(join(replicaDir, "backup_label"), stopped?.labelfile ?? "");
      if (stopped?.spcmapfile) await writeFile(join(replicaDir, "tablespace_map"), stopped.spcmapfile);
    } finally {
      await backup.end();
    }
    // A hot standby opens for reads once it has replayed a snapshot of the running transactions
    // logged after the backup's end; the primary logs one by itself only every 15 s, and at
    // every checkpoint.
    await primary.query("CHECKPOINT");
    for (const directory of ["pg_wal/archive_status", "pg_replslot", "pg_stat_tmp"]) {
      await mkdir(join(replicaDir, directory), { recursive: true });
    }
    await writeFile(join(replicaDir, "standby.signal"), "");
    await chmod(replicaDir, 0o700);
    if (account) await execFileAsync("chown", ["-R", `${account.uid}:${account.gid}`, replicaDir]);
    const replica = clusterOf(placement, replicaDir, await freePort(), {
      ...common,
      hot_standby: "on",
      primary_conninfo: `host=127.0.0.1 port=${primary.port} user=postgres application_name=replica`,
      primary_slot_name: "replica",
      // A killed replica reconnects soon after it is started again.
      wal_retrieve_retry_interval: "100ms",
    });
    started.push(replica);
    await replica.start();

    const replication: Replication = {
      primary,
      replica,
      async pauseReplay() {
        await replica.query("SELECT pg_wal_replay_pause()");
        // Pausing is requested, then takes effect at the next record.
        await waitFor("replay did not pause", 10_000, async () => {
          const [row] = await replica.query<{ state: string }>("SELECT pg_get_wal_replay_pause_state() AS state");
          return row?.state === "paused" ? true : null;
        });
      },
      async resumeReplay() {
        await replica.query("SELECT pg_wal_replay_resume()");
      },
      async caughtUp(timeoutMs = 20_000) {
        const [target] = await primary.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
        await waitFor("the replica did not catch up", timeoutMs, async () => {
          const [row] = await replica.query<{ behind: boolean }>(
            `SELECT coalesce(pg_last_wal_replay_lsn() < '${target?.lsn}'::pg_lsn, true) AS behind`,
          );
          return row?.behind === false ? true : null;
        });
      },
      async close() {
        await replica.stop().catch(() => undefined);
        await primary.stop().catch(() => undefined);
        await rm(root, { recursive: true, force: true });
      },
    };
    await replication.caughtUp();
    return replication;
  } catch (error) {
    for (const cluster of started.reverse()) await cluster.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}
