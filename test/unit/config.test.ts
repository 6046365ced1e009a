// docs/design.md §6 "Config by environment only": PORT (4001), DATABASE_URL, AUTH_JWT_SECRET / AUTH_JWKS_URL …,
// LOG_LEVEL, NODE_ENV. In production a missing auth configuration is a start-up error.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEVELOPMENT_MAC_KEY, DEVELOPMENT_SIGNER } from "../../src/services/audit/audit-keys.ts";
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig, type Config } from "../../src/server/config.ts";

const SECRET = "a-production-secret-of-at-least-32-chars!";
const DATABASE_URL = "postgresql://app:pw@db.internal:5432/tenants";
/** The audit trail's own keys, which production needs besides its auth (design §4 "Audit evidence"). */
const AUDIT_KEYS = {
  AUDIT_HMAC_KEYS: `k1:${randomBytes(32).toString("base64")}`,
  AUDIT_SIGNING_KEY: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
};
const PRODUCTION = { NODE_ENV: "production", DATABASE_URL, AUTH_JWT_SECRET: SECRET, ...AUDIT_KEYS };

/** The problems a refused environment reports; fails the test if the environment is accepted. */
function problemsOf(environment: NodeJS.ProcessEnv): string[] {
  let config: Config | undefined;
  try {
    config = loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    for (const problem of problems) expect(message).toContain(problem);
    return problems;
  }
  throw new Error(`configuration was accepted: ${JSON.stringify(config)}`);
}

const mentioning = (problems: string[], word: string): string[] => problems.filter((problem) => problem.includes(word));

describe("loadConfig defaults", () => {
  it("serves on 127.0.0.1:4001 in development, with the embedded database and the development secret", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: "development",
      isProduction: false,
      port: 4001,
      host: "127.0.0.1",
      logLevel: "info",
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.auth).toEqual({
      kind: "secret",
      secret: DEVELOPMENT_JWT_SECRET,
      issuer: undefined,
      audience: undefined,
      isDevelopmentSecret: true,
      maxTokenAgeSeconds: 24 * 3600,
    });
  });

  it("does not read process.env when given an environment", () => {
    expect(loadConfig({ PORT: "5123" }).port).toBe(5123);
  });

  it("takes PORT, HOST, LOG_LEVEL, DATABASE_URL and a secret from the environment", () => {
    const config = loadConfig({
      PORT: "8080",
      HOST: "0.0.0.0",
      LOG_LEVEL: "debug",
      DATABASE_URL,
      AUTH_JWT_SECRET: SECRET,
    });
    expect(config).toMatchObject({ port: 8080, host: "0.0.0.0", logLevel: "debug", databaseUrl: DATABASE_URL });
    expect(config.auth).toMatchObject({ kind: "secret", secret: SECRET, isDevelopmentSecret: false });
  });

  it("accepts PORT=0 (a free port, as the e2e tests ask for)", () => {
    expect(loadConfig({ PORT: "0" }).port).toBe(0);
  });

  it("never turns an empty PORT into port 0 (a random port): default or a clear error", () => {
    for (const port of ["", " "]) {
      let config: Config | undefined;
      try {
        config = loadConfig({ PORT: port });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toContain("PORT");
        continue;
      }
      expect([JSON.stringify(port), config.port]).toEqual([JSON.stringify(port), 4001]);
    }
  });

  it("never turns an empty HOST into every interface: default or a clear error", () => {
    // Node's server.listen(port, "") binds the unspecified address (all interfaces).
    let config: Config | undefined;
    try {
      config = loadConfig({ HOST: "" });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain("HOST");
      return;
    }
    expect(config.host).toBe("127.0.0.1");
  });

  it("treats blank optional variables as unset", () => {
    const config = loadConfig({ DATABASE_URL: "", AUTH_JWT_SECRET: "  ", AUTH_JWKS_URL: "" });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.auth).toMatchObject({ kind: "secret", isDevelopmentSecret: true });
  });
});

