// Streaming replicas for reads (docs/design.md §10): which replicas answer, how far each has
// replayed the primary's log, and which one a read may go to. The routing itself is one choice
// per request, made by RequestSql (sql.ts); this module only knows the replicas.
import pg from "pg";
import type { SqlPool } from "./sql.ts";
import { formatWalPosition, parseWalPosition, type WalPosition } from "./wal-position.ts";

export interface ReplicaSetOptions {
  /** The replicas' connection URLs (DATABASE_REPLICA_URLS), in order. */
  urls: readonly string[];
  /** The primary's URL: its current position is polled beside the replicas', for their lag. */
  primaryUrl: string;
  /** How often each replica's replayed position is asked for (DATABASE_REPLICA_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  /**
   * A replica further behind than this serves nobody (DATABASE_REPLICA_MAX_LAG_MS): "slightly
   * stale" has a bound, so a replica whose replay stopped does not serve hours-old lists.
   */
  maxLagMs: number;
  connectTimeoutMs: number;
  /** Opens a replica's request pool, with the same bounds as the primary's. */
  openPool(url: string): pg.Pool;
}

/** Why a read-only request's statements went to the primary after all. */
export type PrimaryReason = "replica_behind" | "replica_lagging" | "no_replica_available";

export type ReadRoute =
  { kind: "replica"; replica: string; pool: SqlPool } | { kind: "primary"; reason: PrimaryReason };

export interface ReplicaStatus {
  name: string;
  /** Answering, and a standby (a promoted or misconfigured server is never read from). */
  up: boolean;
  /** `pg_last_wal_replay_lsn()` at the last poll. */
  replayed: WalPosition | null;
  /** The primary's position less the replica's (bytes), at the last poll. */
  lagBytes: number | null;
  /** How old the newest primary state the replica has reached is (seconds), at the last poll. */
  lagSeconds: number | null;
}

export interface ReplicaObserver {
  /** A replica stopped answering (or was found not to be a standby), or came back. */
  stateChanged?(replica: string, up: boolean, detail: string): void;
}

interface Replica {
  name: string;
  pool: pg.Pool;
  probe: pg.Pool;
  up: boolean;
  /** Within the lag bound at the last poll. */
  freshEnough: boolean;
  replayed: WalPosition | null;
  lagBytes: number | null;
  lagSeconds: number | null;
  /** Whether the first poll happened: the first "up" is not a return. */
  known: boolean;
}

interface PrimarySample {
  at: number;
  position: WalPosition;
}

/** A label for a replica that never carries its credentials: host:port/database. */
function replicaName(url: string, index: number, taken: Set<string>): string {
  let name: string;
  try {
    const parsed = new URL(url);
    name = `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
  } catch {
    name = `replica-${index}`;
  }
  if (taken.has(name)) name = `${name}#${index}`;
  taken.add(name);
  return name;
}

function probePool(url: string, connectTimeoutMs: number, timeoutMs: number, role: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: Math.min(connectTimeoutMs, timeoutMs),
    query_timeout: timeoutMs,
    idleTimeoutMillis: 60_000,
    application_name: `tenant-lifecycle-subgraph ${role}`,
  });
  pool.on("error", () => undefined);
  return pool;
}

