// docs/design.md §3: Bearer JWTs, HS256 with AUTH_JWT_SECRET; claims sub, scope (space-separated), tenant_id.
// Invalid, expired, `alg: none` or wrongly signed tokens → UNAUTHENTICATED, with nothing of the token
// echoed back.
import { SignJWT, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  createTokenVerifier,
  signDevelopmentToken,
  type TokenVerifier,
} from "../../src/server/auth.ts";

const SECRET = "unit-test-hs256-secret-0123456789-abcdefghijklmnop";
const OTHER_SECRET = "a-different-secret-0123456789-abcdefghijklmnopqrs";
const TENANT_ID = "4C7B1A2E-9D3F-4E5A-8B6C-7D8E9F0A1B2C";
const key = (secret: string): Uint8Array => new TextEncoder().encode(secret);
const base64url = (value: object): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
const now = (): number => Math.floor(Date.now() / 1000);

const verify = createTokenVerifier({
  kind: "secret",
  secret: SECRET,
  isDevelopmentSecret: false,
  maxTokenAgeSeconds: 24 * 3600,
});

/** Signs arbitrary claims with HS256 (or another algorithm) and the test secret, valid for an hour. */
function sign(
  claims: JWTPayload,
  options: { alg?: string; secret?: string; expiresAt?: number } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? now() + 3600)
    .sign(key(options.secret ?? SECRET));
}

/**
 * Verifies that `token` is refused with an AuthenticationError whose message carries no token material
 * (neither the token, nor any of its segments, nor the claim values it holds). Returns the message.
 */