describe("loadConfig refuses invalid values clearly", () => {
  it.each(["eighty", "70000", "65536", "-1", "1.5"])("PORT=%s", (port) => {
    const problems = problemsOf({ PORT: port });
    expect(mentioning(problems, "PORT")).toHaveLength(1);
  });

  it.each(["verbose", "INFO", "loud"])("LOG_LEVEL=%s", (level) => {
    expect(mentioning(problemsOf({ LOG_LEVEL: level }), "LOG_LEVEL")).toHaveLength(1);
  });

  it.each(["not a url", "mysql://db/tenants", "http://db/tenants"])("DATABASE_URL=%s", (url) => {
    expect(mentioning(problemsOf({ DATABASE_URL: url }), "DATABASE_URL")).toHaveLength(1);
  });

  it("accepts both postgres:// and postgresql:// database URLs", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://u:p@h:5432/d" }).databaseUrl).toBe("postgres://u:p@h:5432/d");
    expect(loadConfig({ DATABASE_URL }).databaseUrl).toBe(DATABASE_URL);
  });

  it("reports an invalid PORT, LOG_LEVEL and DATABASE_URL all at once", () => {
    const problems = problemsOf({ PORT: "eighty", LOG_LEVEL: "loud", DATABASE_URL: "mysql://db/tenants" });
    for (const variable of ["PORT", "LOG_LEVEL", "DATABASE_URL"]) {
      expect([variable, mentioning(problems, variable).length]).toEqual([variable, 1]);
    }
  });

  it("never echoes the secret in a problem", () => {
    const problems = problemsOf({ AUTH_JWT_SECRET: "short-secret-xyz" });
    expect(problems.join("\n")).not.toContain("short-secret-xyz");
  });
});

describe("loadConfig in production", () => {
  it("accepts a complete production configuration", () => {
    const config = loadConfig(PRODUCTION);
    expect(config).toMatchObject({ isProduction: true, nodeEnv: "production", databaseUrl: DATABASE_URL });
    expect(config.auth).toMatchObject({ kind: "secret", secret: SECRET, isDevelopmentSecret: false });
  });

  it("refuses to start without any auth configuration", () => {
    const problems = problemsOf({ NODE_ENV: "production", DATABASE_URL, ...AUDIT_KEYS });
    expect(mentioning(problems, "AUTH_")).toHaveLength(1);
  });

  it("refuses the published development secret", () => {
    const problems = problemsOf({ ...PRODUCTION, AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/development secret/);
    expect(problems[0]).not.toContain(DEVELOPMENT_JWT_SECRET);
  });

  it.each([
    ["a trailing newline (a secret file)", `${DEVELOPMENT_JWT_SECRET}\n`],
    ["a trailing space", `${DEVELOPMENT_JWT_SECRET} `],
    ["leading tabs and spaces", `\t  ${DEVELOPMENT_JWT_SECRET}`],
    ["CRLF", `${DEVELOPMENT_JWT_SECRET}\r\n`],
  ])("refuses the development secret padded with %s", (_padding, padded) => {
    const problems = problemsOf({ ...PRODUCTION, AUTH_JWT_SECRET: padded });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/development secret/);
  });

  it("refuses a JWKS fetched over http", () => {
    const problems = problemsOf({
      NODE_ENV: "production",
      DATABASE_URL,
      ...AUDIT_KEYS,
      AUTH_JWKS_URL: "http://idp.example.com/.well-known/jwks.json",
      AUTH_JWT_ISSUER: "https://idp.example.com/",
      AUTH_JWT_AUDIENCE: "tenant-lifecycle",
    });
    expect(problems).toEqual([expect.stringMatching(/AUTH_JWKS_URL in production must be an https URL/)]);
  });

  it("refuses to start without DATABASE_URL (the embedded PostgreSQL is for development)", () => {
    const problems = problemsOf({ NODE_ENV: "production", AUTH_JWT_SECRET: SECRET, ...AUDIT_KEYS });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("DATABASE_URL");
  });

  it.each([
    ["neither issuer nor audience", {}],
    ["no audience", { AUTH_JWT_ISSUER: "https://idp.example.com/" }],
    ["no issuer", { AUTH_JWT_AUDIENCE: "tenant-lifecycle" }],
  ])("refuses a JWKS with %s", (_why, extra) => {
    const problems = problemsOf({
      NODE_ENV: "production",
      DATABASE_URL,
      ...AUDIT_KEYS,
      AUTH_JWKS_URL: "https://idp.example.com/.well-known/jwks.json",
      ...extra,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/AUTH_JWT_ISSUER/);
    expect(problems[0]).toMatch(/AUTH_JWT_AUDIENCE/);
  });

  it("accepts a JWKS with issuer and audience", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL,
      ...AUDIT_KEYS,
      AUTH_JWKS_URL: "https://idp.example.com/.well-known/jwks.json",
      AUTH_JWT_ISSUER: "https://idp.example.com/",
      AUTH_JWT_AUDIENCE: "tenant-lifecycle",
    });
    expect(config.auth).toEqual({
      kind: "jwks",
      jwksUrl: "https://idp.example.com/.well-known/jwks.json",
      issuer: "https://idp.example.com/",
      audience: "tenant-lifecycle",
      jwksCacheMaxAgeMs: 5 * 60 * 1000,
      maxTokenAgeSeconds: 24 * 3600,
    });
  });

  it("reports every production problem at once", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(mentioning(problems, "AUTH_")).toHaveLength(1);
    expect(mentioning(problems, "DATABASE_URL")).toHaveLength(1);
  });

  it("reports invalid values and missing production settings together, not one start-up at a time", () => {
    const problems = problemsOf({ NODE_ENV: "production", PORT: "eighty" });
    expect(mentioning(problems, "PORT")).toHaveLength(1);
    expect(mentioning(problems, "DATABASE_URL")).toHaveLength(1);
    expect(mentioning(problems, "AUTH_")).toHaveLength(1);
  });
});

