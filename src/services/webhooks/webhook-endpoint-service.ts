// Webhook endpoints (docs/design.md §9): platform:operator manages them, platform readers read
// them; a secret is shown once, when it is made (creation, rotation), and never again.
import { EVENT_TYPES } from "../../domain/audit-actions.ts";
import { hasCapability } from "../../domain/capabilities.ts";
import type {
  PlatformAuditEventRecord,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookEndpointRecord,
} from "../../domain/vocabulary.ts";
import type { SqlRows } from "../database/sql.ts";
import { urlRefusal, type DestinationPolicy } from "../../events/destinations.ts";
import { newWebhookSecret } from "../../events/signing.ts";
import { requirePlatformReader, type Viewer } from "../authorization/viewer.ts";
import type { ServiceContext } from "../service-context.ts";
import type { AuditEventRecord } from "../../domain/vocabulary.ts";
import { auditEventsByIds, change } from "../audit/audit-store.ts";
import {
  appendPlatformAuditEvent,
  platformActorOf,
  platformEventsByIds,
  systemActor,
  type PlatformActor,
} from "../audit/platform-audit-store.ts";
import type { JsonValue } from "../canonical-json.ts";
import { presentAuditEvent, type Presented } from "../authorization/presentation.ts";
import {
  decodeCursor,
  encodeCursor,
  keysetOrder,
  validatePageRequest,
  type Page,
  type PageArgs,
  type PageRequest,
} from "../pagination.ts";
import { fail, ForbiddenError, succeed, type Outcome } from "../errors.ts";
import { characterLength, hasControlCharacters, isStorableText, isUuid } from "../text.ts";
import {
  attemptLogs,
  deleteEndpoint,
  deliveryPage,
  endpointPage,
  insertEndpoint,
  lockEndpoint,
  readEndpoint,
  replayDeliveries,
  rotateSecret,
  updateEndpoint,
} from "./webhook-store.ts";

const MAX_URL_LENGTH = 2000;
const MAX_DESCRIPTION_LENGTH = 500;
/** The longest overlap of an old and a new secret: a week. */
export const MAX_PREVIOUS_SECRET_SECONDS = 7 * 86_400;
const DEFAULT_PREVIOUS_SECRET_SECONDS = 86_400;
const CATALOGUED: ReadonlySet<string> = new Set(EVENT_TYPES);

/** Without configuration: https to public addresses only (production's rule). */
const STRICT_POLICY: DestinationPolicy = { allowHttp: false, allowLoopback: false, allowPrivateNetworks: false };
const policyOf = (context: ServiceContext) => context.webhookPolicy ?? STRICT_POLICY;

function requireManager(viewer: Viewer): void {
  if (
    viewer.tenantScope?.viaOperatorOverride ||
    viewer.tenantScope !== null ||
    !hasCapability(viewer.principal, "manageWebhooks")
  ) {
    throw new ForbiddenError("You do not have permission to perform this action");
  }
}

interface EndpointFields {
  url?: string | null;
  eventTypes?: readonly string[] | null;
  description?: string | null;
}

function checkFields(input: EndpointFields, policy: DestinationPolicy): Outcome<null> {
  if (input.url !== undefined && input.url !== null) {
    const url = input.url.trim();
    if (characterLength(url) > MAX_URL_LENGTH || hasControlCharacters(url, { allowLineBreaks: false })) {
      return fail("INVALID_INPUT", `url must be at most ${MAX_URL_LENGTH} characters, without control characters`, [
        "input",
        "url",
      ]);
    }
    const refusal = urlRefusal(url, policy);
    if (refusal) return fail("INVALID_INPUT", refusal, ["input", "url"]);
  }
  if (input.eventTypes) {
    const unknown = input.eventTypes.filter((type) => !CATALOGUED.has(type));
    if (unknown.length > 0) {
      return fail(
        "INVALID_INPUT",
        `unknown event types ${unknown
          .slice(0, 3)
          .map((type) => JSON.stringify(type.slice(0, 100)))
          .join(", ")}; the types are: ${EVENT_TYPES.join(", ")}`,
        ["input", "eventTypes"],
      );
    }
  }
  const description = input.description?.trim();
  if (
    description !== undefined &&
    (characterLength(description) > MAX_DESCRIPTION_LENGTH ||
      !isStorableText(description) ||
      hasControlCharacters(description, { allowLineBreaks: true }))
  ) {
    return fail(
      "INVALID_INPUT",
      `description must be at most ${MAX_DESCRIPTION_LENGTH} characters, without control characters`,
      ["input", "description"],
    );
  }
  return succeed(null);
}

