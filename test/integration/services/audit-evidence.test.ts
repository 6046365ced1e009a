// docs/design.md §4 "Audit evidence": links keyed with HMAC keys that rotate without breaking old
// chains, signed checkpoints over every head (on demand and what auditChain reports of them), and
// links from before keys, proven by checkpoint 1 only.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantStatus, type AuditEventRecord } from "../../../src/domain/vocabulary.ts";
import { auditEventHash, type HashedAuditContent } from "../../../src/services/audit/audit-hash.ts";
import { checkpointLeaves } from "../../../src/services/audit/audit-checkpoints.ts";
import { developmentAuditKeys, keyringOf, type AuditEvidenceKeys } from "../../../src/services/audit/audit-keys.ts";
import { requestAuditCheckpoint, verifyAuditChain } from "../../../src/services/audit/audit-service.ts";
import { isCheckpointSignatureValid } from "../../../src/services/audit/checkpoint-signature.ts";
import { checkpointLeafHash, MerkleRootBuilder } from "../../../src/services/audit/merkle.ts";
import type { JsonValue } from "../../../src/services/canonical-json.ts";
import { ForbiddenError } from "../../../src/services/errors.ts";
import type { ServiceContext } from "../../../src/services/service-context.ts";
import { updateTenant } from "../../../src/services/tenants/tenant-service.ts";
import { personas, tenantAdmin } from "../../support/personas.ts";
import { openServiceDatabase, type ServiceDatabase } from "../../support/service-context.ts";
import { auditEventsOf, ok, tenantIn, transition } from "../../support/service-fixtures.ts";

const OLD_KEY = { id: "2026-old", secret: randomBytes(32) };
const NEW_KEY = { id: "2026-new", secret: randomBytes(32) };
const { signer } = developmentAuditKeys();
const withKeys = (keys: (typeof OLD_KEY)[], current: string): AuditEvidenceKeys => ({
  keyring: keyringOf(keys, current),
  signer,
});