export class ReplicaSet {
  private readonly replicas: Replica[];
  private readonly primaryProbe: pg.Pool;
  private readonly samples: PrimarySample[] = [];
  private readonly maxSamples: number;
  private readonly observers: ReplicaObserver[] = [];
  private next = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly polls = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: ReplicaSetOptions) {
    // A poll slower than a few intervals says the replica is not answering as it should.
    const pollTimeoutMs = Math.max(1_000, options.pollIntervalMs * 4);
    const taken = new Set<string>();
    this.replicas = options.urls.map((url, index) => ({
      name: replicaName(url, index, taken),
      pool: options.openPool(url),
      probe: probePool(url, options.connectTimeoutMs, pollTimeoutMs, "replica poll"),
      up: false,
      freshEnough: false,
      replayed: null,
      lagBytes: null,
      lagSeconds: null,
      known: false,
    }));
    this.primaryProbe = probePool(options.primaryUrl, options.connectTimeoutMs, pollTimeoutMs, "position poll");
    // Enough samples to date any lag up to the bound, and a few more.
    this.maxSamples = Math.min(10_000, Math.ceil(options.maxLagMs / options.pollIntervalMs) + 4);
  }

  get names(): string[] {
    return this.replicas.map((replica) => replica.name);
  }

  observe(observer: ReplicaObserver): void {
    this.observers.push(observer);
  }

  /**
   * Polls now, then every interval until stopped: the primary's position and each replica's, each
   * on its own schedule, so one replica that hangs until its poll times out delays no other.
   * Reads go to the primary until a replica's first poll answers.
   */
  start(): void {
    this.every(() => this.samplePrimary());
    for (const replica of this.replicas) this.every(() => this.pollReplica(replica));
  }

  private every(poll: () => Promise<void>): void {
    if (this.stopped) return;
    const running = poll();
    this.polls.add(running);
    void running.finally(() => {
      this.polls.delete(running);
      if (this.stopped) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.every(poll);
      }, this.options.pollIntervalMs);
      timer.unref();
      this.timers.add(timer);
    });
  }

  /**
   * Where a read-only request goes: a replica that answers, is within the lag bound and has
   * replayed at least `minimum` (the caller's last write), round-robin among those; else the
   * primary, with the reason.
   */
  route(minimum: WalPosition | null): ReadRoute {
    const count = this.replicas.length;
    let anyUp = false;
    let anyFresh = false;
    for (let step = 0; step < count; step += 1) {
      const index = (this.next + step) % count;
      const replica = this.replicas[index] as Replica;
      if (!replica.up || replica.replayed === null) continue;
      anyUp = true;
      if (!replica.freshEnough) continue;
      anyFresh = true;
      if (minimum !== null && replica.replayed < minimum) continue;
      this.next = (index + 1) % count;
      return { kind: "replica", replica: replica.name, pool: replica.pool };
    }
    return {
      kind: "primary",
      reason: !anyUp ? "no_replica_available" : !anyFresh ? "replica_lagging" : "replica_behind",
    };
  }

  /** A request could not reach the replica: skipped from now on, until a poll finds it answering again. */
  reportFailure(name: string, error: unknown): void {
    const replica = this.replicas.find((candidate) => candidate.name === name);
    if (replica) this.markDown(replica, `a request could not reach it: ${messageOf(error)}`);
  }

  status(): ReplicaStatus[] {
    return this.replicas.map(({ name, up, replayed, lagBytes, lagSeconds }) => ({
      name,
      up,
      replayed,
      lagBytes,
      lagSeconds,
    }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.polls]);
    await Promise.all([
      this.primaryProbe.end(),
      ...this.replicas.flatMap((replica) => [replica.pool.end(), replica.probe.end()]),
    ]);
  }

  /** The primary's position now, kept to date the replicas' lag; an unanswered poll keeps nothing. */
  private async samplePrimary(): Promise<void> {
    try {
      const { rows } = await this.primaryProbe.query<{ position: string }>(
        "SELECT pg_current_wal_lsn()::text AS position",
      );
      const position = parseWalPosition(rows[0]?.position ?? "");
      if (position === null) return;
      this.samples.push({ at: Date.now(), position });
      if (this.samples.length > this.maxSamples) this.samples.shift();
    } catch {
      // The primary is unreachable: its own requests say so; replicas keep serving what they hold.
    }
  }

  private async pollReplica(replica: Replica): Promise<void> {
    let row: { standby: boolean; replayed: string | null } | undefined;
    try {
      const result = await replica.probe.query<{ standby: boolean; replayed: string | null }>(
        "SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed",
      );
      row = result.rows[0];
    } catch (error) {
      this.markDown(replica, `its position could not be read: ${messageOf(error)}`);
      return;
    }
    const replayed = row?.replayed ? parseWalPosition(row.replayed) : null;
    if (!row?.standby || replayed === null) {
      // A promoted replica has its own timeline: what it holds may never have been the primary's.
      this.markDown(replica, "it is not a standby in recovery (promoted, or not a replica)");
      return;
    }
    replica.replayed = replayed;
    const latest = this.samples[this.samples.length - 1];
    replica.lagBytes = latest ? Math.max(0, Number(latest.position - replayed)) : null;
    replica.lagSeconds = this.lagSecondsOf(replayed);
    replica.freshEnough = replica.lagSeconds === null || replica.lagSeconds * 1000 <= this.options.maxLagMs;
    if (!replica.up) {
      const returning = replica.known;
      replica.up = true;
      replica.known = true;
      this.notify(
        replica,
        true,
        returning
          ? `answering again, replayed to ${formatWalPosition(replayed)}`
          : `answering, replayed to ${formatWalPosition(replayed)}`,
      );
    }
  }

  /**
   * How stale the replica is. At or past the primary's latest known position: current (0) — also
   * while the primary cannot be polled, when nothing newer can have been written there. Else it
   * has reached the primary's position at some sampled moment and misses at most what was written
   * since: that moment's age. Behind every sample kept, at least as old as the oldest. Null
   * before the primary was ever sampled.
   */
  private lagSecondsOf(replayed: WalPosition): number | null {
    const now = Date.now();
    const latest = this.samples[this.samples.length - 1];
    if (!latest) return null;
    if (latest.position <= replayed) return 0;
    for (let index = this.samples.length - 2; index >= 0; index -= 1) {
      const sample = this.samples[index] as PrimarySample;
      if (sample.position <= replayed) return (now - sample.at) / 1000;
    }
    return (now - (this.samples[0] as PrimarySample).at) / 1000;
  }

  private markDown(replica: Replica, detail: string): void {
    const firstWord = !replica.known;
    replica.known = true;
    replica.freshEnough = false;
    // Said once when it goes, and once at start for a replica that never answered.
    if (!replica.up && !firstWord) return;
    replica.up = false;
    this.notify(replica, false, detail);
  }

  private notify(replica: Replica, up: boolean, detail: string): void {
    for (const observer of this.observers) observer.stateChanged?.(replica.name, up, detail);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