describe("the audit trail's keys", () => {
  it("are required in production: without them the service refuses to start", () => {
    const problems = problemsOf({ NODE_ENV: "production", DATABASE_URL, AUTH_JWT_SECRET: SECRET });
    expect(mentioning(problems, "AUDIT_HMAC_KEYS")).toHaveLength(1);
    expect(mentioning(problems, "AUDIT_SIGNING_KEY")).toHaveLength(1);
  });

  it("refuse the published development keys in production", () => {
    const problems = problemsOf({
      ...PRODUCTION,
      AUDIT_HMAC_KEYS: `mine:${DEVELOPMENT_MAC_KEY.secret.toString("base64")}`,
      AUDIT_SIGNING_KEY: DEVELOPMENT_SIGNER.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    });
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).toMatch(/development key/);
  });

  it("fall back to the development keys outside production", () => {
    const config = loadConfig({});
    expect(config.audit.keyring.current.id).toBe(DEVELOPMENT_MAC_KEY.id);
    expect(config.audit.signer.publicKeyId).toBe(DEVELOPMENT_SIGNER.publicKeyId);
    expect(config.audit.usesDevelopmentKeys).toBe(true);
  });

  it("are read from files, several HMAC keys with one current (the last listed unless named)", () => {
    const directory = mkdtempSync(join(tmpdir(), "audit-keys-"));
    const [old, current] = [randomBytes(32).toString("base64"), randomBytes(48).toString("base64")];
    writeFileSync(join(directory, "hmac"), `# rotated 2026-12\nold:${old}\nnew:${current}\n`);
    writeFileSync(join(directory, "signing.pem"), AUDIT_KEYS.AUDIT_SIGNING_KEY);
    const files = {
      ...PRODUCTION,
      AUDIT_HMAC_KEYS: undefined,
      AUDIT_SIGNING_KEY: undefined,
      AUDIT_HMAC_KEYS_FILE: join(directory, "hmac"),
      AUDIT_SIGNING_KEY_FILE: join(directory, "signing.pem"),
    };
    const config = loadConfig(files);
    expect(config.audit.keyring.current.id).toBe("new");
    expect([...config.audit.keyring.byId.keys()]).toEqual(["old", "new"]);
    expect(config.audit.usesDevelopmentKeys).toBe(false);
    expect(loadConfig({ ...files, AUDIT_HMAC_CURRENT_KEY_ID: "old" }).audit.keyring.current.id).toBe("old");
  });

  it("report a malformed key, an unknown current key or an unreadable file clearly, without the secret", () => {
    expect(problemsOf({ AUDIT_HMAC_KEYS: "k1:c2hvcnQ=" }).join("\n")).toMatch(/k1.*at least 32 bytes/);
    expect(problemsOf({ AUDIT_HMAC_KEYS: "no-separator" }).join("\n")).toMatch(/id:base64-secret/);
    expect(problemsOf({ ...AUDIT_KEYS, AUDIT_HMAC_CURRENT_KEY_ID: "k9" }).join("\n")).toMatch(/"k9" is not listed/);
    expect(problemsOf({ AUDIT_HMAC_KEYS_FILE: "/nonexistent/keys" }).join("\n")).toMatch(/cannot read/);
    expect(problemsOf({ AUDIT_SIGNING_KEY: "not a key" }).join("\n")).toMatch(/not an Ed25519 private key/);
  });
});

