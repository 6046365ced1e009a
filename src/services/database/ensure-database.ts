import pg from "pg";

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Creates the database when missing; a concurrent creator winning the race is fine. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<boolean> {
  if (!DATABASE_NAME.test(database)) throw new Error(`Invalid database name: ${database}`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (existing.rowCount) return false;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "42P04") return false; // duplicate_database
    throw error;
  } finally {
    await client.end();
  }
}
