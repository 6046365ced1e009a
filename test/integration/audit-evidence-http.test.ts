// docs/design.md §4 "Audit evidence" over HTTP: an operator takes a checkpoint on demand
// (createAuditCheckpoint; FORBIDDEN for everyone else), auditChain reports it, and the public key
// that verifies it is served (Query.auditPublicKey, GET /audit/public-key).
import { createPublicKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCheckpointSignatureValid } from "../../src/services/audit/checkpoint-signature.ts";
import { activeTenant } from "../support/fixtures.ts";
import { personas } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const CHECKPOINT = `mutation { createAuditCheckpoint { checkpoint { id createdAt tenantCount root publicKeyId signature requestedBy } userErrors { code } } }`;
const CHAIN = `query Chain($tenantId: ID!) {
  auditChain(tenantId: $tenantId) {
    valid eventCount firstBrokenSequence problems consistentWithCheckpoint
    checkpoint { sequence hash signatureValid checkpoint { id } }
  }
}`;

interface Checkpoint {
  id: string;
  createdAt: string;
  tenantCount: number;
  root: string;
  publicKeyId: string;
  signature: string;
  requestedBy: string | null;
}

describe("audit checkpoints over HTTP", () => {
  it("an operator takes one; auditChain reports the chain consistent with it; the served key verifies it", async () => {
    const tenant = await activeTenant(server);
    const { createAuditCheckpoint } = await server.data<{
      createAuditCheckpoint: { checkpoint: Checkpoint; userErrors: unknown[] };
    }>(CHECKPOINT, {}, { as: personas.operator });
    const { checkpoint } = createAuditCheckpoint;
    expect(createAuditCheckpoint.userErrors).toEqual([]);
    expect(checkpoint).toMatchObject({ id: "1", requestedBy: personas.operator.sub });
    expect(checkpoint.tenantCount).toBeGreaterThanOrEqual(1);

    const { auditChain } = await server.data<{ auditChain: Record<string, unknown> }>(
      CHAIN,
      { tenantId: tenant.id },
      { as: personas.supportRead },
    );
    expect(auditChain).toMatchObject({
      valid: true,
      problems: [],
      consistentWithCheckpoint: true,
      checkpoint: { signatureValid: true, checkpoint: { id: "1" } },
    });

    const { auditPublicKey } = await server.data<{ auditPublicKey: { keyId: string; algorithm: string; pem: string } }>(
      "{ auditPublicKey { keyId algorithm pem } }",
      {},
      { as: personas.supportRead },
    );
    const served = (await (await fetch(server.url.replace(/\/graphql$/, "/audit/public-key"))).json()) as {
      keyId: string;
      pem: string;
    };
    expect(served).toEqual(auditPublicKey);
    expect(auditPublicKey).toMatchObject({ algorithm: "Ed25519", keyId: checkpoint.publicKeyId });
    const record = { ...checkpoint, createdAt: new Date(checkpoint.createdAt) };
    expect(isCheckpointSignatureValid(createPublicKey(served.pem), record)).toBe(true);
  });

  it("is FORBIDDEN to everyone but platform operators, and takes nothing then", async () => {
    for (const persona of [personas.supportRead, personas.supportAll, personas.worker]) {
      const { body } = await server.request(CHECKPOINT, {}, { as: persona });
      expect(body.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
    }
    const { body } = await server.request(CHECKPOINT, {});
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("UNAUTHENTICATED");
    const [{ count }] = await server.database.pool
      .query<{ count: number }>("SELECT count(*)::int AS count FROM audit_checkpoints")
      .then((result) => result.rows as [{ count: number }]);
    expect(count).toBe(1);
  });
});
