// The offline verifier (`npm run audit:verify`, docs/audit-evidence.md): checks a database's audit
// trail against its signed checkpoints and the checkpoint public key alone. It shares with the
// service only the published formulas (the event hash, the Merkle tree, the signed statement) —
// none of the code that writes, and none of the service's own verification — and reads the tables
// with its own SQL, so a fault in the service cannot hide a fault in the trail.
import type { KeyObject } from "node:crypto";
import type pg from "pg";
import type { JsonValue } from "../canonical-json.ts";
import { auditEventHash } from "./audit-hash.ts";
import { isValidLinkMac, publicKeyIdOf, type AuditKeyring } from "./audit-keys.ts";
import { isCheckpointSignatureValid, type AuditCheckpointRecord } from "./checkpoint-signature.ts";
import { checkpointLeafHash, MerkleRootBuilder } from "./merkle.ts";

export interface OfflineVerificationOptions {
  /** The checkpoint signing key's public half (what the service serves at GET /audit/public-key). */
  publicKey: KeyObject;
  /** The HMAC keys, when the auditor holds them: each link's MAC is then checked too. */
  keyring?: AuditKeyring | null;
  /** Problems listed in full; more are counted. */
  maxListed?: number;
}

export interface OfflineVerificationReport {
  ok: boolean;
  tenants: number;
  events: number;
  checkpoints: number;
  /** Links whose MAC was not checked (no HMAC key given). */
  uncheckedMacs: number;
  problems: string[];
  /** Problems beyond those listed. */
  unlisted: number;
}

const TENANT_BATCH = 500;
const EVENT_BATCH = 2000;
const LEAF_BATCH = 5000;

interface EventRow {
  sequence: number;
  action: string;
  actor_type: string;
  actor_id: string;
  operator_override: boolean;
  reason: string | null;
  changes: JsonValue;
  request_id: string | null;
  occurred_at: Date;
  hash: string;
  previous_hash: string | null;
  mac: string | null;
  mac_key_id: string | null;
}

interface LeafRow {
  checkpoint_id: string;
  sequence: number;
  hash: string;
}

