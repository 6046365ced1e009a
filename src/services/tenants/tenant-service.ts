import { change, type AuditChanges } from "../audit/audit-store.ts";
import {
  presentAuditEvent,
  presentPlatformTenant,
  presentTenant,
  type Presented,
} from "../authorization/presentation.ts";
import { requirePlatformReader, type Viewer } from "../authorization/viewer.ts";
import { isUniqueViolation } from "../database/failures.ts";
import { TenantStatus, type AuditEventRecord, type TenantRecord } from "../../domain/vocabulary.ts";
import { fail, InvalidArgumentError, succeed, type Outcome } from "../errors.ts";
import { deriveOperability } from "../../domain/operability.ts";
import { tenantChangeBlocked } from "../../domain/tenant-actions.ts";

const ALL_TENANT_STATUSES: readonly TenantStatus[] = Object.values(TenantStatus);
import { defineCreation, defineMutation } from "../mutation.ts";
import { mapPage, validatePageRequest, type Page, type PageArgs } from "../pagination.ts";
import type { UserError } from "../../domain/user-errors.ts";
import type { ServiceContext } from "../service-context.ts";
import { characterLength, hasControlCharacters, isStorableText, TEXT_LIMITS } from "../text.ts";
import { validateTimeRange } from "../time-range.ts";
import { validateName, validateSlug } from "./tenant-input.ts";
import {
  insertTenant,
  isSlugTaken,
  readTenant,
  renameTenant,
  SLUG_CONSTRAINT,
  type TenantListFilter,
} from "./tenant-store.ts";

