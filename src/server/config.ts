import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  DEVELOPMENT_MAC_KEY,
  DEVELOPMENT_SIGNER,
  isDevelopmentMacKey,
  isDevelopmentSigner,
  keyringOf,
  parseMacKeys,
  signerFromPem,
  type AuditEvidenceKeys,
  type AuditMacKey,
  type CheckpointSigner,
} from "../services/audit/audit-keys.ts";
import type { AdmissionRules } from "./admission/admission.ts";
import type { DestinationPolicy } from "../events/destinations.ts";
import { parseAllowedOrigins } from "./cors.ts";

/** Signs dev tokens when no secret is configured outside production; refused in production. */
export const DEVELOPMENT_JWT_SECRET = "development-only-secret-do-not-use-in-production-0123456789";

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const optionalBoolean = z.enum(["true", "false"]).optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration in seconds, written `900`, `900s`, `15m`, `24h` or `7d`. */
const durationSeconds = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
      const seconds = match ? Number(match[1]) * (DURATION_UNITS[match[2] || "s"] as number) : 0;
      if (seconds <= 0) {
        context.addIssue({ code: "custom", message: "must be a positive duration such as 900, 15m or 24h" });
        return z.NEVER;
      }
      return seconds;
    });

/** OTEL_TRACES_SAMPLER's values (OpenTelemetry's SDK configuration): the ratio is OTEL_TRACES_SAMPLER_ARG. */
export const TRACES_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

const environmentSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  HOST: z.string().default("127.0.0.1"),
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATABASE_POOL_MAX: positiveInt(10),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(15_000),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(3_000),
  // Read replicas (design §10): comma-separated URLs; unset, every statement runs on DATABASE_URL.
  DATABASE_REPLICA_URLS: optionalString.pipe(
    z
      .string()
      .transform((value) =>
        value
          .split(",")
          .map((url) => url.trim())
          .filter((url) => url !== ""),
      )
      .pipe(z.array(z.url({ protocol: /^postgres(ql)?$/, message: "each must be a postgres:// URL" })))
      .optional(),
  ),
  DATABASE_REPLICA_POLL_INTERVAL_MS: z.coerce.number().int().min(20).max(10_000).default(200),
  DATABASE_REPLICA_MAX_LAG_MS: positiveInt(30_000),
  EMBEDDED_POSTGRES_DIR: z.string().default(".data"),
  AUTH_JWT_SECRET: optionalString.pipe(
    z
      .string()
      .refine((secret) => Buffer.byteLength(secret, "utf8") >= 32, "must be at least 32 bytes (after trimming)")
      .optional(),
  ),
  AUTH_JWKS_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  AUTH_JWKS_CACHE_MAX_AGE: durationSeconds("5m"),
  AUTH_MAX_TOKEN_AGE: durationSeconds("24h"),
  AUTH_JWT_ISSUER: optionalString,
  AUTH_JWT_AUDIENCE: optionalString,
  ROUTER_SHARED_SECRET: optionalString,
  CORS_ORIGINS: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
  GRAPHQL_EXECUTOR: z.enum(["compiled", "graphql-js"]).default("compiled"),
  GRAPHQL_COMPILED_CACHE_BYTES: positiveInt(64 * 1024 * 1024),
  GRAPHQL_IDE: z.enum(["auto", "on", "off"]).default("auto"),
  CONSOLE_ENABLED: optionalBoolean,
  CONSOLE_DEV_TOKENS: optionalBoolean,
  CONSOLE_ASSETS_DIR: optionalString,
  CONSOLE_OIDC_ISSUER: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  CONSOLE_OIDC_CLIENT_ID: optionalString,
  CONSOLE_OIDC_SCOPE: z.string().trim().min(1).default("openid"),
  CONSOLE_OIDC_AUDIENCE: optionalString,
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
  LIMIT_MAX_ENTITY_REPRESENTATIONS: positiveInt(10_000),
  LIMIT_IDEMPOTENCY_RECORDS: positiveInt(10_000),
  RATE_LIMIT_TENANT_USER_POINTS: positiveInt(20_000),
  RATE_LIMIT_TENANT_USER_RESTORE_RATE: positiveInt(2_000),
  RATE_LIMIT_TENANT_POINTS: positiveInt(40_000),
  RATE_LIMIT_TENANT_RESTORE_RATE: positiveInt(5_000),
  RATE_LIMIT_PLATFORM_POINTS: positiveInt(100_000),
  RATE_LIMIT_PLATFORM_RESTORE_RATE: positiveInt(25_000),
  RATE_LIMIT_ANONYMOUS_POINTS: positiveInt(10_000),
  RATE_LIMIT_ANONYMOUS_RESTORE_RATE: positiveInt(1_000),
  RATE_LIMIT_CONCURRENT_TENANT_USER: positiveInt(8),
  RATE_LIMIT_CONCURRENT_PLATFORM: positiveInt(64),
  RATE_LIMIT_CONCURRENT_ANONYMOUS: positiveInt(8),
  SHED_EVENT_LOOP_DELAY_MS: positiveInt(200),
  SHED_MAX_IN_FLIGHT: positiveInt(256),
  WEBHOOK_DELIVERY: z.enum(["on", "off"]).default("on"),
  WEBHOOK_SOURCE: z.string().trim().min(1).max(500).default("urn:tenant-lifecycle-subgraph"),
  WEBHOOK_ALLOW_HTTP: optionalBoolean,
  WEBHOOK_ALLOW_LOOPBACK: optionalBoolean,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(["true", "false"]).default("false"),
  WEBHOOK_CONCURRENCY: positiveInt(8),
  WEBHOOK_POLL_INTERVAL_MS: positiveInt(250),
  EVENTS_NATS_URL: optionalString,
  EVENTS_NATS_STREAM: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and - only")
    .default("TENANT_EVENTS"),
  EVENTS_NATS_SUBJECT_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, "dot-separated tokens without wildcards")
    .default("tenant-events"),
  // OpenTelemetry's standard variables (design §6 "Tracing"): tracing is on when an endpoint is set.
  OTEL_SDK_DISABLED: z.enum(["true", "false"]).default("false"),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(["http/protobuf", "http/json"], { message: "must be http/protobuf or http/json (gRPC is not supported)" })
    .default("http/protobuf"),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default("tenant-lifecycle-subgraph"),
  OTEL_TRACES_SAMPLER: z
    .enum(TRACES_SAMPLERS, { message: `must be one of ${TRACES_SAMPLERS.join(", ")}` })
    .default("parentbased_always_on"),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ message: "must be a sampling ratio between 0 and 1" })
    .min(0, "must be a sampling ratio between 0 and 1")
    .max(1, "must be a sampling ratio between 0 and 1")
    .default(1),
  AUDIT_HMAC_KEYS: optionalString,
  AUDIT_HMAC_KEYS_FILE: optionalString,
  AUDIT_HMAC_CURRENT_KEY_ID: optionalString,
  AUDIT_SIGNING_KEY: optionalString,
  AUDIT_SIGNING_KEY_FILE: optionalString,
  AUDIT_CHECKPOINT_INTERVAL: durationSeconds("1h"),
});

/** Every environment variable the service reads (README's configuration table lists each). */
export const CONFIGURATION_VARIABLES: readonly string[] = Object.keys(environmentSchema.shape);

interface TokenRules {
  issuer?: string;
  audience?: string;
  /** Tokens living longer than this (from iat) are refused. */
  maxTokenAgeSeconds: number;
}

export type AuthConfig =
  | (TokenRules & { kind: "secret"; secret: string; isDevelopmentSecret: boolean })
  | (TokenRules & { kind: "jwks"; jwksUrl: string; jwksCacheMaxAgeMs: number });

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
  /** Idempotency records one principal may store per IDEMPOTENCY_QUOTA_WINDOW_MS (docs/design.md §4). */
  idempotencyRecordsPerPrincipal: number;
}

/** Webhook delivery (docs/design.md §9). */
export interface WebhookConfig {
  /** Whether this process runs the delivery loop (any number of processes may). */
  delivery: boolean;
  /** CloudEvents `source` of every event sent. */
  source: string;
  policy: DestinationPolicy;
  concurrency: number;
  pollIntervalMs: number;
  /** NATS JetStream sink; absent: no broker. */
  nats?: { servers: string; stream: string; subjectPrefix: string };
}