export async function verifyAuditDatabase(
  client: pg.Client,
  options: OfflineVerificationOptions,
): Promise<OfflineVerificationReport> {
  const maxListed = options.maxListed ?? 200;
  const report: OfflineVerificationReport = {
    ok: true,
    tenants: 0,
    events: 0,
    checkpoints: 0,
    uncheckedMacs: 0,
    problems: [],
    unlisted: 0,
  };
  const problem = (text: string) => {
    report.ok = false;
    if (report.problems.length < maxListed) report.problems.push(text);
    else report.unlisted += 1;
  };
  const rows = async <Row extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    (await client.query<Row>(text, values)).rows;

  // 1. Checkpoints: consecutive from 1, each signed by the given key.
  const publicKeyId = publicKeyIdOf(options.publicKey);
  const checkpoints = await rows<AuditCheckpointRecord>(
    `SELECT id::text AS id, created_at AS "createdAt", tenant_count AS "tenantCount", root,
       public_key_id AS "publicKeyId", signature, requested_by AS "requestedBy"
     FROM audit_checkpoints ORDER BY id`,
  );
  report.checkpoints = checkpoints.length;
  const validCheckpoints = new Set<string>();
  for (const [index, checkpoint] of checkpoints.entries()) {
    if (checkpoint.id !== String(index + 1))
      problem(`checkpoint ${index + 1} is missing (next stored: ${checkpoint.id})`);
    if (checkpoint.publicKeyId !== publicKeyId) {
      problem(`checkpoint ${checkpoint.id} names key ${checkpoint.publicKeyId}, not the given key ${publicKeyId}`);
    } else if (!isCheckpointSignatureValid(options.publicKey, checkpoint)) {
      problem(`checkpoint ${checkpoint.id}: the signature does not verify`);
    } else {
      validCheckpoints.add(checkpoint.id);
    }
  }
  // The roots of checkpoint 1 (the anchor of links from before keys) and of the latest one are
  // recomputed from the stored leaves; every leaf is also checked against its chain below.
  const latest = checkpoints.at(-1);
  for (const checkpoint of new Set([checkpoints[0], latest])) {
    if (!checkpoint) continue;
    const tree = await rootOf(rows, checkpoint.id);
    if (tree.root() !== checkpoint.root || tree.leafCount !== checkpoint.tenantCount) {
      problem(
        `checkpoint ${checkpoint.id}: its stored leaves (${tree.leafCount}) do not reproduce its signed root (${checkpoint.tenantCount} tenants)`,
      );
    }
  }
  const gone = await rows<{ tenant_id: string }>(
    `SELECT DISTINCT leaf.tenant_id::text AS tenant_id FROM audit_checkpoint_leaves leaf
     WHERE NOT EXISTS (SELECT 1 FROM tenants tenant WHERE tenant.id = leaf.tenant_id) ORDER BY 1`,
  );
  for (const { tenant_id } of gone) problem(`tenant ${tenant_id}: in a checkpoint, but its tenant and chain are gone`);

  // 2. Every tenant's chain, its head and its leaves.
  for (let after = "00000000-0000-0000-0000-000000000000"; ;) {
    const tenants = await rows<{ id: string; head_sequence: number | null; head_hash: string | null }>(
      `SELECT tenant.id::text AS id, head.sequence AS head_sequence, head.hash AS head_hash
       FROM tenants tenant LEFT JOIN audit_chain_heads head ON head.tenant_id = tenant.id
       WHERE tenant.id > $1::uuid ORDER BY tenant.id LIMIT $2`,
      [after, TENANT_BATCH],
    );
    const leaves = new Map<string, LeafRow[]>();
    if (tenants.length > 0) {
      const leafRows = await rows<LeafRow & { tenant_id: string }>(
        `SELECT tenant_id::text AS tenant_id, checkpoint_id::text AS checkpoint_id, sequence, hash
         FROM audit_checkpoint_leaves WHERE tenant_id = ANY($1::uuid[]) ORDER BY tenant_id, checkpoint_id`,
        [tenants.map((tenant) => tenant.id)],
      );
      for (const leaf of leafRows) leaves.set(leaf.tenant_id, [...(leaves.get(leaf.tenant_id) ?? []), leaf]);
    }
    for (const tenant of tenants) {
      report.tenants += 1;
      await verifyChain(rows, tenant, leaves.get(tenant.id) ?? [], validCheckpoints, options.keyring ?? null, {
        problem,
        counted: (events, unchecked) => {
          report.events += events;
          report.uncheckedMacs += unchecked;
        },
      });
    }
    if (tenants.length < TENANT_BATCH) break;
    after = (tenants.at(-1) as { id: string }).id;
  }
  return report;
}

type Rows = <Row extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<Row[]>;

async function rootOf(rows: Rows, checkpointId: string): Promise<MerkleRootBuilder> {
  const tree = new MerkleRootBuilder();
  for (let after = "00000000-0000-0000-0000-000000000000"; ;) {
    const batch = await rows<{ tenant_id: string; sequence: number; hash: string }>(
      `SELECT leaf.tenant_id::text AS tenant_id, leaf.sequence, leaf.hash FROM audit_checkpoint_leaves leaf
       WHERE leaf.checkpoint_id <= $1 AND leaf.tenant_id > $2::uuid
         AND NOT EXISTS (SELECT 1 FROM audit_checkpoint_leaves later WHERE later.tenant_id = leaf.tenant_id
           AND later.checkpoint_id > leaf.checkpoint_id AND later.checkpoint_id <= $1)
       ORDER BY leaf.tenant_id LIMIT $3`,
      [checkpointId, after, LEAF_BATCH],
    );
    for (const leaf of batch) tree.add(checkpointLeafHash(leaf.tenant_id, leaf.sequence, leaf.hash));
    if (batch.length < LEAF_BATCH) return tree;
    after = (batch.at(-1) as { tenant_id: string }).tenant_id;
  }
}