export interface CreatedEndpoint {
  endpoint: WebhookEndpointRecord;
  /** Shown this once. */
  secret: string;
}

export async function createWebhookEndpoint(
  context: ServiceContext,
  input: { url: string; eventTypes?: readonly string[] | null; description?: string | null },
): Promise<Outcome<CreatedEndpoint>> {
  requireManager(context.viewer);
  const checked = checkFields(input, policyOf(context));
  if (!checked.ok) return checked;
  const secret = newWebhookSecret();
  const endpoint = await context.sql.transaction(async (tx) => {
    const created = await insertEndpoint(tx, {
      url: input.url.trim(),
      description: input.description?.trim() || null,
      eventTypes: [...new Set(input.eventTypes ?? [])],
      secret,
    });
    await appendPlatformAuditEvent(tx, writerOf(context), {
      action: "webhook_endpoint.created",
      subjectId: created.id,
      changes: fieldChanges(null, created),
    });
    return created;
  });
  return succeed({ endpoint, secret });
}

const writerOf = (context: ServiceContext): PlatformActor =>
  platformActorOf({ viewer: context.viewer, requestId: context.requestId, auditKeys: context.auditKeys });

/** The audited fields of an endpoint; never its secrets, which are not in the record. */
function auditedFields(endpoint: WebhookEndpointRecord | null): Record<string, JsonValue> {
  return {
    url: endpoint?.url ?? null,
    description: endpoint?.description ?? null,
    eventTypes: endpoint ? [...endpoint.eventTypes] : null,
    enabled: endpoint?.enabled ?? null,
    disabledReason: endpoint?.disabledReason ?? null,
    version: endpoint?.version ?? null,
  };
}

/** `{ field: { from, to } }` for the fields that differ (creation: from null; deletion: to null). */
function fieldChanges(
  before: WebhookEndpointRecord | null,
  after: WebhookEndpointRecord | null,
): Record<string, JsonValue> {
  const from = auditedFields(before);
  const to = auditedFields(after);
  const changes: Record<string, JsonValue> = {};
  for (const field of Object.keys(to)) {
    if (JSON.stringify(from[field]) !== JSON.stringify(to[field])) {
      changes[field] = change(from[field] ?? null, to[field] ?? null);
    }
  }
  return changes;
}

/** The actor of the changes the delivery loop makes to an endpoint. */
export const DELIVERY_LOOP_ACTOR = systemActor("webhook-delivery-loop");

/**
 * Audits an endpoint the delivery loop disabled (410, or every attempt failing for 5 days), in
 * the transaction that disabled it: a change the system makes is recorded like an operator's, as
 * `webhook_endpoint.updated` with the system as actor.
 */
export function auditEndpointDisabledBySystem(
  tx: SqlRows,
  disabled: { before: WebhookEndpointRecord; after: WebhookEndpointRecord },
): Promise<unknown> {
  return appendPlatformAuditEvent(tx, DELIVERY_LOOP_ACTOR, {
    action: "webhook_endpoint.updated",
    subjectId: disabled.after.id,
    changes: fieldChanges(disabled.before, disabled.after),
  });
}

const notFound = () => fail("NOT_FOUND", "No webhook endpoint with this id", ["input", "endpointId"]);

export async function updateWebhookEndpoint(
  context: ServiceContext,
  input: EndpointFields & { endpointId: string; enabled?: boolean | null; expectedVersion?: number | null },
): Promise<Outcome<{ endpoint: WebhookEndpointRecord }>> {
  requireManager(context.viewer);
  const checked = checkFields(input, policyOf(context));
  if (!checked.ok) return checked;
  if (!isUuid(input.endpointId)) return notFound();
  return context.sql.transaction(async (tx) => {
    const current = await lockEndpoint(tx, input.endpointId.toLowerCase());
    if (!current) return notFound();
    if (
      input.expectedVersion !== undefined &&
      input.expectedVersion !== null &&
      input.expectedVersion !== current.version
    ) {
      return fail("VERSION_CONFLICT", `The endpoint is at version ${current.version}`, ["input", "expectedVersion"]);
    }
    const enabled = input.enabled ?? current.enabled;
    const endpoint = await updateEndpoint(tx, current.id, {
      url: input.url?.trim() ?? current.url,
      description: input.description === undefined ? current.description : input.description?.trim() || null,
      eventTypes: input.eventTypes ? [...new Set(input.eventTypes)] : current.eventTypes,
      enabled,
      disabledReason: enabled ? null : (current.disabledReason ?? "disabled by an operator"),
    });
    await appendPlatformAuditEvent(tx, writerOf(context), {
      action: "webhook_endpoint.updated",
      subjectId: endpoint.id,
      changes: fieldChanges(current, endpoint),
    });
    return succeed({ endpoint });
  });
}

