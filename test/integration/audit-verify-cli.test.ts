// docs/audit-evidence.md: `npm run audit:verify` as an auditor runs it — a database URL and the
// checkpoint public key — exits 0 on an intact trail and 1 (naming what broke) on a tampered copy.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantStatus } from "../../src/domain/vocabulary.ts";
import { developmentAuditKeys } from "../../src/services/audit/audit-keys.ts";
import { requestAuditCheckpoint } from "../../src/services/audit/audit-service.ts";
import { personas } from "../support/personas.ts";
import { openServiceDatabase, type ServiceDatabase } from "../support/service-context.ts";
import { auditEventsOf, tenantIn, transition } from "../support/service-fixtures.ts";

const run = promisify(execFile);
let db: ServiceDatabase;
let publicKeyFile: string;
let hmacKeysFile: string;

beforeAll(async () => {
  db = await openServiceDatabase();
  const directory = mkdtempSync(join(tmpdir(), "audit-verify-"));
  const keys = developmentAuditKeys();
  publicKeyFile = join(directory, "checkpoint.pem");
  writeFileSync(publicKeyFile, keys.signer.publicKeyPem);
  hmacKeysFile = join(directory, "hmac-keys");
  writeFileSync(hmacKeysFile, `${keys.keyring.current.id}:${keys.keyring.current.secret.toString("base64")}\n`);
});
afterAll(async () => {
  await db?.close();
});

async function verifyCli(...extra: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "src/cli/audit-verify.ts", "--public-key", publicKeyFile, ...extra],
      { env: { ...process.env, DATABASE_URL: db.url }, cwd: process.cwd() },
    );
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

async function asSuperuser(work: (client: pg.PoolClient) => Promise<unknown>): Promise<void> {
  const client = await db.database.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
    await work(client);
    await client.query("ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_append_only");
    await client.query("COMMIT");
  } finally {
    client.release();
  }
}

describe("npm run audit:verify", () => {
  it("exits 0 on an intact trail, and 1 naming each tampered tenant on a tampered copy", async () => {
    const truncated = await tenantIn(db, TenantStatus.ACTIVE);
    await transition(db, truncated.id, "SUSPEND", { reason: "to be erased" });
    const edited = await tenantIn(db, TenantStatus.ACTIVE);
    const untouched = await tenantIn(db, TenantStatus.ONBOARDING);
    await requestAuditCheckpoint(db.context(personas.operator));

    const clean = await verifyCli();
    expect(clean.out).toMatch(/checked \d+ tenants, \d+ events, 1 checkpoints/);
    expect(clean.out).toContain("audit trail intact");
    expect(clean.code).toBe(0);
    expect((await verifyCli("--hmac-keys", hmacKeysFile)).code).toBe(0);

    const events = await auditEventsOf(db, truncated.id);
    const kept = events.at(-2);
    await asSuperuser(async (client) => {
      // The tail and the head, as a database administrator would: consistent with each other.
      await client.query("DELETE FROM audit_events WHERE tenant_id = $1 AND sequence = $2", [
        truncated.id,
        events.length,
      ]);
      await client.query("UPDATE audit_chain_heads SET sequence = $2, hash = $3 WHERE tenant_id = $1", [
        truncated.id,
        kept?.sequence,
        kept?.hash,
      ]);
      await client.query("UPDATE audit_events SET reason = 'edited' WHERE tenant_id = $1 AND sequence = 2", [
        edited.id,
      ]);
    });
    const tampered = await verifyCli();
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain("audit trail BROKEN");
    expect(tampered.out).toContain(
      `BROKEN tenant ${truncated.id}: checkpoint 1 saw sequence ${events.length}; the chain now ends at ${events.length - 1}`,
    );
    expect(tampered.out).toContain(`BROKEN tenant ${edited.id}: event 2's content does not match its hash`);
    expect(tampered.out).not.toContain(untouched.id);
  });

  it("exits 1 when a checkpoint was altered, and 2 when it cannot check", async () => {
    await asSuperuser(async (client) => {
      await client.query("ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only");
      await client.query("UPDATE audit_checkpoints SET tenant_count = tenant_count + 1 WHERE id = 1");
      await client.query("ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_append_only");
    });
    const altered = await verifyCli();
    expect(altered.code).toBe(1);
    expect(altered.out).toContain("BROKEN checkpoint 1: the signature does not verify");

    const { code, out } = await verifyCli("--public-key", "/nonexistent/key.pem");
    expect(code).toBe(2);
    expect(out).toMatch(/could not check/);
  });
});
