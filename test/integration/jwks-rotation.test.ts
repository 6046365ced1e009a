// docs/design.md §3: with a JWKS, keys rotate without a restart — a new key verifies once it is
// published, and a removed key stops verifying within the JWKS cache lifetime, verifications the
// service had cached included. A JWKS server on loopback serves key 1, then keys 1 and 2, then
// key 2 only; the service caches the JWKS for 1 s here.
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const CACHE_MAX_AGE_MS = 1_000;

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

let jwksServer: Server;
let served: JWK[] = [];
let fetches = 0;
let service: TestServer;
let key1: SigningKey;
let key2: SigningKey;

async function signingKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

function tokenSignedWith(key: SigningKey): Promise<string> {
  return new SignJWT({ scope: "platform:operator" })
    .setProtectedHeader({ alg: "ES256", kid: key.kid })
    .setSubject(`rotation-${key.kid}`)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(key.privateKey);
}

beforeAll(async () => {
  key1 = await signingKey("key-1");
  key2 = await signingKey("key-2");
  jwksServer = createServer((_request, response) => {
    fetches += 1;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  const address = jwksServer.address();
  const port = typeof address === "object" && address ? address.port : 0;
  served = [key1.jwk];
  service = await startTestServer({
    env: {
      AUTH_JWT_SECRET: "",
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      AUTH_JWKS_CACHE_MAX_AGE: "1s",
    },
  });
});
afterAll(async () => {
  await service?.close();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

/** What the service makes of a token: "ok" or the error code it answers with. */
async function outcomeOf(token: string): Promise<string> {
  const { body } = await service.request(`{ lifecycleTransitions { transition } }`, {}, { token });
  return body.errors?.[0]?.extensions?.["code"] === undefined ? "ok" : String(body.errors[0].extensions["code"]);
}

async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe("JWKS rotation, without a restart", () => {
  it("serves key 1 only: key 1 verifies, key 2 does not", async () => {
    expect(await outcomeOf(await tokenSignedWith(key1))).toBe("ok");
    expect(await outcomeOf(await tokenSignedWith(key2))).toBe("UNAUTHENTICATED");
  });

  it("then keys 1 and 2: key 2 verifies once published, key 1 still does", async () => {
    served = [key1.jwk, key2.jwk];
    // An unknown kid refetches the JWKS, at most once per cache lifetime.
    await settle(CACHE_MAX_AGE_MS + 100);
    expect(await outcomeOf(await tokenSignedWith(key2))).toBe("ok");
    expect(await outcomeOf(await tokenSignedWith(key1))).toBe("ok");
  });

  it("then key 2 only: key 1 stops verifying within the cache lifetime, though its verification was cached", async () => {
    const cachedToken = await tokenSignedWith(key1);
    expect(await outcomeOf(cachedToken)).toBe("ok"); // verified now, and cached by the service
    served = [key2.jwk];
    const removedAt = Date.now();
    let refusedAfter: number | null = null;
    while (Date.now() - removedAt < 5 * CACHE_MAX_AGE_MS) {
      if ((await outcomeOf(cachedToken)) === "UNAUTHENTICATED") {
        refusedAfter = Date.now() - removedAt;
        break;
      }
      await settle(50);
    }
    console.info(`[jwks] key 1 refused ${refusedAfter} ms after its removal (cache lifetime ${CACHE_MAX_AGE_MS} ms)`);
    expect(refusedAfter).not.toBeNull();
    expect(refusedAfter as number).toBeLessThanOrEqual(CACHE_MAX_AGE_MS + 300);
    expect(await outcomeOf(await tokenSignedWith(key1))).toBe("UNAUTHENTICATED");
    expect(await outcomeOf(await tokenSignedWith(key2))).toBe("ok");
    expect(fetches).toBeGreaterThanOrEqual(3);
  });
});