async function refusal(token: string, verifier: TokenVerifier = verify, claimValues: string[] = []): Promise<string> {
  let error: unknown = null;
  try {
    await verifier(token);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(AuthenticationError);
  const message = error instanceof Error ? error.message : "";
  expect(message).not.toBe("");
  if (token.length >= 16) expect(message).not.toContain(token.slice(0, 16));
  for (const segment of token.split(".").filter((part) => part.length >= 8)) {
    expect(message).not.toContain(segment);
    expect(message).not.toContain(segment.slice(-16));
  }
  for (const value of claimValues) expect(message).not.toContain(value);
  expect(message).not.toContain(SECRET);
  return message;
}

describe("createTokenVerifier with a secret: accepted tokens", () => {
  it("turns a valid development token into a principal", async () => {
    const token = await signDevelopmentToken(SECRET, {
      sub: "user-17",
      scope: "tenant:admin tenant:member",
      tenantId: TENANT_ID,
    });
    expect(await verify(token)).toEqual({
      sub: "user-17",
      scopes: ["tenant:admin", "tenant:member"],
      tenantId: TENANT_ID.toLowerCase(),
    });
  });

  it("splits scope on spaces and ignores repeated or surrounding spaces", async () => {
    const token = await sign({ sub: "ops", scope: "  platform:operator   support:read " });
    expect((await verify(token)).scopes).toEqual(["platform:operator", "support:read"]);
  });

  it("reads a missing scope as no scopes and a missing tenant_id as none", async () => {
    expect(await verify(await sign({ sub: "svc" }))).toEqual({ sub: "svc", scopes: [], tenantId: null });
  });

  it("checks nothing about issuer or audience when none is configured", async () => {
    const token = await sign({ sub: "u", scope: "support:read", iss: "https://anyone", aud: "anything" });
    expect((await verify(token)).sub).toBe("u");
  });
});

describe("createTokenVerifier with a secret: refused tokens", () => {
  it("refuses an expired token", async () => {
    const token = await sign({ sub: "u", scope: "platform:operator" }, { expiresAt: now() - 60 });
    expect(await refusal(token)).toMatch(/expired/i);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await signDevelopmentToken(OTHER_SECRET, { sub: "u", scope: "platform:operator" });
    expect(await refusal(token)).toMatch(/signature/i);
  });

  it("refuses a token whose payload was altered after signing", async () => {
    const [header, , signature] = (await signDevelopmentToken(SECRET, { sub: "u", scope: "tenant:member" })).split(".");
    const forged = `${header}.${base64url({ sub: "u", scope: "platform:operator", exp: now() + 3600 })}.${signature}`;
    await refusal(forged);
  });

  it('refuses an unsigned token (alg: "none")', async () => {
    const payload = base64url({ sub: "attacker", scope: "platform:operator", exp: now() + 3600 });
    for (const header of [{ alg: "none" }, { alg: "none", typ: "JWT" }, { alg: "None" }, { alg: "NONE" }]) {
      await refusal(`${base64url(header)}.${payload}.`, verify, ["attacker"]);
    }
  });

  it('refuses an "alg: none" header carrying a valid HS256 signature', async () => {
    const [, payload, signature] = (await signDevelopmentToken(SECRET, { sub: "u", scope: "platform:operator" })).split(
      ".",
    );
    await refusal(`${base64url({ alg: "none" })}.${payload}.${signature}`);
  });

  it("refuses HS512 when HS256 is expected, even with the right secret", async () => {
    const token = await sign({ sub: "u", scope: "platform:operator" }, { alg: "HS512" });
    expect(await refusal(token)).toMatch(/algorithm/i);
  });

  it("refuses HS384 when HS256 is expected", async () => {
    const token = await sign({ sub: "u", scope: "platform:operator" }, { alg: "HS384" });
    expect(await refusal(token)).toMatch(/algorithm/i);
  });

  it.each([
    ["no sub", {}],
    ["an empty sub", { sub: "" }],
    ["a numeric sub", { sub: 42 }],
    ["a sub longer than 255 characters", { sub: "s".repeat(256) }],
  ])("refuses a token with %s", async (_why, claims) => {
    const token = await sign({ scope: "platform:operator", ...claims } as JWTPayload);
    expect(await refusal(token)).toMatch(/sub/);
  });

  it.each([
    ["a slug", "acme"],
    ["a truncated UUID", "4c7b1a2e-9d3f-4e5a-8b6c-7d8e9f0a1b2"],
    ["a number", 7],
    ["null", null],
    ["a list", [TENANT_ID]],
  ])("refuses a tenant_id that is %s", async (_why, tenantId) => {
    const token = await sign({ sub: "u", scope: "tenant:admin", tenant_id: tenantId });
    const message = await refusal(token, verify, typeof tenantId === "string" ? [tenantId] : []);
    expect(message).toMatch(/tenant_id/);
  });

  it.each([
    ["a list", ["platform:operator"]],
    ["a number", 1],
    ["an object", { platform: "operator" }],
    ["null", null],
  ])("refuses a scope that is %s", async (_why, scope) => {
    const token = await sign({ sub: "u", scope });
    expect(await refusal(token)).toMatch(/scope/);
  });

  it.each([
    ["not a JWT", "not-a-jwt"],
    ["three garbage segments", "abc.def.ghi"],
    ["an empty string", ""],
    ["two segments", `${base64url({ alg: "HS256" })}.${base64url({ sub: "u" })}`],
  ])("refuses %s", async (_why, token) => {
    await refusal(token);
  });

  it("refuses a token larger than 8 KB before looking at it, even when validly signed", async () => {
    const large = await sign({ sub: "u", scope: "platform:operator", padding: "p".repeat(7000) });
    expect(large.length).toBeGreaterThan(8192);
    expect(await refusal(large)).toMatch(/large/i);
    expect(await refusal("x".repeat(20_000))).toMatch(/large/i);
  });

  it("still accepts a validly signed token just under 8 KB", async () => {
    const base = await sign({ sub: "u", scope: "platform:operator", padding: "" });
    // every 3 padding bytes add 4 base64url characters to the token
    const padding = "p".repeat(Math.floor(((8192 - base.length) * 3) / 4) - 3);
    const token = await sign({ sub: "u", scope: "platform:operator", padding });
    expect(token.length).toBeLessThanOrEqual(8192);
    expect(token.length).toBeGreaterThan(8100);
    expect((await verify(token)).sub).toBe("u");
  });
});

describe("token lifetimes (docs/design.md §3: tokens must carry exp and be short-lived)", () => {
  /** Signs claims exactly as given: no iat or exp unless the test sets them. */
  const signRaw = (claims: JWTPayload) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key(SECRET));
  const DAY = 24 * 3600;

  it("refuses a token without exp, which would be accepted forever", async () => {
    expect(await refusal(await signRaw({ sub: "u", scope: "platform:operator", iat: now() }))).toMatch(/"exp"/);
  });

  it("refuses a token living longer than the maximum age (24 h by default), counted from iat", async () => {
    const issued = now();
    expect(await refusal(await signRaw({ sub: "u", iat: issued, exp: issued + DAY + 1 }))).toMatch(/longer than/);
    await expect(verify(await signRaw({ sub: "u", iat: issued, exp: issued + DAY }))).resolves.toMatchObject({
      sub: "u",
    });
  });

  it("counts the lifetime from now when the token has no iat", async () => {
    expect(await refusal(await signRaw({ sub: "u", exp: now() + DAY + 120 }))).toMatch(/longer than/);
    await expect(verify(await signRaw({ sub: "u", exp: now() + 3600 }))).resolves.toMatchObject({ sub: "u" });
  });

  it("refuses an iat in the future beyond the clock skew, and accepts one within it", async () => {
    const yearAhead = now() + 365 * DAY;
    expect(await refusal(await signRaw({ sub: "u", iat: yearAhead, exp: yearAhead + 60 }))).toMatch(/"iat"/);
    const skewed = now() + 30;
    await expect(verify(await signRaw({ sub: "u", iat: skewed, exp: skewed + 3600 }))).resolves.toMatchObject({
      sub: "u",
    });
  });

  it("follows a configured maximum age", async () => {
    const short = createTokenVerifier({
      kind: "secret",
      secret: SECRET,
      isDevelopmentSecret: false,
      maxTokenAgeSeconds: 900,
    });
    const issued = now();
    expect(await refusal(await signRaw({ sub: "u", iat: issued, exp: issued + 901 }), short)).toMatch(/900 s/);
    await expect(short(await signRaw({ sub: "u", iat: issued, exp: issued + 900 }))).resolves.toMatchObject({
      sub: "u",
    });
  });
});

