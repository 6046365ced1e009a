// docs/design.md §6 (execution): the compiled-operation cache is bounded by the bytes its
// operations are estimated to retain, whatever mix of distinct documents arrives, and only
// authorized requests compile. Over HTTP, read from the graphql_compiled_cache_bytes gauge.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onboardingTenant } from "../support/fixtures.ts";
import { heavyDocument } from "../support/heavy-documents.ts";
import { personas, tenantMember, tokenFor } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

const BUDGET = 16 * 1024 * 1024;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { GRAPHQL_COMPILED_CACHE_BYTES: String(BUDGET) } });
  await onboardingTenant(server);
});
afterAll(async () => {
  await server?.close();
});

async function cacheBytes(): Promise<number> {
  const text = await (await fetch(server.url.replace(/\/graphql$/, "/metrics"))).text();
  const value = /^graphql_compiled_cache_bytes (\S+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error("/metrics has no graphql_compiled_cache_bytes");
  return Number(value);
}

describe("the compiled-operation cache", () => {
  it("compiles nothing for requests without a valid token or refused, however often they come", async () => {
    const member = await tokenFor(tenantMember("11111111-1111-4111-8111-111111111111"));
    for (let index = 0; index < 3; index += 1) {
      for (const options of [
        {},
        { token: "not-a-token" },
        // An override from a caller who may not use one: the request's access is refused.
        { token: member, headers: { "x-operator-override": "11111111-1111-4111-8111-111111111111" } },
      ]) {
        const { status, body } = await server.request(heavyDocument(index, 3), {}, options);
        expect(status).toBe(200);
        expect(body.errors?.[0]?.extensions?.["code"]).toMatch(/^(UNAUTHENTICATED|FORBIDDEN)$/);
      }
    }
    expect(await cacheBytes()).toBe(0);
  });

  it("stays within its byte budget under a stream of distinct heavy documents, each sent twice", async () => {
    // ~1.9 MB estimated each (459 expanded fields): 12 of them exceed the 16 MiB budget.
    let largest = 0;
    for (let index = 100; index < 112; index += 1) {
      for (let sighting = 0; sighting < 2; sighting += 1) {
        const { status, body } = await server.request(heavyDocument(index, 3), {}, { as: personas.operator });
        expect(status).toBe(200);
        expect(body.errors).toBeUndefined();
        expect(Object.keys(body.data ?? {})).toHaveLength(3);
      }
      const bytes = await cacheBytes();
      expect(bytes).toBeLessThanOrEqual(BUDGET);
      largest = Math.max(largest, bytes);
    }
    // They did compile: the cache filled to (nearly) its budget rather than staying empty.
    expect(largest).toBeGreaterThan(BUDGET * 0.75);
  });

  it("interprets, and keeps nothing of, an operation estimated above an eighth of the budget", async () => {
    const before = await cacheBytes();
    // 1 530 expanded fields: ~6 MB estimated, over 2 MiB.
    for (let sighting = 0; sighting < 3; sighting += 1) {
      const { status, body } = await server.request(heavyDocument(200, 10), {}, { as: personas.operator });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(Object.keys(body.data ?? {})).toHaveLength(10);
    }
    expect(await cacheBytes()).toBe(before);
  });
});
