import { hasAnyCapability, hasCapability } from "../../domain/capabilities.ts";
import { presentAuditEvent, type Presented } from "../authorization/presentation.ts";
import { requirePlatformReader } from "../authorization/viewer.ts";
import type { AuditEventRecord, PlatformAuditEventRecord, TenantRecord } from "../../domain/vocabulary.ts";
import { ForbiddenError, InvalidArgumentError } from "../errors.ts";
import {
  decodeCursor,
  emptyPage,
  mapPage,
  toPage,
  validatePageRequest,
  type Page,
  type PageArgs,
} from "../pagination.ts";
import type { ServiceContext } from "../service-context.ts";
import { isStorableText, isUuid } from "../text.ts";
import { validateTimeRange } from "../time-range.ts";
import type { JsonValue } from "../canonical-json.ts";
import { auditEventHash } from "./audit-hash.ts";
import { firstCheckpointOf, latestCheckpointOf, takeCheckpoint, type CheckpointLeaf } from "./audit-checkpoints.ts";
import { isValidLinkMac } from "./audit-keys.ts";
import { isCheckpointSignatureValid, type AuditCheckpointRecord } from "./checkpoint-signature.ts";
import { PLATFORM_AUDIT_ORDER, platformActorOf, platformAuditRows } from "./platform-audit-store.ts";

const CHAIN_BATCH_SIZE = 1000;
const MAX_ACTION_FILTER_LENGTH = 100;
/** A tampered chain is reported by its first problems, not one per event (bounded memory). */
const MAX_REPORTED_PROBLEMS = 20;

/**
 * A tenant's events, newest first (`Tenant.auditEvents`, and `lifecycle.history` with the
 * lifecycle prefix), batched across the tenants of a request. The tenant was already judged
 * visible. Platform readers and the tenant's admins get events (masked for the latter); a
 * tenant member gets an empty connection, since an error would null the whole tenant.
 */
export async function listTenantAuditEvents(
  context: ServiceContext,
  tenant: Presented<TenantRecord>,
  args: PageArgs & { actionPrefix?: string },
): Promise<Page<Presented<AuditEventRecord>>> {
  const request = validatePageRequest(args);
  const { viewer } = context;
  const allowed =
    viewer.tenantScope !== null
      ? viewer.tenantScope.isAdmin
      : hasAnyCapability(viewer.principal, ["readPlatform", "operateRuns"]);
  if (!allowed) return emptyPage(request);
  const page = await context.read.audit.tenantPage(tenant.id, { actionPrefix: args.actionPrefix ?? null }, request);
  return mapPage(page, (event) => presentAuditEvent(viewer, tenant, event));
}

/**
 * `Query.auditEvents`: platform readers only, newest first; the tenant filter defaults to the
 * remembered tenant context.
 */
export interface AuditEventFilter {
  tenantId?: string | null;
  action?: string | null;
  occurredAfter?: Date | null;
  occurredBefore?: Date | null;
}

export async function listAuditEvents(
  context: ServiceContext,
  args: PageArgs & { filter?: AuditEventFilter | null },
): Promise<Page<Presented<AuditEventRecord>>> {
  const access = requirePlatformReader(context.viewer);
  const request = validatePageRequest(args);
  const occurred = validateTimeRange(args.filter?.occurredAfter, args.filter?.occurredBefore, {
    after: "occurredAfter",
    before: "occurredBefore",
  });
  const tenantId = args.filter?.tenantId ?? context.viewer.contextTenantId;
  if (tenantId && !isUuid(tenantId)) return emptyPage(request);
  const action = args.filter?.action?.trim() || null;
  if (action !== null && (action.length > MAX_ACTION_FILTER_LENGTH || !isStorableText(action))) {
    throw new InvalidArgumentError(
      `filter.action must be at most ${MAX_ACTION_FILTER_LENGTH} characters, without NUL or unpaired surrogates`,
      "filter",
    );
  }
  const page = await context.read.audit.feedPage(
    { tenantId: tenantId ? tenantId.toLowerCase() : null, actionPrefix: action, occurred },
    request,
  );
  return mapPage(page, (event) => presentAuditEvent(context.viewer, access, event));
}

/** The latest checkpoint and what it says of this tenant's chain. */
export interface CheckpointCoverage {
  checkpoint: AuditCheckpointRecord;
  /** The tenant's sequence and hash in it. */
  sequence: number;
  hash: string;
  /** Whether the service's public key verifies the checkpoint's signature. */
  signatureValid: boolean;
}

