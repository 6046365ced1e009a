import { createHash } from "node:crypto";
import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from "pg";
import { inStatementSpan, inTransactionSpan, type SpanParent } from "../../telemetry/tracing.ts";
import { OverloadedError, RequestLimitError } from "../errors.ts";
import { isDatabaseUnavailable, isOutOfTime, isPoolExhausted } from "./failures.ts";
import type { PrimaryReason, ReplicaSet } from "./replicas.ts";
import { parseWalPosition, type WalPosition } from "./wal-position.ts";

/** The driver-level interface the stores need (a pg.Pool in the service). */
export interface SqlRunner {
  query<Row extends QueryResultRow>(query: QueryConfig): Promise<QueryResult<Row>>;
}

/** The shared pool: statements, and a connection to hold a transaction on. */
export interface SqlPool extends SqlRunner {
  connect(): Promise<PoolClient>;
}

/**
 * Every statement runs as a named prepared statement (named by its text): PostgreSQL parses and
 * plans it once per connection instead of on every request (bench scenario (b), whose LATERAL
 * page statements cost more to plan than to run).
 */
export function prepared(text: string, values: readonly unknown[]): QueryConfig {
  return { name: `s_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`, text, values: values as unknown[] };
}

/** Something that runs a statement and returns its rows: a request's session or a transaction. */
export interface SqlRows {
  rows<Row extends QueryResultRow>(text: string, values?: readonly unknown[]): Promise<Row[]>;
}

export interface StatementOptions {
  /**
   * The rows are consumed batch by batch and not kept (a chain walk): they do not count toward
   * the request's bound on records read, which limits what a response can hold.
   */
  streamed?: boolean;
  /**
   * The best plan depends on the values (a search term's selectivity): plan the statement with
   * them on every call, as an unnamed statement, never with a prepared statement's generic plan
   * — which for `ILIKE $1` walks the time index whatever the term, a full scan for a miss.
   */
  plannedPerCall?: boolean;
}

/** One open transaction: every statement of a mutation runs here, on one connection. */
export interface SqlTransaction extends SqlRows {
  /** The transaction's span, under which its statements are traced (design §6 "Tracing"). */
  readonly trace?: SpanParent;
  /** The same transaction, its statements traced under `trace` (a span inside the transaction). */
  within?(trace: SpanParent): SqlTransaction;
}

export interface RequestSqlLimits {
  /** Rows a request may read in all (its resolved list items, at the source). */
  maxRows: number;
  /** When the request must be done (epoch ms). */
  deadline: number;
}

/** Why a request's reads went where they went (`db_read_routing_total`). */
export type RouteReason = "caught_up" | "not_read_only" | "replica_failed" | PrimaryReason;

/**
 * How a request's reads may go to replicas (docs/design.md §10); absent, every statement runs on
 * the primary, as without DATABASE_REPLICA_URLS.
 */
export interface RequestRouting {
  replicas: ReplicaSet;
  /** The caller's latest write it must see (the position header, or this process's memory of it). */
  minimum: WalPosition | null;
  /** The request's routing decision, reported once (and again if a replica fails under it). */
  onRoute?(route: "replica" | "primary", reason: RouteReason): void;
}

/** Where the request's statements outside a transaction run. */
interface ReadTarget {
  pool: SqlPool;
  /** The replica's name; null for the primary. */
  replica: string | null;
}

/**
 * The one place reads are routed: a request the GraphQL layer declared read-only (a query, not a
 * mutation) sends its statements to one replica that has replayed the caller's latest write,
 * chosen at its first statement and kept for the rest of it (its reads then never go back in
 * time); everything else — every transaction (the locks, idempotency records and chain heads
 * live there) and every statement of a request that wrote — runs on the primary.
 *
 * One request's access to the database. Every statement the request makes goes through it, so
 * the rows it reads and the time it takes are bounded — the second line of defence behind the
 * cost analysis — and a database outage is met once per request: after the first failure to
 * reach the database, the request's remaining statements fail at once with the same error
 * instead of each waiting for a connection and each being logged.
 */
export class RequestSql implements SqlRows {
  private rowsRead = 0;
  private unreachable: Error | null = null;
  private stopped: RequestLimitError | null = null;
  private replicaReads = false;
  private target: ReadTarget | null = null;
  private committed: WalPosition | null = null;

