// Checks a database's audit trail against its signed checkpoints and the checkpoint public key
// alone (docs/audit-evidence.md). Exit status: 0 intact, 1 broken, 2 could not check.
//   DATABASE_URL=… npm run audit:verify -- --public-key checkpoint-key.pem [--hmac-keys keys.txt]
import { createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";
import { keyringOf, parseMacKeys, type AuditKeyring } from "../services/audit/audit-keys.ts";
import { verifyAuditDatabase } from "../services/audit/offline-verifier.ts";

function publicKeyFrom(file: string | undefined): KeyObject {
  const pem = file ? readFileSync(file, "utf8") : process.env["AUDIT_PUBLIC_KEY"];
  if (!pem) throw new Error("give the checkpoint public key: --public-key <PEM file> or AUDIT_PUBLIC_KEY");
  const key = createPublicKey(pem.replace(/\\n/g, "\n"));
  if (key.asymmetricKeyType !== "ed25519") throw new Error("the checkpoint public key must be Ed25519");
  return key;
}

function keyringFrom(file: string | undefined): AuditKeyring | null {
  const text = file ? readFileSync(file, "utf8") : process.env["AUDIT_HMAC_KEYS"];
  return text ? keyringOf(parseMacKeys(text), null) : null;
}

let client: pg.Client | null = null;
try {
  const { values } = parseArgs({
    options: {
      "public-key": { type: "string" },
      "hmac-keys": { type: "string" },
      "database-url": { type: "string" },
    },
  });
  const databaseUrl = values["database-url"] ?? process.env["DATABASE_URL"];
  if (!databaseUrl) throw new Error("give the database: DATABASE_URL or --database-url");
  const publicKey = publicKeyFrom(values["public-key"]);
  const keyring = keyringFrom(values["hmac-keys"]);
  client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  // One snapshot for the whole check: rows committed meanwhile cannot look like a break.
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  const report = await verifyAuditDatabase(client, { publicKey, keyring });
  await client.query("COMMIT");
  const out = process.stdout;
  out.write(
    `checked ${report.tenants} tenants, ${report.events} events, ${report.checkpoints} checkpoints` +
      (keyring ? " (MACs checked)\n" : `; ${report.uncheckedMacs} MACs not checked (no HMAC key given)\n`),
  );
  if (report.checkpoints === 0) out.write("warning: no checkpoint: nothing here is signed\n");
  for (const problem of report.problems) out.write(`BROKEN ${problem}\n`);
  if (report.unlisted > 0) out.write(`BROKEN … and ${report.unlisted} more\n`);
  out.write(report.ok ? "audit trail intact\n" : "audit trail BROKEN\n");
  process.exitCode = report.ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`audit:verify could not check: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
} finally {
  await client?.end().catch(() => undefined);
}
