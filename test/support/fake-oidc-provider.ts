// A minimal OpenID Connect provider on 127.0.0.1 for the console's single sign-on test: discovery,
// an authorization endpoint that signs the configured user in at once, a token endpoint that
// checks the PKCE verifier (S256) and the redirect URI, and the JWKS the service verifies the
// access tokens with. Tokens are RS256 JWTs made with jose.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";

export interface FakeOidcProvider {
  issuer: string;
  jwksUrl: string;
  /** What the provider was asked, for the test to check (authorization requests' parameters). */
  authorizations: URLSearchParams[];
  /** Token requests refused, with why. */
  refusals: string[];
  close(): Promise<void>;
}

export async function startFakeOidcProvider(options: {
  clientId: string;
  audience: string;
  /** The access token's claims beyond iss/aud/exp (sub, scope, tenant_id). */
  claims: Record<string, unknown>;
}): Promise<FakeOidcProvider> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "fake-1", alg: "RS256", use: "sig" };
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const authorizations: URLSearchParams[] = [];
  const refusals: string[] = [];
  let issuer = "";

  const sign = (claims: Record<string, unknown>, audience: string) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "fake-1" })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("15m")
      .sign(privateKey);

  const json = (response: ServerResponse, status: number, body: unknown) => {
    // The console calls discovery and the token endpoint from its own origin.
    response.writeHead(status, {
      "content-type": "application/json",
      "access-control-allow-origin": "*",
      "cache-control": "no-store",
    });
    response.end(JSON.stringify(body));
  };

  async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", issuer);
    if (request.method === "OPTIONS") {
      response.writeHead(204, {
        "access-control-allow-origin": "*",
        "access-control-allow-headers": "content-type, authorization",
        "access-control-allow-methods": "GET, POST",
      });
      response.end();
      return;
    }
    if (url.pathname === "/.well-known/openid-configuration") {
      json(response, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
      return;
    }
    if (url.pathname === "/jwks") {
      json(response, 200, { keys: [jwk] });
      return;
    }
    if (url.pathname === "/authorize") {
      const params = url.searchParams;
      authorizations.push(params);
      const code = randomBytes(16).toString("hex");
      codes.set(code, {
        challenge: params.get("code_challenge") ?? "",
        redirectUri: params.get("redirect_uri") ?? "",
      });
      const back = new URL(params.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("state", params.get("state") ?? "");
      response.writeHead(302, { location: back.toString() });
      response.end();
      return;
    }
    if (url.pathname === "/token" && request.method === "POST") {
      void readForm(request).then(async (form) => {
        const grant = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        const refusal = !grant
          ? "unknown or used code"
          : form.get("client_id") !== options.clientId
            ? "wrong client"
            : form.get("redirect_uri") !== grant.redirectUri
              ? "redirect_uri differs"
              : challenge !== grant.challenge
                ? "PKCE verifier does not match"
                : null;
        if (refusal) {
          refusals.push(refusal);
          json(response, 400, { error: "invalid_grant", error_description: refusal });
          return;
        }
        json(response, 200, {
          token_type: "Bearer",
          expires_in: 900,
          scope: "openid",
          access_token: await sign(options.claims, options.audience),
          id_token: await sign({ sub: options.claims["sub"] }, options.clientId),
        });
      });
      return;
    }
    json(response, 404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  issuer = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    authorizations,
    refusals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
