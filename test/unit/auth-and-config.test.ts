import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { AuthenticationError, createTokenVerifier, signDevelopmentToken } from "../../src/server/auth.ts";
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from "../../src/server/config.ts";

const SECRET = "unit-test-secret-that-is-long-enough-0123456789";
const TENANT = "AAAAAAAA-1111-4111-8111-111111111111";
const verify = createTokenVerifier({ kind: "secret", secret: SECRET, isDevelopmentSecret: false });
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function refusal(token: string): Promise<string> {
  try {
    await verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    const message = (error as Error).message;
    expect(message).not.toContain(token.slice(0, 20));
    return message;
  }
  throw new Error("token was accepted");
}

describe("token verification", () => {
  it("turns a valid token into a principal", async () => {
    const token = await signDevelopmentToken(SECRET, {
      sub: "u-1",
      scope: "tenant:admin  tenant:member",
      tenantId: TENANT,
    });
    expect(await verify(token)).toEqual({
      sub: "u-1",
      scopes: ["tenant:admin", "tenant:member"],
      tenantId: TENANT.toLowerCase(),
    });
  });

  it("refuses expired, forged, alg:none, wrong-algorithm and malformed tokens", async () => {
    expect(await refusal(await signDevelopmentToken(SECRET, { sub: "u", scope: "", expiresIn: "-1m" }))).toBe(
      "Token has expired",
    );
    expect(
      await refusal(await signDevelopmentToken("another-secret-that-is-long-enough-0123456", { sub: "u", scope: "" })),
    ).toBe("Token signature is invalid");
    const none = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ sub: "u", scope: "platform:operator" })}.`;
    expect(await refusal(none)).toMatch(/invalid|not accepted/);
    const hs512 = await new SignJWT({ scope: "platform:operator" })
      .setProtectedHeader({ alg: "HS512" })
      .setSubject("u")
      .sign(new TextEncoder().encode(SECRET));
    expect(await refusal(hs512)).toBe("Token algorithm is not accepted");
    expect(await refusal("not.a.jwt")).toBe("Token is invalid");
    expect(await refusal("x".repeat(9000))).toBe("Token is too large");
  });

  it("refuses tokens with a missing sub, a non-UUID tenant_id or a non-string scope", async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256" })
        .setExpirationTime("1h")
        .sign(new TextEncoder().encode(SECRET));
    expect(await refusal(await sign({ scope: "platform:operator" }))).toMatch(/sub/);
    expect(await refusal(await sign({ sub: "u", tenant_id: "acme" }))).toMatch(/tenant_id/);
    expect(await refusal(await sign({ sub: "u", scope: ["platform:operator"] }))).toMatch(/scope/);
  });

  it("checks issuer and audience when configured", async () => {
    const strict = createTokenVerifier({
      kind: "secret",
      secret: SECRET,
      issuer: "https://idp",
      audience: "tenants",
      isDevelopmentSecret: false,
    });
    const good = await signDevelopmentToken(SECRET, {
      sub: "u",
      scope: "",
      issuer: "https://idp",
      audience: "tenants",
    });
    await expect(strict(good)).resolves.toMatchObject({ sub: "u" });
    const wrongAudience = await signDevelopmentToken(SECRET, {
      sub: "u",
      scope: "",
      issuer: "https://idp",
      audience: "billing",
    });
    await expect(strict(wrongAudience)).rejects.toThrow('Token claim "aud" is not accepted');
  });
});

describe("configuration", () => {
  it("defaults to port 4001 on 127.0.0.1 with the development secret outside production", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4001, host: "127.0.0.1", nodeEnv: "development", isProduction: false });
    expect(config.auth).toMatchObject({ kind: "secret", isDevelopmentSecret: true });
  });

  it("reports every invalid variable at once", () => {
    try {
      loadConfig({ PORT: "eighty", LOG_LEVEL: "loud", DATABASE_URL: "mysql://x" });
      throw new Error("accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain("PORT");
      expect(message).toContain("LOG_LEVEL");
      expect(message).toContain("DATABASE_URL");
    }
  });

  it.each([
    [{ NODE_ENV: "production", DATABASE_URL: "postgresql://db/x" }, /AUTH_JWKS_URL .* or AUTH_JWT_SECRET/],
    [
      { NODE_ENV: "production", DATABASE_URL: "postgresql://db/x", AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET },
      /development secret/,
    ],
    [{ NODE_ENV: "production", AUTH_JWT_SECRET: SECRET }, /DATABASE_URL/],
    [
      { NODE_ENV: "production", DATABASE_URL: "postgresql://db/x", AUTH_JWKS_URL: "https://idp/jwks" },
      /ISSUER and AUTH_JWT_AUDIENCE/,
    ],
    [{ AUTH_JWT_SECRET: "short" }, /at least 32/],
    [{ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: "https://idp/jwks" }, /exclusive/],
  ])("refuses unsafe configuration %j", (environment, problem) => {
    expect(() => loadConfig(environment)).toThrow(problem);
  });
});