describe("subjects are stored as given, or refused", () => {
  it.each([
    ["a lone high surrogate", "user-\ud800"],
    ["a lone low surrogate", "\udc00-user"],
    ["NUL", "user\u0000"],
    ["a line break", "user\nforged"],
    ["nothing but spaces (no-break and ideographic ones too)", " \u00A0\u3000 "],
    ["a right-to-left override (Cf)", "user-\u202Elive"],
    ["a zero-width space (Cf)", "us\u200Ber"],
    ["a byte order mark (Cf)", "\uFEFFuser"],
    ["a line separator (Zl)", "user\u2028forged"],
    ["a paragraph separator (Zp)", "user\u2029forged"],
  ])("refuses a sub with %s", async (_why, sub) => {
    expect(await refusal(await sign({ sub, scope: "platform:operator" }))).toMatch(/"sub"/);
  });

  it("accepts astral, combining and right-to-left letters in a sub, and surrounding spaces as sent", async () => {
    const sub = " ùser-😀-e\u0301-שלום ";
    await expect(verify(await sign({ sub, scope: "platform:operator" }))).resolves.toMatchObject({ sub });
  });
});

describe("createTokenVerifier with issuer and audience configured", () => {
  const ISSUER = "https://idp.example.com/";
  const AUDIENCE = "tenant-lifecycle";
  const strict = createTokenVerifier({
    kind: "secret",
    secret: SECRET,
    issuer: ISSUER,
    audience: AUDIENCE,
    isDevelopmentSecret: false,
    maxTokenAgeSeconds: 24 * 3600,
  });

  it("accepts a token from the issuer for the audience", async () => {
    const token = await signDevelopmentToken(SECRET, {
      sub: "u",
      scope: "support:read",
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect(await strict(token)).toEqual({ sub: "u", scopes: ["support:read"], tenantId: null });
  });

  it.each([
    ["another issuer", { iss: "https://evil.example.com/", aud: AUDIENCE }, "iss"],
    ["no issuer", { aud: AUDIENCE }, "iss"],
    ["another audience", { iss: ISSUER, aud: "billing" }, "aud"],
    ["no audience", { iss: ISSUER }, "aud"],
  ])("refuses a token with %s", async (_why, claims, claim) => {
    const token = await sign({ sub: "u", scope: "support:read", ...claims });
    const message = await refusal(token, strict, ["evil.example.com", "billing"]);
    expect(message).toContain(claim);
  });
});

describe("createTokenVerifier with a JWKS", () => {
  it("never accepts an HMAC token, whatever its secret (refused before any key is fetched)", async () => {
    const jwks = createTokenVerifier({
      kind: "jwks",
      jwksUrl: "http://127.0.0.1:9/.well-known/jwks.json",
      issuer: "https://idp.example.com/",
      audience: "tenant-lifecycle",
      jwksCacheMaxAgeMs: 300_000,
      maxTokenAgeSeconds: 24 * 3600,
    });
    const token = await sign({
      sub: "u",
      scope: "platform:operator",
      iss: "https://idp.example.com/",
      aud: "tenant-lifecycle",
    });
    expect(await refusal(token, jwks)).toMatch(/algorithm/i);
    expect(await refusal(`${base64url({ alg: "none" })}.${base64url({ sub: "u" })}.`, jwks)).not.toBe("");
  });
});
