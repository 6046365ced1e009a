import { SignJWT, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { AuthConfig } from "./config.ts";
import type { Principal } from "../services/authorization/principal.ts";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
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

export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const verifyWithKey =
    config.kind === "secret"
      ? (token: string) =>
          jwtVerify(token, new TextEncoder().encode(config.secret), {
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
    let payload: JWTPayload;
    try {
      ({ payload } = await verifyWithKey(token));
    } catch (error) {
      throw new AuthenticationError(describeVerificationFailure(error));
    }
    return principalFromClaims(payload);
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
  if (typeof payload.sub !== "string" || payload.sub.length === 0 || payload.sub.length > 255) {
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