describe("the token secret", () => {
  it("is refused when shorter than 32 characters, in any mode", () => {
    for (const mode of ["development", "test", "production"]) {
      const problems = problemsOf({ NODE_ENV: mode, DATABASE_URL, AUTH_JWT_SECRET: "x".repeat(31) });
      expect([mode, mentioning(problems, "AUTH_JWT_SECRET").length]).toEqual([mode, 1]);
      expect(problems.join("\n")).toMatch(/32/);
    }
  });

  it("is accepted at 32 characters", () => {
    expect(loadConfig({ AUTH_JWT_SECRET: "x".repeat(32) }).auth).toMatchObject({ secret: "x".repeat(32) });
  });

  it("is measured after trimming: 31 bytes and padding are refused", () => {
    for (const padded of [`${"x".repeat(31)} `, `${"x".repeat(31)}\n`, `   ${"x".repeat(31)}`]) {
      expect(mentioning(problemsOf({ AUTH_JWT_SECRET: padded }), "AUTH_JWT_SECRET")).toHaveLength(1);
    }
  });

  it("is measured in bytes, not characters", () => {
    expect(mentioning(problemsOf({ AUTH_JWT_SECRET: "é".repeat(15) }), "AUTH_JWT_SECRET")).toHaveLength(1);
    expect(loadConfig({ AUTH_JWT_SECRET: "é".repeat(16) }).auth).toMatchObject({ secret: "é".repeat(16) });
  });

  it("is used trimmed, as the guard judged it", () => {
    expect(loadConfig({ AUTH_JWT_SECRET: `  ${SECRET}\n` }).auth).toMatchObject({ secret: SECRET });
  });
});

describe("token rules", () => {
  it.each([
    ["900", 900],
    ["900s", 900],
    ["15m", 900],
    ["24h", 86_400],
    ["7d", 604_800],
  ])("reads AUTH_MAX_TOKEN_AGE=%s as %i seconds", (value, seconds) => {
    expect(loadConfig({ AUTH_MAX_TOKEN_AGE: value }).auth.maxTokenAgeSeconds).toBe(seconds);
  });

  it.each(["0", "-5m", "forever", "1y"])("refuses AUTH_MAX_TOKEN_AGE=%s", (value) => {
    expect(mentioning(problemsOf({ AUTH_MAX_TOKEN_AGE: value }), "AUTH_MAX_TOKEN_AGE")).toHaveLength(1);
  });

  it("caches a JWKS for 5 minutes unless told otherwise", () => {
    const jwks = { AUTH_JWKS_URL: "https://idp.example.com/jwks" };
    expect(loadConfig(jwks).auth).toMatchObject({ jwksCacheMaxAgeMs: 300_000 });
    expect(loadConfig({ ...jwks, AUTH_JWKS_CACHE_MAX_AGE: "30s" }).auth).toMatchObject({ jwksCacheMaxAgeMs: 30_000 });
  });

  it("cannot be combined with a JWKS", () => {
    const problems = problemsOf({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: "https://idp.example.com/jwks" });
    expect(problems.join("\n")).toMatch(/exclusive/);
  });
});