export async function rotateWebhookSecret(
  context: ServiceContext,
  input: { endpointId: string; previousSecretExpiresInSeconds?: number | null },
): Promise<Outcome<CreatedEndpoint>> {
  requireManager(context.viewer);
  const overlap = input.previousSecretExpiresInSeconds ?? DEFAULT_PREVIOUS_SECRET_SECONDS;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_PREVIOUS_SECRET_SECONDS) {
    return fail("INVALID_INPUT", `previousSecretExpiresInSeconds must be 0..${MAX_PREVIOUS_SECRET_SECONDS}`, [
      "input",
      "previousSecretExpiresInSeconds",
    ]);
  }
  if (!isUuid(input.endpointId)) return notFound();
  const secret = newWebhookSecret();
  return context.sql.transaction(async (tx) => {
    const current = await lockEndpoint(tx, input.endpointId.toLowerCase());
    if (!current) return notFound();
    const endpoint = await rotateSecret(tx, current.id, secret, overlap);
    await appendPlatformAuditEvent(tx, writerOf(context), {
      action: "webhook_endpoint.secret_rotated",
      subjectId: endpoint.id,
      changes: { ...fieldChanges(current, endpoint), previousSecretExpiresInSeconds: overlap },
    });
    return succeed({ endpoint, secret });
  });
}

export async function deleteWebhookEndpoint(
  context: ServiceContext,
  input: { endpointId: string },
): Promise<Outcome<{ deletedEndpointId: string }>> {
  requireManager(context.viewer);
  if (!isUuid(input.endpointId)) return notFound();
  return context.sql.transaction(async (tx) => {
    const current = await lockEndpoint(tx, input.endpointId.toLowerCase());
    if (!current) return notFound();
    await deleteEndpoint(tx, current.id);
    await appendPlatformAuditEvent(tx, writerOf(context), {
      action: "webhook_endpoint.deleted",
      subjectId: current.id,
      changes: fieldChanges(current, null),
    });
    return succeed({ deletedEndpointId: current.id });
  });
}

export async function replayWebhookDeliveries(
  context: ServiceContext,
  input: { endpointId: string; since: Date; until?: Date | null; onlyFailed?: boolean | null },
): Promise<Outcome<{ scheduled: number }>> {
  requireManager(context.viewer);
  if (!isUuid(input.endpointId)) return notFound();
  const until = input.until ?? new Date();
  if (until.getTime() <= input.since.getTime()) {
    return fail("INVALID_INPUT", "until must be after since", ["input", "until"]);
  }
  return context.sql.transaction(async (tx) => {
    const current = await lockEndpoint(tx, input.endpointId.toLowerCase());
    if (!current) return notFound();
    const onlyFailed = input.onlyFailed ?? true;
    const scheduled = await replayDeliveries(tx, current.id, input.since, until, onlyFailed);
    await appendPlatformAuditEvent(tx, writerOf(context), {
      action: "webhook_endpoint.deliveries_replayed",
      subjectId: current.id,
      changes: { since: input.since.toISOString(), until: until.toISOString(), onlyFailed, scheduled },
    });
    return succeed({ scheduled });
  });
}

// ---------------------------------------------------------------- reads (platform readers)

/** Endpoints and deliveries are listed oldest first; cursors name (createdAt, id). */
const ENDPOINT_ORDER = keysetOrder<{ createdAt: Date; id: string }>("webhookEndpoints", [
  { column: "created_at", type: "timestamptz", of: (row) => row.createdAt },
  { column: "id", type: "uuid", of: (row) => row.id },
]);
const DELIVERY_ORDER = keysetOrder<{ createdAt: Date; id: string }>("webhookDeliveries", [
  { column: "created_at", type: "timestamptz", of: (row) => row.createdAt },
  { column: "id", type: "uuid", of: (row) => row.id },
]);

function afterOf(
  order: typeof ENDPOINT_ORDER,
  cursor: string | null,
  scope = "",
): { createdAt: Date; id: string } | null {
  if (cursor === null) return null;
  const [createdAt, id] = decodeCursor(order, cursor, scope);
  return { createdAt: createdAt as Date, id: id as string };
}

function pageOf<Row extends { createdAt: Date; id: string }, Node>(
  rows: Row[],
  request: PageRequest,
  order: typeof ENDPOINT_ORDER,
  present: (row: Row) => Node,
  scope = "",
): Page<Node> {
  const hasNextPage = rows.length > request.first;
  return {
    items: (hasNextPage ? rows.slice(0, request.first) : rows).map((row) => ({
      node: present(row),
      cursor: encodeCursor(order, row, scope),
    })),
    hasNextPage,
    hasPreviousPage: request.after !== null,
    totalCount: null,
  };
}

