// Standard Webhooks signatures (docs/design.md §9): `whsec_` + base64 secrets, and
// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per live secret.
import { createHmac, randomBytes } from "node:crypto";

const PREFIX = "whsec_";
/** 32 random bytes (the specification allows 24 to 64). */
const SECRET_BYTES = 32;

export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new Error("a webhook secret must start with whsec_");
  return Buffer.from(secret.slice(PREFIX.length), "base64");
}

/** The `webhook-signature` header: space-separated, one signature per secret. */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  return secrets
    .map(
      (secret) =>
        `v1,${createHmac("sha256", keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest("base64")}`,
    )
    .join(" ");
}