  constructor(
    private readonly pool: SqlPool,
    private readonly limits: RequestSqlLimits,
    /** The request's operation span: its statements and transactions are traced under it. */
    private readonly trace: SpanParent = null,
    private readonly routing: RequestRouting | null = null,
  ) {}

  /**
   * The request only reads (a GraphQL query): its statements may go to a replica. Said before
   * its first statement; a request never told so stays on the primary.
   */
  allowReplicaReads(): void {
    if (this.target === null && this.committed === null) this.replicaReads = true;
  }

  /** Where the last transaction this request committed ended in the primary's log (when replicas are configured). */
  get writePosition(): WalPosition | null {
    return this.committed;
  }

  private readTarget(): ReadTarget {
    if (this.target) return this.target;
    const routing = this.routing;
    if (!routing) return (this.target = { pool: this.pool, replica: null });
    if (!this.replicaReads) {
      routing.onRoute?.("primary", "not_read_only");
      return (this.target = { pool: this.pool, replica: null });
    }
    const route = routing.replicas.route(routing.minimum);
    if (route.kind === "primary") {
      routing.onRoute?.("primary", route.reason);
      return (this.target = { pool: this.pool, replica: null });
    }
    routing.onRoute?.("replica", "caught_up");
    return (this.target = { pool: route.pool, replica: route.replica });
  }

  /** Why the request was stopped, if it was: the error every later statement also raises. */
  get stopReason(): Error | null {
    return this.unreachable ?? this.stopped;
  }

  /**
   * Ends the request once its time is up, also between pieces of work that read nothing (a
   * resolver about to run): CPU-bound work stops there, not only at the next statement.
   */
  assertInTime(): void {
    this.beforeStatement();
  }

  private beforeStatement(): void {
    if (this.unreachable) throw this.unreachable;
    if (this.stopped) throw this.stopped;
    if (Date.now() > this.limits.deadline) {
      throw (this.stopped = new RequestLimitError(
        "executionTime",
        "The request took longer than it may and was stopped",
      ));
    }
  }

  private afterStatement(rowCount: number): void {
    this.rowsRead += rowCount;
    if (this.rowsRead > this.limits.maxRows) {
      throw (this.stopped = new RequestLimitError(
        "resolvedItems",
        `The request read more than ${this.limits.maxRows} records and was stopped; ask for smaller pages`,
      ));
    }
  }

  /** What a failed statement becomes: a request out of time fails as its time limit does. */
  private noteFailure(error: unknown): unknown {
    // Busy, not broken: one wait for a connection per request, then it fails as overloaded.
    if (isPoolExhausted(error)) return (this.unreachable ??= new OverloadedError());
    if (isDatabaseUnavailable(error)) this.unreachable ??= error as Error;
    if (isOutOfTime(error)) {
      return (this.stopped ??= new RequestLimitError(
        "executionTime",
        "The request waited longer than it may (for a lock held by another change, or a slow statement) and was stopped; retry it",
      ));
    }
    return error;
  }

  async rows<Row extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    options: StatementOptions = {},
  ): Promise<Row[]> {
    this.beforeStatement();
    const statement = options.plannedPerCall ? { text, values: values as unknown[] } : prepared(text, values);
    const target = this.readTarget();
    let result: QueryResult<Row>;
    try {
      result = await inStatementSpan(this.trace, text, () => target.pool.query<Row>(statement));
    } catch (error) {
      if (target.replica === null || !this.fallsBackToPrimary(target.replica, error)) throw this.noteFailure(error);
      // A read is safe to repeat: the primary answers it, and the rest of the request stays there.
      try {
        result = await inStatementSpan(this.trace, text, () => this.pool.query<Row>(statement));
      } catch (primaryError) {
        throw this.noteFailure(primaryError);
      }
    }
    if (!options.streamed) this.afterStatement(result.rows.length);
    return result.rows;
  }

  /**
   * Whether a replica's failure sends the request to the primary: the replica could not be
   * reached (it is then skipped until a poll finds it again), its pool was busy, or the standby
   * cancelled the statement for a conflict with replaying the primary's changes.
   */
  private fallsBackToPrimary(replica: string, error: unknown): boolean {
    const unreachable = isDatabaseUnavailable(error);
    const code = (error as { code?: unknown } | null)?.code;
    if (!unreachable && !isPoolExhausted(error) && code !== "40001") return false;
    // Concurrent statements of the request may fail on it together: the request moves once.
    if (this.target?.replica !== replica) return true;
    if (unreachable) this.routing?.replicas.reportFailure(replica, error);
    this.routing?.onRoute?.("primary", "replica_failed");
    this.target = { pool: this.pool, replica: null };
    return true;
  }

  /** Runs `work` in one transaction on one connection, under the same bounds. */
  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    this.beforeStatement();
    // Transactions run on the primary; a request whose first work is one is routed there whole.
    if (this.target === null) {
      this.routing?.onRoute?.("primary", "not_read_only");
      this.target = { pool: this.pool, replica: null };
    }
    try {
      const { result, position } = await committedTransaction(this.pool, work, this.trace, this.routing !== null);
      // What it wrote is on the primary only, for now: the rest of the request reads there.
      this.target = { pool: this.pool, replica: null };
      if (position !== null && (this.committed === null || position > this.committed)) this.committed = position;
      return result;
    } catch (error) {
      throw this.noteFailure(error);
    }
  }
}