/** A superuser's session with the append-only trigger off, restored to the mode it was in. */
async function asSuperuser(db: ServiceDatabase, run: (client: pg.PoolClient) => Promise<unknown>): Promise<void> {
  const client = await db.database.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
    await run(client);
    await client.query("ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_append_only");
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

/** The fields the published hash covers (docs/design.md §4). */
function hashedContentOf(event: AuditEventRecord): HashedAuditContent {
  return {
    tenantId: event.tenantId,
    sequence: event.sequence,
    action: event.action,
    actorType: event.actorType,
    actorId: event.actorId,
    operatorOverride: event.operatorOverride,
    reason: event.reason,
    changes: event.changes as JsonValue,
    requestId: event.requestId,
    occurredAt: event.occurredAt,
  };
}

describe("keyed links", () => {
  let db: ServiceDatabase;
  beforeAll(async () => {
    db = await openServiceDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });
  const as = (keys: AuditEvidenceKeys): ServiceContext => ({ ...db.context(personas.operator), auditKeys: keys });

  it("carry the current key's id and MAC; a rotation keeps the older links verifying", async () => {
    const before = withKeys([OLD_KEY], OLD_KEY.id);
    const after = withKeys([OLD_KEY, NEW_KEY], NEW_KEY.id);
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    ok(await updateTenant(as(before), { tenantId: tenant.id, name: "Under the old key" }));
    ok(await updateTenant(as(after), { tenantId: tenant.id, name: "Under the new key" }));
    const events = await auditEventsOf(db, tenant.id);
    expect(events.map((event) => event.macKeyId)).toEqual([
      ...events.slice(0, -2).map(() => "development"),
      OLD_KEY.id,
      NEW_KEY.id,
    ]);
    for (const event of events) expect(event.mac).toMatch(/^[0-9a-f]{64}$/);
    const everyKey = withKeys([developmentAuditKeys().keyring.current, OLD_KEY, NEW_KEY], NEW_KEY.id);
    expect(await verifyAuditChain(as(everyKey), tenant.id)).toMatchObject({ valid: true, problems: [] });
    // A keyring that lost the old key cannot vouch for the links it keyed.
    const withoutOld = withKeys([developmentAuditKeys().keyring.current, NEW_KEY], NEW_KEY.id);
    expect(await verifyAuditChain(as(withoutOld), tenant.id)).toMatchObject({
      valid: false,
      firstBrokenSequence: events.length - 1,
    });
  });
});

describe("signed checkpoints", () => {
  let db: ServiceDatabase;
  beforeAll(async () => {
    db = await openServiceDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });
  const verify = (tenantId: string) => verifyAuditChain(db.context(personas.operator), tenantId);

  it("are taken on demand by platform operators only", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    for (const caller of [personas.supportRead, personas.supportAll, personas.worker, tenantAdmin(tenant.id)]) {
      await expect(requestAuditCheckpoint(db.context(caller))).rejects.toThrow(ForbiddenError);
    }
    await expect(
      requestAuditCheckpoint(db.context(personas.operator, { operatorOverride: tenant.id })),
    ).rejects.toThrow(ForbiddenError);
  });

  it("sign a Merkle root over every head, which the stored leaves and the public key reproduce", async () => {
    const tenants = [await tenantIn(db, TenantStatus.ACTIVE), await tenantIn(db, TenantStatus.DRAFT)];
    const checkpoint = await requestAuditCheckpoint(db.context(personas.operator));
    expect(checkpoint).toMatchObject({ requestedBy: personas.operator.sub, publicKeyId: signer.publicKeyId });
    expect(isCheckpointSignatureValid(signer.publicKey, checkpoint)).toBe(true);
    expect(isCheckpointSignatureValid(signer.publicKey, { ...checkpoint, root: "0".repeat(64) })).toBe(false);
    const tree = new MerkleRootBuilder();
    const heads = await db.query<{ tenant_id: string; sequence: number; hash: string }>(
      "SELECT tenant_id::text, sequence, hash FROM audit_chain_heads ORDER BY tenant_id",
    );
    const sql = {
      rows: <Row extends pg.QueryResultRow>(text: string, values?: readonly unknown[]) => db.query<Row>(text, values),
    };
    for await (const batch of checkpointLeaves(sql, checkpoint.id)) {
      for (const leaf of batch) tree.add(checkpointLeafHash(leaf.tenantId, leaf.sequence, leaf.hash));
    }
    expect(tree.leafCount).toBe(heads.length);
    expect(checkpoint.tenantCount).toBe(heads.length);
    expect(tree.root()).toBe(checkpoint.root);
    for (const tenant of tenants) {
      const events = await auditEventsOf(db, tenant.id);
      expect(await verify(tenant.id)).toMatchObject({
        valid: true,
        consistentWithCheckpoint: true,
        checkpoint: { sequence: events.length, hash: events.at(-1)?.hash, signatureValid: true },
      });
    }
  });

  it("a chain that grew since stays consistent with it; one the next checkpoint saw is reported against that one", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const first = await requestAuditCheckpoint(db.context(personas.operator));
    await transition(db, tenant.id, "SUSPEND", { reason: "after the checkpoint" });
    const events = await auditEventsOf(db, tenant.id);
    expect(await verify(tenant.id)).toMatchObject({
      valid: true,
      consistentWithCheckpoint: true,
      checkpoint: { checkpoint: { id: first.id }, sequence: events.length - 1 },
    });
    const second = await requestAuditCheckpoint(db.context(personas.operator));
    expect(BigInt(second.id)).toBe(BigInt(first.id) + 1n);
    expect(await verify(tenant.id)).toMatchObject({
      consistentWithCheckpoint: true,
      checkpoint: { checkpoint: { id: second.id }, sequence: events.length },
    });
  });

  it("a tail deleted with the head moved back to match is reported against the checkpoint that saw it", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    await transition(db, tenant.id, "SUSPEND", { reason: "to be erased" });
    await requestAuditCheckpoint(db.context(personas.operator));
    const events = await auditEventsOf(db, tenant.id);
    const kept = events.at(-2);
    await asSuperuser(db, async (client) => {
      await client.query("DELETE FROM audit_events WHERE tenant_id = $1 AND sequence = $2", [tenant.id, events.length]);
      await client.query("UPDATE audit_chain_heads SET sequence = $2, hash = $3 WHERE tenant_id = $1", [
        tenant.id,
        kept?.sequence,
        kept?.hash,
      ]);
    });
    expect(await verify(tenant.id)).toMatchObject({
      valid: false,
      consistentWithCheckpoint: false,
      firstBrokenSequence: events.length,
    });
  });

  it("a checkpoint altered in the database fails its signature, and the chains it covers are reported", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    await requestAuditCheckpoint(db.context(personas.operator));
    const [checkpoint] = await db.query<{ id: string }>(
      "SELECT id::text FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
    );
    await asSuperuser(db, async (client) => {
      await client.query("ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only");
      await client.query("UPDATE audit_checkpoints SET root = repeat('0', 64) WHERE id = $1", [checkpoint?.id]);
      await client.query("ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_append_only");
    });
    expect(await verify(tenant.id)).toMatchObject({
      valid: false,
      consistentWithCheckpoint: false,
      checkpoint: { signatureValid: false },
    });
  });
});

