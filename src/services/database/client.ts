import pg from "pg";
import { ReplicaSet } from "./replicas.ts";
import { serviceTypeParsers, UTC_SESSION_OPTIONS } from "./timestamps.ts";

/** Streaming replicas that serve reads (docs/design.md §10). */
export interface ReplicaOptions {
  urls: readonly string[];
  pollIntervalMs: number;
  maxLagMs: number;
}

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  /** Bounds every statement so a stuck query cannot hold a request (and a pool slot) forever. */
  statementTimeoutMs: number;
  /**
   * Bounds every wait for a lock: a transaction holding a tenant's row (another request, an
   * operator's psql session) must not keep its waiters past their request's time limit.
   */
  lockTimeoutMs: number;
  /** Fail fast while the database is unreachable instead of queueing requests behind it. */
  connectTimeoutMs: number;
  onPoolError?: (error: Error) => void;
  /** Absent or without URLs: every statement runs on the primary (`url`). */
  replicas?: ReplicaOptions;
}

export interface Database {
  /** The one pool: every store's SQL runs on it. */
  pool: pg.Pool;
  /** The read replicas, polled from the start; null when none is configured. */
  replicas: ReplicaSet | null;
  /**
   * Whether the database answers, on a connection of its own: a pool busy with requests must not
   * read as an outage (an orchestrator would pull a healthy replica out of rotation).
   */
  reachable(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** A pool of request connections to one server, with the service's bounds on each session. */
function requestPool(url: string, options: DatabaseOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    lock_timeout: options.lockTimeoutMs,
    // A transaction left open by a stalled request must not hold its row locks for longer than
    // one statement may run: PostgreSQL ends the session and the locks go with it.
    idle_in_transaction_session_timeout: options.statementTimeoutMs,
    application_name: "tenant-lifecycle-subgraph",
    options: UTC_SESSION_OPTIONS,
    types: serviceTypeParsers,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on("error", (error) => options.onPoolError?.(error));
  return pool;
}

export function openDatabase(options: DatabaseOptions): Database {
  const pool = requestPool(options.url, options);
  const replicaUrls = options.replicas?.urls ?? [];
  const replicas =
    options.replicas && replicaUrls.length > 0
      ? new ReplicaSet({
          urls: replicaUrls,
          primaryUrl: options.url,
          pollIntervalMs: options.replicas.pollIntervalMs,
          maxLagMs: options.replicas.maxLagMs,
          connectTimeoutMs: options.connectTimeoutMs,
          openPool: (url) => requestPool(url, options),
        })
      : null;
  replicas?.start();
  // One connection for readiness probes, kept apart from the requests' pool.
  const probe = new pg.Pool({
    connectionString: options.url,
    max: 1,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 60_000,
    application_name: "tenant-lifecycle-subgraph readiness",
  });
  probe.on("error", () => undefined);
  let closed = false;
  return {
    pool,
    replicas,
    async reachable(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          probe.query("SELECT 1").then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), timeoutMs);
          }),
        ]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([pool.end(), probe.end(), replicas?.stop()]);
    },
  };
}
