import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

interface MigrationLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** Any constant works; it only has to be the same in every process applying migrations. */
const MIGRATION_LOCK_KEY = 0x74656e616e74n; // "tenant"

/** Resolves prisma/migrations from src/ (tsx) and from dist/ (bundle), else from the working directory. */
function defaultMigrationsDir(): string {
  for (const candidate of ["../../../prisma/migrations", "../prisma/migrations"]) {
    const directory = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(directory, "migration_lock.toml"))) return directory;
  }
  return join(process.cwd(), "prisma", "migrations");
}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(directory: string): Promise<MigrationFile[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(directory, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: createHash("sha256").update(bytes).digest("hex") };
    }),
  );
}

/** The table exactly as `prisma migrate` creates it, so Prisma's own tooling reads our records. */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies pending SQL migrations (Prisma's layout) under an advisory lock, so concurrent
 * processes apply each migration once, and records them the way `prisma migrate deploy` does.
 */
export async function applyMigrations(
  connectionString: string,
  options: { logger?: MigrationLogger; migrationsDir?: string } = {},
): Promise<MigrationResult> {
  const migrations = await readMigrations(options.migrationsDir ?? defaultMigrationsDir());
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const applied = new Map(rows.map((row) => [row.migration_name, row]));
    const onDisk = new Set(migrations.map((migration) => migration.name));
    for (const row of rows) {
      if (row.finished_at === null) {
        throw new Error(
          `Migration ${row.migration_name} failed earlier and was not rolled back; resolve it before migrating again`,
        );
      }
      if (!onDisk.has(row.migration_name)) {
        throw new Error(
          `Migration ${row.migration_name} is applied to the database but missing from prisma/migrations`,
        );
      }
    }
    const newlyApplied: string[] = [];
    for (const migration of migrations) {
      const existing = applied.get(migration.name);
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.name} was changed after it was applied (checksum mismatch)`);
        }
        continue;
      }
      const id = randomUUID();
      await client.query("BEGIN");
      try {
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
          [id, migration.checksum, migration.name],
        );
        await client.query(migration.sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      options.logger?.info({ migration: migration.name }, "migration applied");
      newlyApplied.push(migration.name);
    }
    return { applied: newlyApplied, alreadyApplied: migrations.length - newlyApplied.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    await client.end();
  }
}
