import type { PoolClient, QueryResultRow } from "pg";
import { prepared, type SqlRunner } from "./prepared.ts";

/** The shared pool as the write path needs it: statements, and a connection to hold a transaction on. */
export interface SqlPool extends SqlRunner {
  connect(): Promise<PoolClient>;
}

/** One open transaction: every statement of a mutation runs here, on one connection. */
export interface SqlTransaction {
  /** The rows of one statement, run as a named prepared statement. */
  rows<Row extends QueryResultRow>(text: string, values?: unknown[]): Promise<Row[]>;
}

/**
 * Runs `work` in one READ COMMITTED transaction on one pooled connection: committed when it
 * returns, rolled back when it throws. Mutations use this rather than Prisma's interactive
 * transactions, which cost ~6× the CPU per transaction on the write path (BENCHMARKS.md).
 */
export async function inTransaction<T>(pool: SqlPool, work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // The pool listens for connection errors only on idle clients: a checked-out client whose
  // connection dies between statements (database restart) would otherwise crash the process.
  let connectionBroken: Error | undefined;
  const onConnectionError = (error: Error) => {
    connectionBroken = error;
  };
  client.on("error", onConnectionError);
  const tx: SqlTransaction = {
    async rows<Row extends QueryResultRow>(text: string, values: unknown[] = []) {
      return (await client.query<Row>(prepared(text, values))).rows;
    },
  };
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
