import { createSecretKey, type KeyObject } from "node:crypto";
import {
  SignJWT,
  createRemoteJWKSet,
  errors as joseErrors,
  jwksCache,
  jwtVerify,
  type ExportedJWKSCache,
  type JWTPayload,
} from "jose";
import type { Principal } from "../domain/principal.ts";
import { hasControlCharacters, hasFormatOrSeparatorCharacters, isStorableText, isUuid } from "../services/text.ts";
import type { AuthConfig } from "./config.ts";

/** Asymmetric algorithms a JWKS may use; `none` and HMAC are never accepted from a JWKS. */
const JWKS_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
/** Tokens far larger than any real one are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;
/** How far the issuer's clock may run ahead of ours (iat) or behind (exp). */
export const CLOCK_SKEW_SECONDS = 60;

/** Why a presented token was refused; the message is safe to return to the caller. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthenticationError";
  }
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/**
 * Recently verified tokens: a router sends the same bearer token many times in a row, and a
 * signature verification is the largest single cost of a small read (bench scenario (a)).
 */
const VERIFIED_CACHE_SIZE = 10_000;
const VERIFIED_CACHE_TTL_MS = 60_000;

interface VerifiedToken {
  principal: Principal;
  until: number;
  /** With a JWKS: the fetch of the key set it was verified against (its time). */
  keySetFetchedAt?: number;
}

interface KeyResolution {
  verify(token: string): Promise<JWTPayload>;
  /** Whether a cached verification is still backed by the key set as it is now. */
  stillBacked(entry: VerifiedToken, now: number): boolean;
  /** The latest instant a verification made now may be reused (the key set's own freshness). */
  reusableUntil(now: number): { until: number; keySetFetchedAt?: number };
}

function secretKeys(config: Extract<AuthConfig, { kind: "secret" }>): KeyResolution {
  const secretKey: KeyObject = createSecretKey(Buffer.from(config.secret, "utf8"));
  return {
    verify: async (token) =>
      (
        await jwtVerify(token, secretKey, {
          algorithms: ["HS256"],
          issuer: config.issuer,
          audience: config.audience,
          requiredClaims: ["exp"],
          clockTolerance: CLOCK_SKEW_SECONDS,
        })
      ).payload,
    stillBacked: () => true,
    reusableUntil: (now) => ({ until: now + VERIFIED_CACHE_TTL_MS }),
  };
}

/**
 * Keys from a JWKS, cached for `jwksCacheMaxAgeMs`. A verification is reused only while the key
 * set it was made against is the current one and still fresh: a key removed from the JWKS stops
 * verifying within the cache's lifetime, cached verifications included.
 */
function remoteKeys(config: Extract<AuthConfig, { kind: "jwks" }>): KeyResolution {
  const cacheMaxAge = config.jwksCacheMaxAgeMs;
  const fetched: ExportedJWKSCache | Record<string, never> = {};
  const keySet = createRemoteJWKSet(new URL(config.jwksUrl), {
    cacheMaxAge,
    // An unknown kid (a key just added) refetches at most this often.
    cooldownDuration: Math.min(30_000, cacheMaxAge),
    [jwksCache]: fetched,
  });
  const fetchedAt = () => ("uat" in fetched ? (fetched.uat as number) : undefined);
  return {
    verify: async (token) =>
      (
        await jwtVerify(token, keySet, {
          algorithms: JWKS_ALGORITHMS,
          issuer: config.issuer,
          audience: config.audience,
          requiredClaims: ["exp"],
          clockTolerance: CLOCK_SKEW_SECONDS,
        })
      ).payload,
    stillBacked: (entry, now) => {
      const current = fetchedAt();
      return current !== undefined && entry.keySetFetchedAt === current && now < current + cacheMaxAge;
    },
    reusableUntil: (now) => {
      const current = fetchedAt();
      return {
        until: Math.min(now + VERIFIED_CACHE_TTL_MS, (current ?? now) + cacheMaxAge),
        keySetFetchedAt: current,
      };
    },
  };
}

export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const keys = config.kind === "secret" ? secretKeys(config) : remoteKeys(config);
  const verified = new Map<string, VerifiedToken>();

  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthenticationError("Token is too large");
    const now = Date.now();
    const cached = verified.get(token);
    if (cached && cached.until > now && keys.stillBacked(cached, now)) return cached.principal;
    let payload: JWTPayload;
    try {
      payload = await keys.verify(token);
    } catch (error) {
      throw new AuthenticationError(describeVerificationFailure(error));
    }
    checkLifetime(payload, now, config.maxTokenAgeSeconds);
    const principal = principalFromClaims(payload);
    // Never past the token's own expiry; oldest entries go first when the cache is full.
    const reuse = keys.reusableUntil(now);
    const until = Math.min(reuse.until, (payload.exp as number) * 1000);
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, { principal, until, keySetFetchedAt: reuse.keySetFetchedAt });
    return principal;
  };
}

/**
 * Tokens must be short-lived: issued no later than now (give or take the skew), and living no
 * longer than the configured maximum, counted from `iat` (or from now, without one).
 */
function checkLifetime(payload: JWTPayload, now: number, maxTokenAgeSeconds: number): void {
  const nowSeconds = now / 1000;
  const exp = payload.exp as number;
  if (typeof payload.iat === "number" && payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    throw new AuthenticationError('Token claim "iat" is in the future');
  }
  const issuedAt = typeof payload.iat === "number" ? payload.iat : nowSeconds;
  if (exp - issuedAt > maxTokenAgeSeconds) {
    throw new AuthenticationError(`Token lives longer than the ${maxTokenAgeSeconds} s this service accepts`);
  }
}

function describeVerificationFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "Token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.claim === "exp" && error.reason === "missing"
      ? 'Token has no "exp" claim'
      : `Token claim "${error.claim}" is not accepted`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "Token algorithm is not accepted";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "Token signature is invalid";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "Token is signed with a key this service does not know";
  return "Token is invalid";
}

function principalFromClaims(payload: JWTPayload): Principal {
  const sub = payload.sub;
  if (
    typeof sub !== "string" ||
    sub.trim() === "" ||
    sub.length > 255 ||
    // The subject is recorded in every audit event and hashed into the chain: it must be stored as is.
    !isStorableText(sub) ||
    hasControlCharacters(sub, { allowLineBreaks: false }) ||
    // It is also how logs and audit trails name the caller: it must read as what it is.
    hasFormatOrSeparatorCharacters(sub)
  ) {
    throw new AuthenticationError('Token has no valid "sub" claim');
  }
  const scope: unknown = payload["scope"];
  if (scope !== undefined && typeof scope !== "string") {
    throw new AuthenticationError('Token claim "scope" must be a space-separated string');
  }
  const tenantId: unknown = payload["tenant_id"];
  if (tenantId !== undefined && (typeof tenantId !== "string" || !isUuid(tenantId))) {
    throw new AuthenticationError('Token claim "tenant_id" must be a UUID');
  }
  return {
    sub,
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
