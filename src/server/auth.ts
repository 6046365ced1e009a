import { createSecretKey, type KeyObject } from "node:crypto";
import { SignJWT, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { AuthConfig } from "./config.ts";
import type { Principal } from "../services/authorization/principal.ts";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The subject is logged and recorded on audit events: no NUL or other control characters. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER_PATTERN = /[\u0000-\u001f\u007f]/;
/** Asymmetric algorithms a JWKS may use; `none` and HMAC are never accepted from a JWKS. */
const JWKS_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
/** Tokens far larger than any real one are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

/** Why a presented token was refused; the message is safe to return to the caller. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthenticationError";
  }
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/** Recently verified tokens: a router sends the same bearer token many times in a row. */
const VERIFIED_CACHE_SIZE = 10_000;
const VERIFIED_CACHE_TTL_MS = 60_000;

export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  // Imported once: importing the key per request was a tenth of a small read's CPU time.
  let secretKey: KeyObject | undefined;
  const verified = new Map<string, { principal: Principal; until: number }>();
  const verifyWithKey =
    config.kind === "secret"
      ? (token: string) =>
          jwtVerify(token, (secretKey ??= createSecretKey(Buffer.from(config.secret, "utf8"))), {
            algorithms: ["HS256"],
            issuer: config.issuer,
            audience: config.audience,
          })
      : (() => {
          const keySet = createRemoteJWKSet(new URL(config.jwksUrl));
          return (token: string) =>
            jwtVerify(token, keySet, { algorithms: JWKS_ALGORITHMS, issuer: config.issuer, audience: config.audience });
        })();

  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthenticationError("Token is too large");
    const now = Date.now();
    const cached = verified.get(token);
    if (cached && cached.until > now) return cached.principal;
    let payload: JWTPayload;
    try {
      ({ payload } = await verifyWithKey(token));
    } catch (error) {
      throw new AuthenticationError(describeVerificationFailure(error));
    }
    const principal = principalFromClaims(payload);
    // Never past the token's own expiry; oldest entries go first when the cache is full.
    const until = Math.min(now + VERIFIED_CACHE_TTL_MS, typeof payload.exp === "number" ? payload.exp * 1000 : now);
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, { principal, until });
    return principal;
  };
}

function describeVerificationFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "Token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `Token claim "${error.claim}" is not accepted`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "Token algorithm is not accepted";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "Token signature is invalid";
  return "Token is invalid";
}

function principalFromClaims(payload: JWTPayload): Principal {
  if (
    typeof payload.sub !== "string" ||
    payload.sub.length === 0 ||
    payload.sub.length > 255 ||
    CONTROL_CHARACTER_PATTERN.test(payload.sub)
  ) {
    throw new AuthenticationError('Token has no valid "sub" claim');
  }
  const scope: unknown = payload["scope"];
  if (scope !== undefined && typeof scope !== "string") {
    throw new AuthenticationError('Token claim "scope" must be a space-separated string');
  }
  const tenantId: unknown = payload["tenant_id"];
  if (tenantId !== undefined && (typeof tenantId !== "string" || !UUID_PATTERN.test(tenantId))) {
    throw new AuthenticationError('Token claim "tenant_id" must be a UUID');
  }
  return {
    sub: payload.sub,
    scopes: (scope ?? "").split(" ").filter((entry) => entry.length > 0),
    tenantId: typeof tenantId === "string" ? tenantId.toLowerCase() : null,
  };
}

/** Signs an HS256 token the way this service verifies them: for the `token` script and tests. */
export async function signDevelopmentToken(
  secret: string,
  claims: { sub: string; scope: string; tenantId?: string; issuer?: string; audience?: string; expiresIn?: string },
): Promise<string> {
  const jwt = new SignJWT({ scope: claims.scope, ...(claims.tenantId ? { tenant_id: claims.tenantId } : {}) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? "12h");
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