export interface AuditChainVerification {
  valid: boolean;
  eventCount: number;
  firstBrokenSequence: number | null;
  /** What is broken, in words; empty when valid. */
  problems: string[];
  /** The latest checkpoint covering the chain; null when the tenant is newer than every checkpoint. */
  checkpoint: CheckpointCoverage | null;
  /** Whether the chain extends the checkpoint's head for it (signature valid, same hash at its sequence); null without one. */
  consistentWithCheckpoint: boolean | null;
}

/**
 * Recomputes a tenant's chain from the stored rows, a batch at a time (design §4 "Audit
 * evidence"): sequences run 1, 2, 3 … from a `tenant.created`; each previousHash is the prior
 * event's hash and each hash matches its content; each keyed link's MAC verifies under its key;
 * unkeyed (pre-key) links only precede keyed ones or are covered by a signed checkpoint; the
 * chain ends where its head (written with every append) says; and it extends the latest signed
 * checkpoint's head for the tenant.
 */
export async function verifyAuditChain(context: ServiceContext, tenantId: string): Promise<AuditChainVerification> {
  requirePlatformReader(context.viewer);
  const unknown = {
    valid: true,
    eventCount: 0,
    firstBrokenSequence: null,
    problems: [],
    checkpoint: null,
    consistentWithCheckpoint: null,
  };
  if (!isUuid(tenantId)) return unknown;
  const id = tenantId.toLowerCase();
  if (!(await context.read.tenants.byId.load(id))) return unknown;
  const head = await context.read.audit.head(id);
  const coverage = coverageOf(context, await latestCheckpointOf(context.sql, id));
  // The anchor of links written before links were keyed: checkpoint 1, taken when keying began.
  const legacyAnchor = coverageOf(context, await firstCheckpointOf(context.sql, id));
  let legacyAnchorHashSeen: string | null = null;
  const { keyring } = context.auditKeys;
  const problems: string[] = [];
  let firstBrokenSequence: number | null = null;
  const report = (sequence: number, problem: string) => {
    firstBrokenSequence = Math.min(firstBrokenSequence ?? sequence, sequence);
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push(problem);
  };
  let expectedSequence = 1;
  let previousHash: string | null = null;
  let eventCount = 0;
  let lastUnkeyed: number | null = null;
  let keyedSeen = false;
  let checkpointHashSeen: string | null = null;
  for await (const batch of context.read.audit.chain(id, CHAIN_BATCH_SIZE)) {
    for (const event of batch) {
      eventCount += 1;
      if (!linksTo(event, expectedSequence, previousHash)) {
        report(Math.min(event.sequence, expectedSequence), `event ${event.sequence} does not link or match its hash`);
      }
      if (event.sequence === 1 && event.action !== "tenant.created") {
        report(1, "the chain does not start with tenant.created");
      }
      if (event.mac !== null || event.macKeyId !== null) {
        keyedSeen = true;
        if (
          event.mac === null ||
          event.macKeyId === null ||
          !isValidLinkMac(keyring, event.macKeyId, event.hash, event.mac)
        ) {
          report(
            event.sequence,
            `event ${event.sequence}'s MAC does not verify under key ${event.macKeyId ?? "(none)"}`,
          );
        }
      } else if (keyedSeen) {
        report(event.sequence, `event ${event.sequence} is unkeyed after keyed events`);
      } else {
        lastUnkeyed = event.sequence;
      }
      if (coverage && event.sequence === coverage.sequence) checkpointHashSeen = event.hash;
      if (legacyAnchor && event.sequence === legacyAnchor.sequence) legacyAnchorHashSeen = event.hash;
      previousHash = event.hash;
      expectedSequence = event.sequence + 1;
    }
  }
  const lastSequence = expectedSequence - 1;
  if (eventCount === 0) report(1, "the tenant exists but its chain is empty (no tenant.created)");
  if (head === null) {
    report(lastSequence + 1, "the tenant has no recorded head");
  } else if (head.sequence !== lastSequence || head.hash !== previousHash) {
    report(
      Math.min(head.sequence, lastSequence) + (head.sequence > lastSequence ? 1 : 0),
      `the head says sequence ${head.sequence}, the chain ends at ${lastSequence}`,
    );
  }
  let consistentWithCheckpoint: boolean | null = null;
  if (coverage) {
    consistentWithCheckpoint = coverage.signatureValid && checkpointHashSeen === coverage.hash;
    if (!coverage.signatureValid) report(1, `checkpoint ${coverage.checkpoint.id}'s signature does not verify`);
    else if (checkpointHashSeen !== coverage.hash) {
      report(
        Math.min(coverage.sequence, lastSequence + 1),
        `checkpoint ${coverage.checkpoint.id} holds sequence ${coverage.sequence} with another hash, or the chain no longer reaches it`,
      );
    }
  }
  // Unkeyed links are the pre-key era's: proven by a keyed link after them (its MAC covers their
  // hashes) or by checkpoint 1, the one taken when keying began. A later checkpoint proves nothing
  // of them: it would sign whatever unkeyed links a database administrator wrote in the meantime.
  if (lastUnkeyed !== null && !keyedSeen) {
    const anchored =
      legacyAnchor !== null &&
      legacyAnchor.signatureValid &&
      legacyAnchor.sequence >= lastUnkeyed &&
      legacyAnchorHashSeen === legacyAnchor.hash;
    if (!anchored) report(1, "events without a MAC that checkpoint 1 does not cover (links from before keys must be)");
  }
  return {
    valid: firstBrokenSequence === null,
    eventCount,
    firstBrokenSequence,
    problems,
    checkpoint: coverage,
    consistentWithCheckpoint,
  };
}

