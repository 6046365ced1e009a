import { createHash } from "node:crypto";
import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from "pg";
import { inStatementSpan, inTransactionSpan, type SpanParent } from "../../telemetry/tracing.ts";
import { OverloadedError, RequestLimitError } from "../errors.ts";
import { isDatabaseUnavailable, isOutOfTime, isPoolExhausted } from "./failures.ts";

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

/**
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

  constructor(
    private readonly pool: SqlPool,
    private readonly limits: RequestSqlLimits,
    /** The request's operation span: its statements and transactions are traced under it. */
    private readonly trace: SpanParent = null,
  ) {}

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
    let result: QueryResult<Row>;
    try {
      result = await inStatementSpan(this.trace, text, () =>
        this.pool.query<Row>(options.plannedPerCall ? { text, values: values as unknown[] } : prepared(text, values)),
      );
    } catch (error) {
      throw this.noteFailure(error);
    }
    if (!options.streamed) this.afterStatement(result.rows.length);
    return result.rows;
  }

  /** Runs `work` in one transaction on one connection, under the same bounds. */
  async transaction<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    this.beforeStatement();
    try {
      return await inTransaction(this.pool, work, this.trace);
    } catch (error) {
      throw this.noteFailure(error);
    }
  }
}

/**
 * Runs `work` in one READ COMMITTED transaction on one pooled connection: committed when it
 * returns, rolled back when it throws.
 */
export function inTransaction<T>(
  pool: SqlPool,
  work: (tx: SqlTransaction) => Promise<T>,
  trace: SpanParent = null,
): Promise<T> {
  return inTransactionSpan(trace, (inner) => onOneConnection(pool, work, inner));
}

async function onOneConnection<T>(
  pool: SqlPool,
  work: (tx: SqlTransaction) => Promise<T>,
  trace: SpanParent,
): Promise<T> {
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
    await client.query("COMMIT");
    return result;
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