export async function getWebhookEndpoint(context: ServiceContext, id: string): Promise<WebhookEndpointRecord | null> {
  requirePlatformReader(context.viewer);
  if (!isUuid(id)) return null;
  return readEndpoint(context.sql, id.toLowerCase());
}

export async function listWebhookEndpoints(
  context: ServiceContext,
  args: PageArgs,
): Promise<Page<WebhookEndpointRecord>> {
  requirePlatformReader(context.viewer);
  const request = validatePageRequest(args);
  const rows = await endpointPage(context.sql, afterOf(ENDPOINT_ORDER, request.after), request.first + 1);
  return pageOf(rows, request, ENDPOINT_ORDER, (row) => row);
}

/** A delivery with its event, as a platform reader sees it. */
export interface DeliveryWithEvent extends WebhookDeliveryRecord {
  event: Presented<AuditEventRecord> | null;
  /** Its recorded attempts, oldest first: read for the whole page at once, when first asked. */
  attemptLog(): Promise<WebhookAttemptRecord[]>;
}

/** One read of the page's attempt logs, made only if a delivery's log is selected. */
function pageAttemptLogs(
  sql: SqlRows,
  deliveryIds: readonly string[],
): (id: string) => Promise<WebhookAttemptRecord[]> {
  let logs: Promise<Map<string, WebhookAttemptRecord[]>> | null = null;
  return async (id) => {
    logs ??= attemptLogs(sql, deliveryIds).then((rows) => {
      const byDelivery = new Map<string, WebhookAttemptRecord[]>();
      for (const row of rows) {
        const log = byDelivery.get(row.deliveryId);
        if (log) log.push(row);
        else byDelivery.set(row.deliveryId, [row]);
      }
      return byDelivery;
    });
    return (await logs).get(id) ?? [];
  };
}

/** A delivery of a platform event (a checkpoint's), with its event. */
export interface PlatformDeliveryWithEvent extends WebhookDeliveryRecord {
  event: PlatformAuditEventRecord | null;
  attemptLog(): Promise<WebhookAttemptRecord[]>;
}

/** `WebhookEndpoint.platformEventDeliveries`: oldest first, like the tenant events' deliveries. */
export async function listPlatformEventDeliveries(
  context: ServiceContext,
  endpointId: string,
  args: PageArgs & { status?: readonly string[] | null },
): Promise<Page<PlatformDeliveryWithEvent>> {
  requirePlatformReader(context.viewer);
  const request = validatePageRequest(args);
  const rows = await deliveryPage(
    context.sql,
    endpointId,
    args.status ?? null,
    afterOf(DELIVERY_ORDER, request.after, `platform:${endpointId}`),
    request.first + 1,
    "platform",
  );
  const events = new Map(
    (
      await platformEventsByIds(
        context.sql,
        rows.map((row) => row.eventId),
      )
    ).map((event) => [event.id, event]),
  );
  const logOf = pageAttemptLogs(
    context.sql,
    rows.slice(0, request.first).map((row) => row.id),
  );
  return pageOf(
    rows,
    request,
    DELIVERY_ORDER,
    (row) => ({ ...row, event: events.get(row.eventId) ?? null, attemptLog: () => logOf(row.id) }),
    `platform:${endpointId}`,
  );
}

export async function listWebhookDeliveries(
  context: ServiceContext,
  endpointId: string,
  args: PageArgs & { status?: readonly string[] | null },
): Promise<Page<DeliveryWithEvent>> {
  const access = requirePlatformReader(context.viewer);
  const request = validatePageRequest(args);
  const rows = await deliveryPage(
    context.sql,
    endpointId,
    args.status ?? null,
    afterOf(DELIVERY_ORDER, request.after, endpointId),
    request.first + 1,
  );
  const events = new Map(
    (
      await auditEventsByIds(
        context.sql,
        rows.map((row) => row.eventId),
      )
    ).map((event) => [event.id, event]),
  );
  const logOf = pageAttemptLogs(
    context.sql,
    rows.slice(0, request.first).map((row) => row.id),
  );
  return pageOf(
    rows,
    request,
    DELIVERY_ORDER,
    (row) => {
      const event = events.get(row.eventId);
      return {
        ...row,
        event: event ? presentAuditEvent(context.viewer, access, event) : null,
        attemptLog: () => logOf(row.id),
      };
    },
    endpointId,
  );
}