export interface Config {
  /** Per-caller cost buckets, concurrency caps and load shedding (design §6). */
  admission: AdmissionRules;
  nodeEnv: "development" | "production" | "test";
  isProduction: boolean;
  port: number;
  host: string;
  /** Absent: an embedded PostgreSQL is started under `embeddedPostgresDir`. */
  databaseUrl?: string;
  databasePoolMax: number;
  databaseStatementTimeoutMs: number;
  databaseConnectTimeoutMs: number;
  /** Read replicas and how they are watched (design §10); no URLs: everything on the primary. */
  databaseReplicas: { urls: string[]; pollIntervalMs: number; maxLagMs: number };
  embeddedPostgresDir: string;
  auth: AuthConfig;
  routerSharedSecret?: string;
  /** Browser origins allowed to call /graphql directly (CORS); empty by default. */
  corsOrigins: string[];
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** `auto`: readable lines in development at a terminal, JSON otherwise. */
  logFormat: "auto" | "json" | "pretty";
  /** `compiled`: operations seen more than once run compiled by graphql-jit; `graphql-js`: all interpreted. */
  executor: "compiled" | "graphql-js";
  /** Estimated bytes the compiled operations may retain (design §6). */
  compiledCacheBytes: number;
  /** Serve the bundled GraphQL IDE at `GET /graphql` to browsers (`GRAPHQL_IDE`; by default outside production). */
  graphqlIde: boolean;
  /** The operator console at `/console` (src/console/, design §11). */
  console: ConsoleConfig;
  shutdownTimeoutMs: number;
  limits: RequestLimits;
  webhooks: WebhookConfig;
  tracing: TracingConfig;
  /** The audit trail's keys and checkpoint period (design §4 "Audit evidence"). */
  audit: AuditEvidenceConfig;
}

export interface ConsoleConfig {
  /** `CONSOLE_ENABLED`; by default on outside production. */
  enabled: boolean;
  /**
   * `CONSOLE_DEV_TOKENS`: whether `POST /console/dev-token` mints tokens for personas. By default
   * only where the published development secret verifies tokens (anyone can sign those already);
   * never in production.
   */
  devTokens: boolean;
  /** Where the built console is (`CONSOLE_ASSETS_DIR`); absent: the build shipped in dist/console. */
  assetsDir?: string;
  /** Sign-in with OpenID Connect (authorization code + PKCE in the browser); absent: a pasted token. */
  oidc?: ConsoleOidcConfig;
}

export interface ConsoleOidcConfig {
  /** The provider's issuer URL; its discovery document is at `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  /** A public client (no secret) registered with `<origin>/console/auth/callback` as redirect URI. */
  clientId: string;
  scope: string;
  /** Sent as `audience` on the authorization request, for providers that issue API tokens per audience. */
  audience?: string;
}

export interface AuditEvidenceConfig extends AuditEvidenceKeys {
  checkpointIntervalMs: number;
  /** Whether the published development keys are in use (never in production). */
  usesDevelopmentKeys: boolean;
}

/** Span export over OTLP/HTTP (design §6 "Tracing"). */
export interface TracingConfig {
  /** Where spans are sent; absent: tracing is off (no SDK is started, nothing is recorded). */
  tracesUrl?: string;
  protocol: "http/protobuf" | "http/json";
  serviceName: string;
  sampler: TracesSampler;
  /** The share of new traces recorded, for the `traceidratio` samplers. */
  samplerRatio: number;
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

