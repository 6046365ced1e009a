// Fixed audit keys for servers the tests start (docs/design.md §4 "Audit evidence"): not the
// published development keys, so a server in production mode accepts them.
import { createHash } from "node:crypto";
import { signerFromSeed } from "../../src/services/audit/audit-keys.ts";

const digest = (text: string) => createHash("sha256").update(text).digest();

export const TEST_AUDIT_SIGNER = signerFromSeed(digest("test-suite audit checkpoint key"));

/** The variables that configure them, as a server's environment. */
export const TEST_AUDIT_ENV = {
  AUDIT_HMAC_KEYS: `test:${digest("test-suite audit HMAC key").toString("base64")}`,
  AUDIT_SIGNING_KEY: TEST_AUDIT_SIGNER.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
} as const;
