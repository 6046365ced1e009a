import pg from "pg";

/**
 * Counts the SQL statements this process sends through node-postgres (which Prisma's pg adapter
 * and the hand-written SQL both use) while `measure` runs.
 */
export async function countStatements<T>(measure: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args;
    const text = typeof first === "string" ? first : (first as { text?: string } | undefined)?.text;
    statements.push((text ?? "<prepared>").replace(/\s+/g, " ").trim());
    return (original as (...innerArgs: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    const result = await measure();
    return { result, statements };
  } finally {
    pg.Client.prototype.query = original;
  }
}