  // The cross-variable rules are judged on what was given (trimmed, as the service will use it),
  // so every problem is reported at once.
  const isProduction = given["NODE_ENV"] === "production";
  const jwksUrl = given["AUTH_JWKS_URL"]?.trim();
  const secret = given["AUTH_JWT_SECRET"]?.trim();
  if (secret && jwksUrl)
    problems.push("AUTH_JWT_SECRET and AUTH_JWKS_URL are exclusive: configure one way of verifying tokens");
  if (isProduction) {
    if (jwksUrl && (!given["AUTH_JWT_ISSUER"] || !given["AUTH_JWT_AUDIENCE"])) {
      problems.push("AUTH_JWKS_URL in production needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE");
    }
    if (jwksUrl && !jwksUrl.toLowerCase().startsWith("https://")) {
      problems.push("AUTH_JWKS_URL in production must be an https URL (keys fetched over http can be replaced)");
    }
    if (!jwksUrl && !secret)
      problems.push("production needs AUTH_JWKS_URL (with issuer and audience) or AUTH_JWT_SECRET");
    if (!jwksUrl && secret === DEVELOPMENT_JWT_SECRET) {
      problems.push("AUTH_JWT_SECRET is the published development secret; production needs its own");
    }
    if (!given["DATABASE_URL"])
      problems.push("production needs DATABASE_URL (the embedded PostgreSQL is for development only)");
    const oidcIssuer = given["CONSOLE_OIDC_ISSUER"]?.trim();
    if (oidcIssuer && !oidcIssuer.toLowerCase().startsWith("https://")) {
      problems.push("CONSOLE_OIDC_ISSUER in production must be an https URL");
    }
    if (given["CONSOLE_DEV_TOKENS"]?.trim() === "true") {
      problems.push("CONSOLE_DEV_TOKENS=true mints tokens for anyone who reaches the console: never in production");
    }
  }
  if (Boolean(given["CONSOLE_OIDC_ISSUER"]) !== Boolean(given["CONSOLE_OIDC_CLIENT_ID"])) {
    problems.push(
      "CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID go together: set both for single sign-on, or neither",
    );
  }
  if (given["DATABASE_REPLICA_URLS"] && !given["DATABASE_URL"]) {
    problems.push("DATABASE_REPLICA_URLS needs DATABASE_URL: replicas follow a primary the service is told of");
  }
  const cors = parseAllowedOrigins(given["CORS_ORIGINS"]);
  problems.push(...cors.problems);
  const auditKeys = readAuditKeys(given, isProduction, problems);
  if (parsed.success) {
    const env = parsed.data;
    // A request the cost limit accepts must fit in its caller's bucket, or it could never run.
    const tooSmall = [
      [
        "RATE_LIMIT_TENANT_USER_POINTS",
        env.RATE_LIMIT_TENANT_USER_POINTS,
        "LIMIT_MAX_COST_TENANT",
        env.LIMIT_MAX_COST_TENANT,
      ],
      ["RATE_LIMIT_TENANT_POINTS", env.RATE_LIMIT_TENANT_POINTS, "LIMIT_MAX_COST_TENANT", env.LIMIT_MAX_COST_TENANT],
      [
        "RATE_LIMIT_ANONYMOUS_POINTS",
        env.RATE_LIMIT_ANONYMOUS_POINTS,
        "LIMIT_MAX_COST_TENANT",
        env.LIMIT_MAX_COST_TENANT,
      ],
      ["RATE_LIMIT_PLATFORM_POINTS", env.RATE_LIMIT_PLATFORM_POINTS, "LIMIT_MAX_COST", env.LIMIT_MAX_COST],
    ] as const;
    for (const [bucket, points, limit, maxCost] of tooSmall) {
      if (points < maxCost) problems.push(`${bucket} (${points}) must be at least ${limit} (${maxCost})`);
    }
  }
  if (problems.length > 0 || !parsed.success || !auditKeys) throw new ConfigError(problems);

