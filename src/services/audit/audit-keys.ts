// The audit trail's keys (docs/design.md §4 "Audit evidence"): HMAC keys that key each link, and
// the Ed25519 key that signs checkpoints. Both come from configuration, never from the database,
// which is what makes a chain impossible to forge for whoever holds only the database.
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  timingSafeEqual,
  type KeyObject,
} from "node:crypto";

/** One HMAC key; its id is stored on every link it keyed, so older keys keep verifying after a rotation. */
export interface AuditMacKey {
  id: string;
  secret: Buffer;
}

/** Every configured HMAC key by id, and the one new links are keyed with. */
export interface AuditKeyring {
  current: AuditMacKey;
  byId: ReadonlyMap<string, AuditMacKey>;
}

/** The Ed25519 key pair of checkpoints. `publicKeyId` names the public key in each checkpoint. */
export interface CheckpointSigner {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyId: string;
  publicKeyPem: string;
}

/** What the write path and the verifiers need: the HMAC keys and the checkpoint signer. */
export interface AuditEvidenceKeys {
  keyring: AuditKeyring;
  signer: CheckpointSigner;
}

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const MIN_MAC_KEY_BYTES = 32;

/** The published development keys: used outside production when none is configured; refused in production. */
export const DEVELOPMENT_MAC_KEY: AuditMacKey = {
  id: "development",
  secret: createHash("sha256").update("development-only audit HMAC key: never use in production").digest(),
};
const DEVELOPMENT_SIGNING_SEED = createHash("sha256")
  .update("development-only audit checkpoint key: never use in production")
  .digest();

/** link MAC = HMAC-SHA256(key, the link's hash); the hash already covers the content and the previous hash. */
export function auditLinkMac(key: AuditMacKey, hash: string): string {
  return createHmac("sha256", key.secret).update(hash).digest("hex");
}

/** Whether `mac` is this link's MAC under the named key; false for an unknown key id. */
export function isValidLinkMac(keyring: AuditKeyring, keyId: string, hash: string, mac: string): boolean {
  const key = keyring.byId.get(keyId);
  if (!key || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(auditLinkMac(key, hash), "hex"), Buffer.from(mac, "hex"));
}

/**
 * Parses `id:base64secret` entries separated by commas or line breaks (blank lines and `#`
 * comments ignored). Throws a message naming the entry (never its secret) when one is malformed.
 */
export function parseMacKeys(text: string): AuditMacKey[] {
  const keys: AuditMacKey[] = [];
  for (const [index, raw] of text.split(/[,\n]/).entries()) {
    const entry = raw.trim();
    if (entry === "" || entry.startsWith("#")) continue;
    const separator = entry.indexOf(":");
    const id = separator > 0 ? entry.slice(0, separator).trim() : "";
    const encoded = separator > 0 ? entry.slice(separator + 1).trim() : "";
    if (!KEY_ID_PATTERN.test(id)) {
      throw new Error(`entry ${index + 1} must be id:base64-secret, the id 1..64 of A-Z a-z 0-9 . _ -`);
    }
    const secret = Buffer.from(encoded, "base64");
    if (!/^[A-Za-z0-9+/]+=*$/.test(encoded) || secret.length < MIN_MAC_KEY_BYTES) {
      throw new Error(`key "${id}" must be base64 of at least ${MIN_MAC_KEY_BYTES} bytes`);
    }
    if (keys.some((key) => key.id === id)) throw new Error(`key "${id}" is listed twice`);
    keys.push({ id, secret });
  }
  return keys;
}

/** A keyring of `keys` whose current key is `currentId` (the last listed when null). */
export function keyringOf(keys: readonly AuditMacKey[], currentId: string | null): AuditKeyring {
  const byId = new Map(keys.map((key) => [key.id, key]));
  const current = currentId === null ? keys.at(-1) : byId.get(currentId);
  if (!current) {
    throw new Error(currentId === null ? "no HMAC key is configured" : `the current key "${currentId}" is not listed`);
  }
  return { current, byId };
}

/** The signer of an Ed25519 private key in PEM (PKCS#8); throws when it is not one. */
export function signerFromPem(pem: string): CheckpointSigner {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error("the checkpoint signing key must be Ed25519");
  return signerOf(privateKey);
}

function signerOf(privateKey: KeyObject): CheckpointSigner {
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    publicKeyId: publicKeyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** A public key's id: the first 16 hex digits of sha256 over its SPKI DER encoding. */
export function publicKeyIdOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16);
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export const DEVELOPMENT_SIGNER: CheckpointSigner = signerFromSeed(DEVELOPMENT_SIGNING_SEED);

/** Whether a key is one of the published development keys (production refuses them). */
export function isDevelopmentMacKey(key: AuditMacKey): boolean {
  return key.secret.equals(DEVELOPMENT_MAC_KEY.secret);
}

export function isDevelopmentSigner(signer: CheckpointSigner): boolean {
  return signer.publicKeyId === DEVELOPMENT_SIGNER.publicKeyId;
}

/** The development keys as one set: what a service started without audit configuration uses outside production. */
export function developmentAuditKeys(): AuditEvidenceKeys {
  return {
    keyring: { current: DEVELOPMENT_MAC_KEY, byId: new Map([[DEVELOPMENT_MAC_KEY.id, DEVELOPMENT_MAC_KEY]]) },
    signer: DEVELOPMENT_SIGNER,
  };
}

/** The checkpoint public key as served (Query.auditPublicKey, GET /audit/public-key, npm run audit:public-key). */
export interface AuditPublicKey {
  keyId: string;
  algorithm: "Ed25519";
  pem: string;
}

export function auditPublicKeyOf(signer: CheckpointSigner): AuditPublicKey {
  return { keyId: signer.publicKeyId, algorithm: "Ed25519", pem: signer.publicKeyPem };
}

/** The Ed25519 signer of a 32-byte seed: fixed keys for fixtures (tests, benchmarks), never for production. */
export function signerFromSeed(seed: Buffer): CheckpointSigner {
  return signerOf(createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" }));
}
