import type { Prisma } from "../../generated/prisma/client.ts";
import { hasCapability } from "../authorization/capabilities.ts";
import { requirePlatformReader } from "../authorization/guards.ts";
import { maskAuditEvent } from "../authorization/masking.ts";
import { masksInternalFields, type Viewer } from "../authorization/viewer.ts";
import type { AuditEventRecord, TenantRecord } from "../domain-types.ts";
import {
  decodeCursor,
  decodeTimestampCursor,
  emptyPage,
  isUuid,
  toPage,
  validatePageRequest,
  type Page,
} from "../pagination.ts";
import type { ServiceContext } from "../service-context.ts";
import { escapeLikePattern } from "../database/like-pattern.ts";
import { isStorableText } from "../database/text.ts";
import { auditEventHash, type JsonValue } from "./audit-hash.ts";
import { InvalidArgumentError } from "../errors.ts";

export const LIFECYCLE_ACTION_PREFIX = "tenant.lifecycle.";
const CHAIN_BATCH_SIZE = 1000;
const MAX_SEQUENCE = 2_147_483_647;

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

function maskPage(viewer: Viewer, page: Page<AuditEventRecord>): Page<AuditEventRecord> {
  return { ...page, items: page.items.map((item) => ({ ...item, node: maskAuditEvent(viewer, item.node) })) };
}

/**
 * A tenant's events, newest first (`Tenant.auditEvents`, and `lifecycle.history` with the
 * lifecycle prefix). The tenant was already judged visible. Platform readers and the tenant's
 * admins get events (masked for the latter); a tenant member gets an empty connection, since
 * an error would null the whole tenant.
 */
export async function listTenantAuditEvents(
  context: ServiceContext,
  tenant: Pick<TenantRecord, "id">,
  args: PageArgs & { actionPrefix?: string },
): Promise<Page<AuditEventRecord>> {
  const request = validatePageRequest(args.first, args.after);
  const { viewer } = context;
  const allowed = masksInternalFields(viewer)
    ? viewer.tenantScope?.isAdmin === true
    : hasCapability(viewer.principal, "readPlatform") || hasCapability(viewer.principal, "operateRuns");
  if (!allowed) return emptyPage();
  const where: Prisma.AuditEventWhereInput = {
    tenantId: tenant.id,
    ...(args.actionPrefix ? { action: { startsWith: escapeLikePattern(args.actionPrefix) } } : {}),
  };
  let beforeSequence: number | null = null;
  if (request.after) {
    const position = decodeCursor(request.after);
    beforeSequence = Number(position.sortKey);
    // encodeCursor writes the sequence in decimal; it is a positive int4 in the database.
    if (!/^[1-9][0-9]{0,9}$/.test(position.sortKey) || beforeSequence > MAX_SEQUENCE || position.id !== tenant.id) {
      throw new InvalidArgumentError("after is not a cursor returned by this API", "after");
    }
  }
  const [rows, totalCount] = await Promise.all([
    context.db.auditEvent.findMany({
      where: beforeSequence === null ? where : { ...where, sequence: { lt: beforeSequence } },
      orderBy: { sequence: "desc" },
      take: request.first + 1,
    }),
    context.db.auditEvent.count({ where }),
  ]);
  return maskPage(
    viewer,
    toPage(rows, request, totalCount, (row) => ({ sortKey: String(row.sequence), id: row.tenantId })),
  );
}

/**
 * `Query.auditEvents`: platform readers only, newest first; the tenant filter defaults to the
 * remembered tenant context.
 */
export async function listAuditEvents(
  context: ServiceContext,
  args: PageArgs & { filter?: { tenantId?: string | null; action?: string | null } | null },
): Promise<Page<AuditEventRecord>> {
  requirePlatformReader(context.viewer);
  const request = validatePageRequest(args.first, args.after);
  const tenantId = args.filter?.tenantId ?? context.viewer.contextTenantId;
  if (tenantId && !isUuid(tenantId)) return emptyPage();
  const action = args.filter?.action?.trim();
  if (action && !isStorableText(action)) return emptyPage();
  const where: Prisma.AuditEventWhereInput = {
    ...(tenantId ? { tenantId: tenantId.toLowerCase() } : {}),
    ...(action ? { action: { startsWith: escapeLikePattern(action) } } : {}),
  };
  const cursor = request.after ? decodeTimestampCursor(request.after) : null;
  const pageWhere: Prisma.AuditEventWhereInput = cursor
    ? { AND: [where, { OR: [{ occurredAt: { lt: cursor.at } }, { occurredAt: cursor.at, id: { lt: cursor.id } }] }] }
    : where;
  const [rows, totalCount] = await Promise.all([
    context.db.auditEvent.findMany({
      where: pageWhere,
      orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
      take: request.first + 1,
    }),
    context.db.auditEvent.count({ where }),
  ]);
  return toPage(rows, request, totalCount, (row) => ({ sortKey: row.occurredAt.toISOString(), id: row.id }));
}

export interface AuditChainVerification {
  valid: boolean;
  eventCount: number;
  firstBrokenSequence: number | null;
}

/**
 * Recomputes a tenant's chain from the stored rows: sequences must run 1, 2, 3 …, each
 * previousHash must be the prior event's hash and each hash must match its content.
 */
export async function verifyAuditChain(context: ServiceContext, tenantId: string): Promise<AuditChainVerification> {
  requirePlatformReader(context.viewer);
  if (!isUuid(tenantId)) return { valid: true, eventCount: 0, firstBrokenSequence: null };
  let expectedSequence = 1;
  let previousHash: string | null = null;
  let firstBrokenSequence: number | null = null;
  let eventCount = 0;
  for (;;) {
    const batch: AuditEventRecord[] = await context.db.auditEvent.findMany({
      where: { tenantId: tenantId.toLowerCase(), sequence: { gte: expectedSequence } },
      orderBy: { sequence: "asc" },
      take: CHAIN_BATCH_SIZE,
    });
    for (const event of batch) {
      eventCount += 1;
      if (firstBrokenSequence === null) {
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
        if (event.sequence !== expectedSequence || event.previousHash !== previousHash || event.hash !== recomputed) {
          firstBrokenSequence = Math.min(event.sequence, expectedSequence);
        }
      }
      previousHash = event.hash;
      expectedSequence = event.sequence + 1;
    }
    if (batch.length < CHAIN_BATCH_SIZE) break;
  }
  return { valid: firstBrokenSequence === null, eventCount, firstBrokenSequence };
}
