// Starts the subgraph: config → database (embedded when DATABASE_URL is unset) → migrations → HTTP.
import { resolve } from "node:path";
import { signDevelopmentToken, createTokenVerifier } from "./server/auth.ts";
import { ConfigError, loadConfig, poolOptionsOf, type Config } from "./server/config.ts";
import { startHttpServer } from "./server/http-server.ts";
import { createLogger, type Logger } from "./server/logger.ts";
import { buildSubgraphSchema } from "./schema/index.ts";
import { openDatabase } from "./services/database/client.ts";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./services/database/embedded-postgres.ts";
import { ensureDatabase } from "./services/database/ensure-database.ts";
import { applyMigrations } from "./services/database/migrations.ts";
import { deleteExpiredIdempotencyKeys } from "./services/idempotency/idempotency-store.ts";
import { takeCheckpointIfDue } from "./services/audit/audit-checkpoints.ts";
import { inTransaction } from "./services/database/sql.ts";

const EMBEDDED_DATABASE_NAME = "tenant_lifecycle";

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const startedAt = Date.now();
  // A promise rejected with no one listening (a library abandoning work mid-request) is logged;
  // it must not end the process and every request in flight with it, as Node would by default.
  process.on("unhandledRejection", (reason: unknown) => {
    logger.error(
      { err: { message: reason instanceof Error ? reason.message : String(reason) } },
      "unhandled promise rejection (ignored)",
    );
  });
  if (config.isProduction && !config.routerSharedSecret) {
    logger.warn("ROUTER_SHARED_SECRET is not set: clients can call this subgraph directly, bypassing the router");
  }

  let embedded: EmbeddedPostgresHandle | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const dataDir = resolve(config.embeddedPostgresDir);
    logger.info({ dataDir }, "DATABASE_URL is not set: starting an embedded PostgreSQL");
    embedded = await startEmbeddedPostgres({ dataDir, logger });
    await ensureDatabase(embedded.serverUrl(), EMBEDDED_DATABASE_NAME);
    databaseUrl = embedded.serverUrl(EMBEDDED_DATABASE_NAME);
  }

  const migrations = await applyMigrations(databaseUrl, { logger });
  logger.info({ applied: migrations.applied, alreadyApplied: migrations.alreadyApplied }, "database migrated");

  const database = openDatabase({
    url: databaseUrl,
    ...poolOptionsOf(config),
    onPoolError: (error) => logger.warn({ err: { message: error.message } }, "idle database connection lost"),
  });
  const http = await startHttpServer({
    config,
    logger,
    database,
    schema: buildSubgraphSchema(),
    verifyToken: createTokenVerifier(config.auth),
  });
  const address = http.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  logger.info(
    { url: `http://${config.host}:${port}/graphql`, pid: process.pid, startupMs: Date.now() - startedAt },
    "subgraph listening",
  );
  if (!config.isProduction && config.auth.kind === "secret" && config.auth.isDevelopmentSecret) {
    await announceDevelopmentToken(logger, config);
  }

  // Keys live IDEMPOTENCY_KEY_TTL_MS (48 h); expired ones are swept hourly by every replica.
  const sweep = setInterval(
    () => {
      deleteExpiredIdempotencyKeys(database.pool).then(
        (count) => count > 0 && logger.info({ count }, "expired idempotency keys removed"),
        (error: unknown) => logger.warn({ err: { message: (error as Error).message } }, "idempotency key sweep failed"),
      );
    },
    60 * 60 * 1000,
  );
  sweep.unref();

  // Signed checkpoints over every tenant's audit head (design §4 "Audit evidence"): one at start
  // when none is recent (it also covers chains written before links were keyed), then about one
  // per AUDIT_CHECKPOINT_INTERVAL across replicas.
  if (config.audit.usesDevelopmentKeys && !config.isProduction) {
    logger.warn("the audit trail is keyed and signed with the published development keys");
  }
  const checkpointIfDue = () =>
    inTransaction(database.pool, (tx) =>
      takeCheckpointIfDue(tx, config.audit.signer, config.audit.checkpointIntervalMs),
    ).then(
      (checkpoint) =>
        checkpoint &&
        logger.info({ checkpointId: checkpoint.id, tenantCount: checkpoint.tenantCount }, "audit checkpoint taken"),
      (error: unknown) => logger.warn({ err: { message: (error as Error).message } }, "audit checkpoint failed"),
    );
  void checkpointIfDue();
  const checkpoints = setInterval(() => void checkpointIfDue(), Math.min(config.audit.checkpointIntervalMs, 60_000));
  checkpoints.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: draining in-flight requests");
    const forced = setTimeout(() => {
      logger.error("shutdown deadline passed; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000);
    forced.unref();
    clearInterval(sweep);
    clearInterval(checkpoints);
    try {
      await http.drain(config.shutdownTimeoutMs);
      logger.debug("http server drained");
      await database.close();
      logger.debug("database pool closed");
      await embedded?.stop();
      logger.info("stopped cleanly");
      logger.flush();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** Development only: a ready-to-paste operator token signed with the published development secret. */
async function announceDevelopmentToken(logger: Logger, config: Config): Promise<void> {
  if (config.auth.kind !== "secret") return;
  const token = await signDevelopmentToken(config.auth.secret, {
    sub: "dev-operator",
    scope: "platform:operator",
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  logger.warn(
    { developmentSecret: config.auth.secret },
    "AUTH_JWT_SECRET is not set: using the development secret (never in production)",
  );
  process.stdout.write(`\nDevelopment operator token (12 h):\n  Authorization: Bearer ${token}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