function coverageOf(
  context: ServiceContext,
  found: { checkpoint: AuditCheckpointRecord; leaf: CheckpointLeaf | null } | null,
): CheckpointCoverage | null {
  if (!found?.leaf) return null;
  const { signer } = context.auditKeys;
  return {
    checkpoint: found.checkpoint,
    sequence: found.leaf.sequence,
    hash: found.leaf.hash,
    signatureValid:
      found.checkpoint.publicKeyId === signer.publicKeyId &&
      isCheckpointSignatureValid(signer.publicKey, found.checkpoint),
  };
}

function linksTo(event: AuditEventRecord, expectedSequence: number, previousHash: string | null): boolean {
  const recomputed = auditEventHash(event.previousHash, {
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
  });
  return event.sequence === expectedSequence && event.previousHash === previousHash && event.hash === recomputed;
}

/**
 * `Mutation.createAuditCheckpoint`: a signed checkpoint now, on an operator's demand. The
 * checkpoint records who asked in its signed content, and its record in the platform audit trail
 * (a checkpoint belongs to no tenant) has the operator as actor and the request's id; that
 * record is the event that publishes it (design §4, §9).
 */
export async function requestAuditCheckpoint(context: ServiceContext): Promise<AuditCheckpointRecord> {
  const { viewer } = context;
  if (viewer.tenantScope !== null || !hasCapability(viewer.principal, "checkpointAudit")) {
    throw new ForbiddenError("You do not have permission to perform this action");
  }
  const requestedBy = platformActorOf({ viewer, requestId: context.requestId, auditKeys: context.auditKeys });
  return context.sql.transaction((tx) => takeCheckpoint(tx, context.auditKeys.signer, requestedBy));
}

const CHECKPOINT_ID = /^[1-9][0-9]{0,18}$/;

/**
 * `Query.platformAuditEvents`: changes that belong to no tenant (webhook endpoints), newest
 * first, optionally one subject's; platform readers only. Nothing in them is tenant data, so
 * nothing is masked.
 */
export async function listPlatformAuditEvents(
  context: ServiceContext,
  args: PageArgs & { subjectId?: string | null },
): Promise<Page<PlatformAuditEventRecord>> {
  requirePlatformReader(context.viewer);
  const request = validatePageRequest(args);
  const subjectId = args.subjectId ?? null;
  // Subjects are endpoints (uuids, stored lowercase) and checkpoints (decimal ids); anything else names none.
  if (subjectId !== null && !isUuid(subjectId) && !CHECKPOINT_ID.test(subjectId)) return emptyPage(request);
  const after = request.after === null ? null : decodeCursor(PLATFORM_AUDIT_ORDER, request.after);
  const rows = await platformAuditRows(context.sql, subjectId?.toLowerCase() ?? null, after, request.first + 1);
  return toPage(rows, request, PLATFORM_AUDIT_ORDER, null);
}