describe("links from before keys", () => {
  let db: ServiceDatabase;
  beforeAll(async () => {
    db = await openServiceDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });
  const verify = (tenantId: string) => verifyAuditChain(db.context(personas.operator), tenantId);
  /** What the migration leaves of a chain written before it: links without MACs. */
  const unkey = (tenantId: string) =>
    asSuperuser(db, (client) =>
      client.query("UPDATE audit_events SET mac = NULL, mac_key_id = NULL WHERE tenant_id = $1", [tenantId]),
    );

  it("are proven by a keyed link after them, or by checkpoint 1 — never by a later checkpoint", async () => {
    const untouched = await tenantIn(db, TenantStatus.ACTIVE);
    const extended = await tenantIn(db, TenantStatus.ACTIVE);
    await unkey(untouched.id);
    await unkey(extended.id);
    ok(await updateTenant(db.context(personas.operator), { tenantId: extended.id, name: "Keyed from now on" }));
    expect(await verify(extended.id)).toMatchObject({ valid: true });
    expect(await verify(untouched.id)).toMatchObject({ valid: false, firstBrokenSequence: 1 });

    await requestAuditCheckpoint(db.context(personas.operator));
    expect(await verify(untouched.id)).toMatchObject({ valid: true, consistentWithCheckpoint: true });

    // After checkpoint 1 a database administrator strips a chain's MACs and rewrites it with the
    // published hash; checkpoint 2 then signs the forged head, and still proves nothing of it.
    const later = await tenantIn(db, TenantStatus.ACTIVE);
    const events = await auditEventsOf(db, later.id);
    await asSuperuser(db, async (client) => {
      let previousHash: string | null = null;
      for (const event of events) {
        const reason = event.sequence === 1 ? "forged" : event.reason;
        const hash = auditEventHash(previousHash, { ...hashedContentOf(event), reason });
        await client.query(
          `UPDATE audit_events SET reason = $3, hash = $4, previous_hash = $5, mac = NULL, mac_key_id = NULL
           WHERE tenant_id = $1 AND sequence = $2`,
          [later.id, event.sequence, reason, hash, previousHash],
        );
        previousHash = hash;
      }
      await client.query("UPDATE audit_chain_heads SET hash = $2 WHERE tenant_id = $1", [later.id, previousHash]);
    });
    await requestAuditCheckpoint(db.context(personas.operator));
    expect(await verify(later.id)).toMatchObject({
      valid: false,
      consistentWithCheckpoint: true,
      firstBrokenSequence: 1,
    });
  });
});
