import { z } from "zod";

/** Signs dev tokens when no secret is configured outside production; refused in production. */
export const DEVELOPMENT_JWT_SECRET = "development-only-secret-do-not-use-in-production-0123456789";

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const environmentSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  HOST: z.string().default("127.0.0.1"),
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATABASE_POOL_MAX: positiveInt(10),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(15_000),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(3_000),
  EMBEDDED_POSTGRES_DIR: z.string().default(".data"),
  AUTH_JWT_SECRET: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  AUTH_JWKS_URL: optionalString.pipe(z.url().optional()),
  AUTH_JWT_ISSUER: optionalString,
  AUTH_JWT_AUDIENCE: optionalString,
  ROUTER_SHARED_SECRET: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  LIMIT_MAX_DEPTH: positiveInt(12),
  LIMIT_MAX_ALIASES: positiveInt(30),
  LIMIT_MAX_TOKENS: positiveInt(2000),
  LIMIT_MAX_DIRECTIVES: positiveInt(50),
  LIMIT_MAX_COST: positiveInt(50_000),
  LIMIT_MAX_COST_TENANT: positiveInt(10_000),
  LIMIT_MAX_RESOLVED_ITEMS: positiveInt(20_000),
  LIMIT_REQUEST_TIMEOUT_MS: positiveInt(10_000),
  LIMIT_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  LIMIT_MAX_ENTITY_REPRESENTATIONS: positiveInt(200),
});

/** Every environment variable the service reads (README's configuration table lists each). */
export const CONFIGURATION_VARIABLES: readonly string[] = Object.keys(environmentSchema.shape);

export type AuthConfig =
  | { kind: "secret"; secret: string; issuer?: string; audience?: string; isDevelopmentSecret: boolean }
  | { kind: "jwks"; jwksUrl: string; issuer?: string; audience?: string };

export interface RequestLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  /** Query cost for platform-wide principals. */
  maxCost: number;
  /** Query cost for everyone else (tenant users, requests without a valid token). */
  maxCostTenant: number;
  /** Records one request may read from the database. */
  maxResolvedItems: number;
  requestTimeoutMs: number;
  maxBodyBytes: number;
  maxEntityRepresentations: number;
}

export interface Config {
  nodeEnv: "development" | "production" | "test";
  isProduction: boolean;
  port: number;
  host: string;
  /** Absent: an embedded PostgreSQL is started under `embeddedPostgresDir`. */
  databaseUrl?: string;
  databasePoolMax: number;
  databaseStatementTimeoutMs: number;
  databaseConnectTimeoutMs: number;
  embeddedPostgresDir: string;
  auth: AuthConfig;
  routerSharedSecret?: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  shutdownTimeoutMs: number;
  limits: RequestLimits;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the environment once at start; every problem is reported, not just the first. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  // A variable set to blank is treated as unset (an empty PORT must not become port 0, nor an
  // empty HOST every interface).
  const given = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const parsed = environmentSchema.safeParse(given);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);

  // The cross-variable rules are judged on what was given, so every problem is reported at once.
  const isProduction = given["NODE_ENV"] === "production";
  const jwksUrl = given["AUTH_JWKS_URL"];
  const secret = given["AUTH_JWT_SECRET"];
  if (secret && jwksUrl)
    problems.push("AUTH_JWT_SECRET and AUTH_JWKS_URL are exclusive: configure one way of verifying tokens");
  if (isProduction) {
    if (jwksUrl && (!given["AUTH_JWT_ISSUER"] || !given["AUTH_JWT_AUDIENCE"])) {
      problems.push("AUTH_JWKS_URL in production needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE");
    }
    if (!jwksUrl && !secret)
      problems.push("production needs AUTH_JWKS_URL (with issuer and audience) or AUTH_JWT_SECRET");
    if (!jwksUrl && secret === DEVELOPMENT_JWT_SECRET) {
      problems.push("AUTH_JWT_SECRET is the published development secret; production needs its own");
    }
    if (!given["DATABASE_URL"])
      problems.push("production needs DATABASE_URL (the embedded PostgreSQL is for development only)");
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);

  const env = parsed.data;
  const auth: AuthConfig = env.AUTH_JWKS_URL
    ? { kind: "jwks", jwksUrl: env.AUTH_JWKS_URL, issuer: env.AUTH_JWT_ISSUER, audience: env.AUTH_JWT_AUDIENCE }
    : {
        kind: "secret",
        secret: env.AUTH_JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
        issuer: env.AUTH_JWT_ISSUER,
        audience: env.AUTH_JWT_AUDIENCE,
        isDevelopmentSecret: (env.AUTH_JWT_SECRET ?? DEVELOPMENT_JWT_SECRET) === DEVELOPMENT_JWT_SECRET,
      };

  return {
    nodeEnv: env.NODE_ENV,
    isProduction,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    databaseStatementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    databaseConnectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    embeddedPostgresDir: env.EMBEDDED_POSTGRES_DIR,
    auth,
    routerSharedSecret: env.ROUTER_SHARED_SECRET,
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    limits: {
      maxDepth: env.LIMIT_MAX_DEPTH,
      maxAliases: env.LIMIT_MAX_ALIASES,
      maxTokens: env.LIMIT_MAX_TOKENS,
      maxDirectives: env.LIMIT_MAX_DIRECTIVES,
      maxCost: env.LIMIT_MAX_COST,
      maxCostTenant: env.LIMIT_MAX_COST_TENANT,
      maxResolvedItems: env.LIMIT_MAX_RESOLVED_ITEMS,
      requestTimeoutMs: env.LIMIT_REQUEST_TIMEOUT_MS,
      maxBodyBytes: env.LIMIT_MAX_BODY_BYTES,
      maxEntityRepresentations: env.LIMIT_MAX_ENTITY_REPRESENTATIONS,
    },
  };
}
