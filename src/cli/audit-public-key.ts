// Prints the public key audit checkpoints are signed with (from AUDIT_SIGNING_KEY[_FILE], or the
// development key), for auditors and `npm run audit:verify`.
//   npm run audit:public-key [-- --json]
import { parseArgs } from "node:util";
import { auditPublicKeyOf } from "../services/audit/audit-keys.ts";
import { ConfigError, loadConfig } from "../server/config.ts";

try {
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false } } });
  const publicKey = auditPublicKeyOf(loadConfig().audit.signer);
  process.stdout.write(values.json ? `${JSON.stringify(publicKey)}\n` : publicKey.pem);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