export interface TenantFilter {
  status?: TenantStatus[] | null;
  search?: string | null;
  selectable?: boolean | null;
  includeArchived?: boolean | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/** What a tenant change writes: the tenant as it now is, and the event (null for a no-op). */
export interface TenantChange {
  tenant: TenantRecord;
  auditEvent: AuditEventRecord | null;
}

/** A tenant change as the caller may see it. */
export interface TenantChangePayload {
  tenant: Presented<TenantRecord> | null;
  auditEvent: Presented<AuditEventRecord> | null;
}

export function presentChange(viewer: Viewer, result: TenantChange): TenantChangePayload {
  const tenant = presentTenant(viewer, result.tenant);
  return {
    tenant,
    auditEvent: tenant && result.auditEvent ? presentAuditEvent(viewer, tenant, result.auditEvent) : null,
  };
}

/** One tenant by id or slug; null when absent or not visible to the viewer (never FORBIDDEN). */
export async function getTenant(
  context: ServiceContext,
  by: { id: string } | { slug: string },
): Promise<Presented<TenantRecord> | null> {
  const tenant =
    "id" in by ? await context.read.tenants.byId.load(by.id) : await context.read.tenants.bySlug.load(by.slug);
  return presentTenant(context.viewer, tenant);
}

/** A tenant-scoped viewer's own tenant (or the override target), when visible to tenant users. */
export async function getViewerTenant(context: ServiceContext): Promise<Presented<TenantRecord> | null> {
  const scope = context.viewer.tenantScope;
  return scope ? getTenant(context, { id: scope.tenantId }) : null;
}

/** The list filter as the store takes it; a search term is bounded (a long term costs the database, not us). */
function listFilter(filter: TenantFilter | null | undefined): TenantListFilter {
  const search = filter?.search?.trim() || null;
  // Characters as every other text limit counts them (code points): a name of 200 emoji is
  // storable, so a search for it must be accepted.
  if (search !== null && characterLength(search) > TEXT_LIMITS.search) {
    throw new InvalidArgumentError(`filter.search must be at most ${TEXT_LIMITS.search} characters`, "filter");
  }
  if (search !== null && (!isStorableText(search) || hasControlCharacters(search, { allowLineBreaks: false }))) {
    throw new InvalidArgumentError(
      "filter.search must be text without control characters or unpaired surrogates",
      "filter",
    );
  }
  const created = validateTimeRange(filter?.createdAfter, filter?.createdBefore, {
    after: "createdAfter",
    before: "createdBefore",
  });
  return { statuses: listedStatuses(filter), search, created };
}

/**
 * The statuses a filter lists, null for all: `status` when given, else every status but ARCHIVED
 * unless `includeArchived`; `selectable` narrows to (or excludes) the selectable statuses.
 */
export function listedStatuses(filter: TenantFilter | null | undefined): TenantStatus[] | null {
  const named = filter?.status?.length ? [...new Set(filter.status)] : null;
  let statuses =
    named ??
    (filter?.includeArchived ? null : ALL_TENANT_STATUSES.filter((status) => status !== TenantStatus.ARCHIVED));
  const selectable = filter?.selectable ?? null;
  if (selectable !== null) {
    statuses = (statuses ?? ALL_TENANT_STATUSES).filter(
      (status) => deriveOperability(status, null).selectable === selectable,
    );
  }
  return statuses;
}

/** Platform readers only; newest first. */
export async function listTenants(
  context: ServiceContext,
  args: PageArgs & { filter?: TenantFilter | null },
): Promise<Page<Presented<TenantRecord>>> {
  const access = requirePlatformReader(context.viewer);
  const page = await context.read.tenants.page(listFilter(args.filter), validatePageRequest(args));
  return mapPage(page, (tenant) => presentPlatformTenant(access, tenant));
}

export interface TenantStatusCount {
  status: TenantStatus;
  count: number;
}

/**
 * Every status with its number of tenants (zero included), in the enum's order: exact, read from
 * the maintained counters in one statement. Platform readers only, like the list it summarises.
 */
export async function countTenantsPerStatus(context: ServiceContext): Promise<TenantStatusCount[]> {
  requirePlatformReader(context.viewer);
  const counts = await context.read.tenants.countsPerStatus();
  return ALL_TENANT_STATUSES.map((status) => ({ status, count: counts.get(status) ?? 0 }));
}

function slugTaken(slug: string): UserError {
  return { code: "SLUG_TAKEN", message: `The slug "${slug}" is already taken`, field: ["input", "slug"] };
}

/** Two creators of one slug: the loser's write waits for the winner's commit, then violates the unique index. */
function lostSlugRace(error: unknown, slug: string | undefined): UserError | null {
  return slug !== undefined && isUniqueViolation(error, SLUG_CONSTRAINT) ? slugTaken(slug) : null;
}

export interface CreateTenantInput {
  slug: string;
  name: string;
  idempotencyKey?: string | null;
}

export const createTenant = defineCreation({
  write: "createTenant",
  validate(input: CreateTenantInput): Outcome<{ slug: string; name: string }> {
    const errors: UserError[] = [];
    const slugError = validateSlug(input.slug, ["input", "slug"]);
    if (slugError) errors.push(slugError);
    const name = validateName(input.name, ["input", "name"]);
    if ("error" in name) errors.push(name.error);
    return errors.length > 0 || "error" in name
      ? { ok: false, errors }
      : succeed({ slug: input.slug, name: name.name });
  },
  async work({ tx, valid, audit }): Promise<Outcome<TenantChange>> {
    if (await isSlugTaken(tx, valid.slug)) return { ok: false, errors: [slugTaken(valid.slug)] };
    const tenant = await insertTenant(tx, valid);
    const auditEvent = await audit({
      tenantId: tenant.id,
      action: "tenant.created",
      reason: null,
      changes: {
        slug: change(null, tenant.slug),
        name: change(null, tenant.name),
        status: change(null, tenant.status),
      },
    });
    return succeed({ tenant, auditEvent });
  },
  tenantOf: (result) => result.tenant.id,
  present: presentChange,
  translateError: (error, valid) => lostSlugRace(error, valid.slug),
});

export interface UpdateTenantInput {
  tenantId: string;
  name?: string | null;
  slug?: string | null;
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

interface ValidUpdate {
  tenantId: string;
  name?: string;
  slug?: string;
  expectedVersion?: number | null;
}

export const updateTenant = defineMutation({
  // Renaming is for operators and the tenant's admins; changing the slug for operators only.
  write: "updateTenant",
  alsoWrites: (input: UpdateTenantInput) => (input.slug == null ? [] : ["changeSlug"]),
  validate(input): Outcome<ValidUpdate> {
    const errors: UserError[] = [];
    const valid: ValidUpdate = { tenantId: input.tenantId, expectedVersion: input.expectedVersion };
    if (input.name != null) {
      const name = validateName(input.name, ["input", "name"]);
      if ("error" in name) errors.push(name.error);
      else valid.name = name.name;
    }
    if (input.slug != null) {
      const slugError = validateSlug(input.slug, ["input", "slug"]);
      if (slugError) errors.push(slugError);
      else valid.slug = input.slug;
    }
    if (errors.length === 0 && valid.name === undefined && valid.slug === undefined) {
      errors.push({ code: "INVALID_INPUT", message: "Give a name or a slug to change", field: ["input"] });
    }
    return errors.length > 0 ? { ok: false, errors } : succeed(valid);
  },
  tenantToWrite: (tx, valid) => readTenant(tx, valid.tenantId),
  tenantIdIn: (valid) => valid.tenantId,
  notFound: { code: "NOT_FOUND", message: "Tenant not found", field: ["input", "tenantId"] },
  expectedVersion: (valid) => valid.expectedVersion,
  async work({ tx, viewer, valid, tenant, audit }): Promise<Outcome<TenantChange>> {
    const blocked = tenantChangeBlocked({ status: tenant.status, tenantUser: viewer.tenantScope !== null });
    if (blocked) return fail("PRECONDITION_FAILED", blocked, ["input", "tenantId"]);
    const changes: AuditChanges = {};
    if (valid.name !== undefined && valid.name !== tenant.name) changes["name"] = change(tenant.name, valid.name);
    if (valid.slug !== undefined && valid.slug !== tenant.slug) {
      if (await isSlugTaken(tx, valid.slug)) return { ok: false, errors: [slugTaken(valid.slug)] };
      changes["slug"] = change(tenant.slug, valid.slug);
    }
    // Nothing to change: a success with no new version and no event.
    if (Object.keys(changes).length === 0) return succeed({ tenant, auditEvent: null });
    const updated = await renameTenant(tx, tenant.id, { name: valid.name, slug: valid.slug });
    changes["version"] = change(tenant.version, updated.version);
    const auditEvent = await audit({ action: "tenant.updated", reason: null, changes });
    return succeed({ tenant: updated, auditEvent });
  },
  tenantOf: (result) => result.tenant.id,
  present: presentChange,
  translateError: (error, valid) => lostSlugRace(error, valid.slug),
});