async function verifyChain(
  rows: Rows,
  tenant: { id: string; head_sequence: number | null; head_hash: string | null },
  leaves: LeafRow[],
  validCheckpoints: ReadonlySet<string>,
  keyring: AuditKeyring | null,
  out: { problem: (text: string) => void; counted: (events: number, uncheckedMacs: number) => void },
): Promise<void> {
  const at = (text: string) => out.problem(`tenant ${tenant.id}: ${text}`);
  const leafAt = new Map<number, LeafRow[]>();
  for (const leaf of leaves) leafAt.set(leaf.sequence, [...(leafAt.get(leaf.sequence) ?? []), leaf]);
  const anchor = leaves.find((leaf) => leaf.checkpoint_id === "1") ?? null;
  let previousHash: string | null = null;
  let expected = 1;
  let events = 0;
  let unchecked = 0;
  let keyedSeen = false;
  let lastUnkeyed: number | null = null;
  let anchorMatched = false;
  let firstProblem = true;
  const broken = (text: string) => {
    // One line per chain: the first break says where; later ones follow from it.
    if (firstProblem) at(text);
    firstProblem = false;
  };
  for (let after = 0; ;) {
    const batch = await rows<EventRow>(
      `SELECT sequence, action, actor_type::text AS actor_type, actor_id, operator_override, reason, changes, request_id,
         occurred_at, hash, previous_hash, mac, mac_key_id
       FROM audit_events WHERE tenant_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`,
      [tenant.id, after, EVENT_BATCH],
    );
    for (const event of batch) {
      events += 1;
      const hash = auditEventHash(event.previous_hash, {
        tenantId: tenant.id,
        sequence: event.sequence,
        action: event.action,
        actorType: event.actor_type,
        actorId: event.actor_id,
        operatorOverride: event.operator_override,
        reason: event.reason,
        changes: event.changes,
        requestId: event.request_id,
        occurredAt: event.occurred_at,
      });
      if (event.sequence !== expected) broken(`sequence ${expected} is missing (next stored: ${event.sequence})`);
      else if (event.previous_hash !== previousHash)
        broken(`event ${event.sequence} does not link to event ${expected - 1}`);
      else if (event.hash !== hash) broken(`event ${event.sequence}'s content does not match its hash`);
      if (event.sequence === 1 && event.action !== "tenant.created")
        broken("the chain does not start with tenant.created");
      if (event.mac !== null || event.mac_key_id !== null) {
        keyedSeen = true;
        if (keyring === null) unchecked += 1;
        else if (
          event.mac === null ||
          event.mac_key_id === null ||
          !isValidLinkMac(keyring, event.mac_key_id, event.hash, event.mac)
        ) {
          broken(`event ${event.sequence}'s MAC does not verify (key ${event.mac_key_id ?? "none"})`);
        }
      } else if (keyedSeen) {
        broken(`event ${event.sequence} has no MAC after keyed events`);
      } else {
        lastUnkeyed = event.sequence;
      }
      for (const leaf of leafAt.get(event.sequence) ?? []) {
        if (leaf.hash !== event.hash) {
          broken(`event ${event.sequence} differs from checkpoint ${leaf.checkpoint_id}'s head for this tenant`);
        } else if (leaf === anchor) {
          anchorMatched = true;
        }
      }
      previousHash = event.hash;
      expected = event.sequence + 1;
    }
    if (batch.length < EVENT_BATCH) break;
    after = (batch.at(-1) as EventRow).sequence;
  }
  const last = expected - 1;
  out.counted(events, unchecked);
  if (events === 0) broken("the tenant exists but has no audit events (not even tenant.created)");
  if (tenant.head_sequence === null) at("no recorded head");
  else if (tenant.head_sequence !== last || tenant.head_hash !== previousHash) {
    at(`the recorded head is sequence ${tenant.head_sequence}, the chain ends at ${last}`);
  }
  const beyond = leaves.filter((leaf) => leaf.sequence > last);
  for (const leaf of beyond) {
    at(`checkpoint ${leaf.checkpoint_id} saw sequence ${leaf.sequence}; the chain now ends at ${last}`);
  }
  for (let index = 1; index < leaves.length; index += 1) {
    if ((leaves[index] as LeafRow).sequence < (leaves[index - 1] as LeafRow).sequence) {
      at(`checkpoint ${(leaves[index] as LeafRow).checkpoint_id} saw a shorter chain than an earlier one`);
    }
  }
  if (lastUnkeyed !== null && !keyedSeen) {
    const anchored = anchor !== null && validCheckpoints.has("1") && anchorMatched && anchor.sequence >= lastUnkeyed;
    if (!anchored) at("events without a MAC that signed checkpoint 1 does not cover");
  }
}
