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
});

export type AuthConfig =
  | { kind: "secret"; secret: string; issuer?: string; audience?: string; isDevelopmentSecret: boolean }
  | { kind: "jwks"; jwksUrl: string; issuer?: string; audience?: string };

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
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the environment once at start; every problem is reported, not just the first. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const env = parsed.data;
  const isProduction = env.NODE_ENV === "production";
  const problems: string[] = [];

  if (env.AUTH_JWT_SECRET && env.AUTH_JWKS_URL) {
    problems.push("AUTH_JWT_SECRET and AUTH_JWKS_URL are exclusive: configure one way of verifying tokens");
  }
  let auth: AuthConfig;
  if (env.AUTH_JWKS_URL) {
    auth = { kind: "jwks", jwksUrl: env.AUTH_JWKS_URL, issuer: env.AUTH_JWT_ISSUER, audience: env.AUTH_JWT_AUDIENCE };
    if (isProduction && (!env.AUTH_JWT_ISSUER || !env.AUTH_JWT_AUDIENCE)) {
      problems.push("AUTH_JWKS_URL in production needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE");
    }
  } else {
    const secret = env.AUTH_JWT_SECRET ?? DEVELOPMENT_JWT_SECRET;
    auth = {
      kind: "secret",
      secret,
      issuer: env.AUTH_JWT_ISSUER,
      audience: env.AUTH_JWT_AUDIENCE,
      isDevelopmentSecret: secret === DEVELOPMENT_JWT_SECRET,
    };
    if (isProduction && !env.AUTH_JWT_SECRET) {
      problems.push("production needs AUTH_JWKS_URL (with issuer and audience) or AUTH_JWT_SECRET");
    } else if (isProduction && auth.isDevelopmentSecret) {
      problems.push("AUTH_JWT_SECRET is the published development secret; production needs its own");
    }
  }
  if (isProduction && !env.DATABASE_URL) {
    problems.push("production needs DATABASE_URL (the embedded PostgreSQL is for development only)");
  }
  if (problems.length > 0) throw new ConfigError(problems);

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
  };
}