  const env = parsed.data;
  const rules = {
    issuer: env.AUTH_JWT_ISSUER,
    audience: env.AUTH_JWT_AUDIENCE,
    maxTokenAgeSeconds: env.AUTH_MAX_TOKEN_AGE,
  };
  const auth: AuthConfig = env.AUTH_JWKS_URL
    ? { ...rules, kind: "jwks", jwksUrl: env.AUTH_JWKS_URL, jwksCacheMaxAgeMs: env.AUTH_JWKS_CACHE_MAX_AGE * 1000 }
    : {
        ...rules,
        kind: "secret",
        secret: env.AUTH_JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
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
    databaseReplicas: {
      urls: env.DATABASE_REPLICA_URLS ?? [],
      pollIntervalMs: env.DATABASE_REPLICA_POLL_INTERVAL_MS,
      maxLagMs: env.DATABASE_REPLICA_MAX_LAG_MS,
    },
    embeddedPostgresDir: env.EMBEDDED_POSTGRES_DIR,
    auth,
    routerSharedSecret: env.ROUTER_SHARED_SECRET,
    corsOrigins: cors.origins,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    executor: env.GRAPHQL_EXECUTOR,
    compiledCacheBytes: env.GRAPHQL_COMPILED_CACHE_BYTES,
    graphqlIde: env.GRAPHQL_IDE === "on" || (env.GRAPHQL_IDE === "auto" && !isProduction),
    console: {
      enabled: env.CONSOLE_ENABLED ? env.CONSOLE_ENABLED === "true" : !isProduction,
      devTokens:
        !isProduction &&
        (env.CONSOLE_DEV_TOKENS
          ? env.CONSOLE_DEV_TOKENS === "true"
          : auth.kind === "secret" && auth.isDevelopmentSecret),
      assetsDir: env.CONSOLE_ASSETS_DIR,
      oidc:
        env.CONSOLE_OIDC_ISSUER && env.CONSOLE_OIDC_CLIENT_ID
          ? {
              issuer: env.CONSOLE_OIDC_ISSUER,
              clientId: env.CONSOLE_OIDC_CLIENT_ID,
              scope: env.CONSOLE_OIDC_SCOPE,
              audience: env.CONSOLE_OIDC_AUDIENCE,
            }
          : undefined,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    tracing: {
      tracesUrl:
        env.OTEL_SDK_DISABLED === "true"
          ? undefined
          : tracesUrlOf(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, env.OTEL_EXPORTER_OTLP_ENDPOINT),
      protocol: env.OTEL_EXPORTER_OTLP_PROTOCOL,
      serviceName: env.OTEL_SERVICE_NAME,
      sampler: env.OTEL_TRACES_SAMPLER,
      samplerRatio: env.OTEL_TRACES_SAMPLER_ARG,
    },
    admission: {
      buckets: {
        tenantUser: {
          capacity: env.RATE_LIMIT_TENANT_USER_POINTS,
          restorePerSecond: env.RATE_LIMIT_TENANT_USER_RESTORE_RATE,
        },
        tenant: { capacity: env.RATE_LIMIT_TENANT_POINTS, restorePerSecond: env.RATE_LIMIT_TENANT_RESTORE_RATE },
        platform: { capacity: env.RATE_LIMIT_PLATFORM_POINTS, restorePerSecond: env.RATE_LIMIT_PLATFORM_RESTORE_RATE },
        anonymous: {
          capacity: env.RATE_LIMIT_ANONYMOUS_POINTS,
          restorePerSecond: env.RATE_LIMIT_ANONYMOUS_RESTORE_RATE,
        },
      },
      concurrency: {
        tenantUser: env.RATE_LIMIT_CONCURRENT_TENANT_USER,
        platform: env.RATE_LIMIT_CONCURRENT_PLATFORM,
        anonymous: env.RATE_LIMIT_CONCURRENT_ANONYMOUS,
      },
      shedding: { maxEventLoopDelayMs: env.SHED_EVENT_LOOP_DELAY_MS, maxInFlight: env.SHED_MAX_IN_FLIGHT },
    },
    webhooks: {
      delivery: env.WEBHOOK_DELIVERY === "on",
      source: env.WEBHOOK_SOURCE,
      policy: {
        // Outside production a receiver on this machine over plain http is the usual test.
        allowHttp: env.WEBHOOK_ALLOW_HTTP ? env.WEBHOOK_ALLOW_HTTP === "true" : !isProduction,
        allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK ? env.WEBHOOK_ALLOW_LOOPBACK === "true" : !isProduction,
        allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS === "true",
      },
      concurrency: env.WEBHOOK_CONCURRENCY,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      nats: env.EVENTS_NATS_URL
        ? {
            servers: env.EVENTS_NATS_URL,
            stream: env.EVENTS_NATS_STREAM,
            subjectPrefix: env.EVENTS_NATS_SUBJECT_PREFIX,
          }
        : undefined,
    },
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
      idempotencyRecordsPerPrincipal: env.LIMIT_IDEMPOTENCY_RECORDS,
    },
    audit: { ...auditKeys, checkpointIntervalMs: env.AUDIT_CHECKPOINT_INTERVAL * 1000 },
  };
}