/**
 * Runs `work` in one READ COMMITTED transaction on one pooled connection: committed when it
 * returns, rolled back when it throws.
 */
export async function inTransaction<T>(
  pool: SqlPool,
  work: (tx: SqlTransaction) => Promise<T>,
  trace: SpanParent = null,
): Promise<T> {
  return (await committedTransaction(pool, work, trace, false)).result;
}

/** A transaction, and where its commit ended in the log when asked (`withPosition`). */
function committedTransaction<T>(
  pool: SqlPool,
  work: (tx: SqlTransaction) => Promise<T>,
  trace: SpanParent,
  withPosition: boolean,
): Promise<{ result: T; position: WalPosition | null }> {
  return inTransactionSpan(trace, (inner) => onOneConnection(pool, work, inner, withPosition));
}

/**
 * COMMIT, and in the same round trip the log's insert position after it: at or past the end of
 * the commit record, so a replica that has replayed to it sees the transaction. It must be read
 * after the commit: a position read inside the transaction precedes the commit record.
 */
const COMMIT_WITH_POSITION = "COMMIT; SELECT pg_current_wal_insert_lsn()::text AS position";

async function onOneConnection<T>(
  pool: SqlPool,
  work: (tx: SqlTransaction) => Promise<T>,
  trace: SpanParent,
  withPosition: boolean,
): Promise<{ result: T; position: WalPosition | null }> {
  const client = await pool.connect();
  // The pool listens for connection errors only on idle clients: a checked-out client whose
  // connection dies between statements (database restart) would otherwise crash the process.
  let connectionBroken: Error | undefined;
  const onConnectionError = (error: Error) => {
    connectionBroken = error;
  };
  client.on("error", onConnectionError);
  const tx = transactionOn(client, trace);
  try {
    await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
    const result = await work(tx);
    if (!withPosition) {
      await client.query("COMMIT");
      return { result, position: null };
    }
    // Several statements in one simple query answer with one result each.
    const answers = (await client.query(COMMIT_WITH_POSITION)) as unknown as QueryResult<{ position: string }>[];
    const text = Array.isArray(answers) ? answers[1]?.rows[0]?.position : undefined;
    return { result, position: text ? parseWalPosition(text) : null };
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch (rollbackFailure) {
      // The connection is unusable (e.g. the database went away): the pool must discard it.
      connectionBroken = rollbackFailure as Error;
    }
    throw error;
  } finally {
    client.off("error", onConnectionError);
    client.release(connectionBroken);
  }
}

/** Statements straight on the pool, outside any request (the webhook loop's reads). */
export function poolRows(pool: SqlRunner): SqlRows {
  return {
    async rows<Row extends QueryResultRow>(text: string, values: readonly unknown[] = []) {
      return (await pool.query<Row>(prepared(text, values))).rows;
    },
  };
}

function transactionOn(client: PoolClient, trace: SpanParent): SqlTransaction {
  return {
    trace,
    async rows<Row extends QueryResultRow>(text: string, values: readonly unknown[] = []) {
      return (await inStatementSpan(trace, text, () => client.query<Row>(prepared(text, values)))).rows;
    },
    within: (inner) => transactionOn(client, inner),
  };
}
