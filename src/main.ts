// Starts the subgraph: config → database (embedded when DATABASE_URL is unset) → migrations → HTTP.
import { resolve } from "node:path";
import { signDevelopmentToken, createTokenVerifier } from "./server/auth.ts";
import { ConfigError, loadConfig, poolOptionsOf, type Config } from "./server/config.ts";
import { startHttpServer } from "./server/http-server.ts";
import { assertCanListen, ListenError, listenHint } from "./server/listen-check.ts";
import { createLogger, prettyDestination, resolveLogFormat, type Logger } from "./server/logger.ts";
import { buildSubgraphSchema } from "./schema/index.ts";
import { openDatabase } from "./services/database/client.ts";
import {
  EmbeddedPostgresInUseError,
  startEmbeddedPostgres,
  type EmbeddedPostgresHandle,
} from "./services/database/embedded-postgres.ts";
import { ensureDatabase } from "./services/database/ensure-database.ts";
import { applyMigrations } from "./services/database/migrations.ts";
import { deleteExpiredIdempotencyKeys } from "./services/idempotency/idempotency-store.ts";
import { WebhookDispatcher } from "./events/webhook-dispatcher.ts";
import { NatsSink } from "./events/nats-sink.ts";
import { SinkRunner } from "./events/sink-runner.ts";
import { startTracing } from "./telemetry/sdk.ts";
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
  const logFormat = resolveLogFormat(config.logFormat, config.nodeEnv, process.stdout.isTTY === true);
  const logger = createLogger(
    config.logLevel,
    logFormat === "pretty" ? ((await prettyDestination()) ?? undefined) : undefined,
  );
  const tracing = startTracing(config.tracing, logger);
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
    try {
      embedded = await startEmbeddedPostgres({ dataDir, logger });
    } catch (error) {
      if (!(error instanceof EmbeddedPostgresInUseError)) throw error;
      process.stderr.write(inUseMessage(error, config.embeddedPostgresDir));
      process.exit(1);
    }
    await ensureDatabase(embedded.serverUrl(), EMBEDDED_DATABASE_NAME);
    databaseUrl = embedded.serverUrl(EMBEDDED_DATABASE_NAME);
  }

  try {
    await assertCanListen(config.host, config.port);
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    process.stderr.write(listenHint(error));
    await embedded?.stop();
    process.exit(1);
  }

  const migrations = await applyMigrations(databaseUrl, { logger });
  logger.info({ applied: migrations.applied, alreadyApplied: migrations.alreadyApplied }, "database migrated");

  let stopping = false;
  const database = openDatabase({
    url: databaseUrl,
    ...poolOptionsOf(config),
    // Once shutting down, connections closing under the pool are expected, not worth a warning.
    onPoolError: (error) =>
      logger[stopping ? "debug" : "warn"]({ err: { message: error.message } }, "idle database connection lost"),
  });
  const http = await startHttpServer({
    config,
    logger,
    database,
    schema: buildSubgraphSchema(),
    verifyToken: createTokenVerifier(config.auth),
  });
  // Any number of replicas deliver: claims are leases taken with SKIP LOCKED (docs/design.md §9).
  const webhooks = config.webhooks.delivery
    ? new WebhookDispatcher({
        pool: database.pool,
        policy: config.webhooks.policy,
        source: config.webhooks.source,
        concurrency: config.webhooks.concurrency,
        pollIntervalMs: config.webhooks.pollIntervalMs,
        logger: logger.child({ component: "webhooks" }),
        metrics: http.metrics.webhooks,
      })
    : null;
  webhooks?.start();
  const nats = config.webhooks.nats;
  const broker = nats
    ? new SinkRunner(await NatsSink.open({ ...nats, source: config.webhooks.source }), database.pool, {
        pollIntervalMs: config.webhooks.pollIntervalMs,
        logger: logger.child({ component: "nats-sink" }),
      })
    : null;
  broker?.start();
  const address = http.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  logger.info(
    {
      url: `http://${config.host}:${port}/graphql`,
      pid: process.pid,
      startupMs: Date.now() - startedAt,
      // After the fields scripts and supervisors already read from this line, in their order.
      ...(config.console.enabled ? { console: `http://${config.host}:${port}/console` } : {}),
    },
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
      await webhooks?.stop();
      await broker?.stop();
      await database.close();
      logger.debug("database pool closed");
      await embedded?.stop();
      // The last requests' spans are still queued for export.
      await tracing?.shutdown();
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

/** Why a second start on the same data directory refuses, and what to set to run one beside it. */
function inUseMessage(error: EmbeddedPostgresInUseError, configuredDir: string): string {
  return (
    `Refusing to start: the embedded PostgreSQL in ${error.dataDir} belongs to another running instance ` +
    `of this subgraph (pid ${error.ownerPid}); its database is left untouched.\n` +
    `Stop that instance (kill ${error.ownerPid}), or give this one its own data directory and port, e.g.\n` +
    `  EMBEDDED_POSTGRES_DIR=${configuredDir.replace(/\/+$/, "")}-2 PORT=4011 npm start\n` +
    `or point it at a PostgreSQL server with DATABASE_URL.\n`
  );
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