/**
 * OTLP's rule: the signal-specific endpoint is used as given; the general one is a base to which
 * `v1/traces` is appended.
 */
function tracesUrlOf(tracesEndpoint: string | undefined, endpoint: string | undefined): string | undefined {
  if (tracesEndpoint) return tracesEndpoint;
  if (!endpoint) return undefined;
  return `${endpoint.endsWith("/") ? endpoint : `${endpoint}/`}v1/traces`;
}

/**
 * The audit trail's HMAC keys and checkpoint signing key, each from a variable or a file. Outside
 * production, what is not configured falls back to the published development keys; production
 * refuses to start without its own (as it does without its own AUTH_JWT_SECRET).
 */
function readAuditKeys(
  given: Record<string, string | undefined>,
  isProduction: boolean,
  problems: string[],
): (AuditEvidenceKeys & { usesDevelopmentKeys: boolean }) | null {
  const text = (name: string, fileName: string): string | undefined => {
    if (given[name] && given[fileName]) problems.push(`${name} and ${fileName} are exclusive: configure one`);
    const path = given[fileName]?.trim();
    if (!path) return given[name]?.trim();
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      problems.push(`${fileName}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
      return undefined;
    }
  };
  const problemCount = problems.length;
  let macKeys: AuditMacKey[] = [DEVELOPMENT_MAC_KEY];
  const macText = text("AUDIT_HMAC_KEYS", "AUDIT_HMAC_KEYS_FILE");
  if (macText !== undefined) {
    try {
      macKeys = parseMacKeys(macText);
      if (macKeys.length === 0) problems.push("AUDIT_HMAC_KEYS lists no key");
    } catch (error) {
      problems.push(`AUDIT_HMAC_KEYS: ${(error as Error).message}`);
    }
  } else if (isProduction) {
    problems.push("production needs AUDIT_HMAC_KEYS or AUDIT_HMAC_KEYS_FILE (the audit trail's own keys)");
  }
  if (isProduction && macText !== undefined && macKeys.some(isDevelopmentMacKey)) {
    problems.push("AUDIT_HMAC_KEYS holds the published development key; production needs its own");
  }
  let signer: CheckpointSigner = DEVELOPMENT_SIGNER;
  const pem = text("AUDIT_SIGNING_KEY", "AUDIT_SIGNING_KEY_FILE");
  if (pem !== undefined) {
    try {
      signer = signerFromPem(pem.replace(/\\n/g, "\n"));
    } catch (error) {
      problems.push(`AUDIT_SIGNING_KEY: not an Ed25519 private key in PEM (${(error as Error).message})`);
    }
  } else if (isProduction) {
    problems.push("production needs AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE (Ed25519, signs checkpoints)");
  }
  if (isProduction && pem !== undefined && isDevelopmentSigner(signer)) {
    problems.push("AUDIT_SIGNING_KEY is the published development key; production needs its own");
  }
  if (problems.length > problemCount) return null;
  try {
    const keyring = keyringOf(macKeys, given["AUDIT_HMAC_CURRENT_KEY_ID"]?.trim() ?? null);
    return {
      keyring,
      signer,
      usesDevelopmentKeys: macKeys.some(isDevelopmentMacKey) || isDevelopmentSigner(signer),
    };
  } catch (error) {
    problems.push(`AUDIT_HMAC_CURRENT_KEY_ID: ${(error as Error).message}`);
    return null;
  }
}

/** The pool's bounds as the configuration sets them (the database URL aside). */
export function poolOptionsOf(config: Config): {
  poolMax: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  connectTimeoutMs: number;
  replicas: Config["databaseReplicas"];
} {
  return {
    replicas: config.databaseReplicas,
    poolMax: config.databasePoolMax,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    // A lock wait ends within the request's own time limit, then fails as that limit does.
    lockTimeoutMs: config.limits.requestTimeoutMs,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
  };
}
