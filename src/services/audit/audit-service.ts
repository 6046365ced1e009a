import { hasAnyCapability } from "../../domain/capabilities.ts";
import { presentAuditEvent, type Presented } from "../authorization/presentation.ts";
import { requirePlatformReader } from "../authorization/viewer.ts";
import type { AuditEventRecord, TenantRecord } from "../../domain/vocabulary.ts";
import { InvalidArgumentError } from "../errors.ts";
import { emptyPage, mapPage, validatePageRequest, type Page, type PageArgs } from "../pagination.ts";
import type { ServiceContext } from "../service-context.ts";
import { isStorableText, isUuid } from "../text.ts";
import { validateTimeRange } from "../time-range.ts";
import type { JsonValue } from "../canonical-json.ts";
import { auditEventHash } from "./audit-hash.ts";

const CHAIN_BATCH_SIZE = 1000;
const MAX_ACTION_FILTER_LENGTH = 100;

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

export interface AuditChainVerification {
  valid: boolean;
  eventCount: number;
  firstBrokenSequence: number | null;
}

/**
 * Recomputes a tenant's chain from the stored rows, a batch at a time: sequences must run 1, 2,
 * 3 …, each previousHash must be the prior event's hash and each hash must match its content.
 */
export async function verifyAuditChain(context: ServiceContext, tenantId: string): Promise<AuditChainVerification> {
  requirePlatformReader(context.viewer);
  if (!isUuid(tenantId)) return { valid: true, eventCount: 0, firstBrokenSequence: null };
  let expectedSequence = 1;
  let previousHash: string | null = null;
  let firstBrokenSequence: number | null = null;
  let eventCount = 0;
  for await (const batch of context.read.audit.chain(tenantId.toLowerCase(), CHAIN_BATCH_SIZE)) {
    for (const event of batch) {
      eventCount += 1;
      if (firstBrokenSequence === null && !linksTo(event, expectedSequence, previousHash)) {
        firstBrokenSequence = Math.min(event.sequence, expectedSequence);
      }
      previousHash = event.hash;
      expectedSequence = event.sequence + 1;
    }
  }
  return { valid: firstBrokenSequence === null, eventCount, firstBrokenSequence };
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
