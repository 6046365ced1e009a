// `npm run db:migrate`: applies pending migrations to DATABASE_URL.
import { applyMigrations } from "../services/database/migrations.ts";

const url = process.env["DATABASE_URL"];
if (!url) {
  process.stderr.write(
    "DATABASE_URL is not set: it names the database to migrate (npm start migrates the embedded one itself)\n",
  );
  process.exit(1);
}
try {
  const result = await applyMigrations(url, {
    logger: {
      info: (obj) => process.stdout.write(`applied ${(obj as { migration: string }).migration}\n`),
      warn: () => undefined,
    },
  });
  process.stdout.write(`${result.applied.length} applied, ${result.alreadyApplied} already applied\n`);
} catch (error) {
  process.stderr.write(`Migration failed: ${(error as Error).message}\n`);
  process.exit(1);
}
