import { appendAuditEvent, change, type AuditChanges } from "../audit/audit-store.ts";
import { hasCapability } from "../authorization/capabilities.ts";
import { requirePlatformReader, requireWriteCapability } from "../authorization/guards.ts";
import { maskAuditEvent, maskTenant } from "../authorization/masking.ts";
import { canSeeTenant, type Viewer } from "../authorization/viewer.ts";
import { isUniqueViolation } from "../database/failures.ts";
import type { AuditEventRecord, TenantRecord, TenantStatus } from "../domain-types.ts";
import { fail, InvalidArgumentError, succeed, type Outcome, type UserError } from "../errors.ts";
import { deriveOperability } from "../lifecycle/operability.ts";
import { runMutation } from "../mutation-runner.ts";
import { mapPage, validatePageRequest, type Page, type PageArgs } from "../pagination.ts";
import type { ServiceContext } from "../service-context.ts";
import { isStorableText, TEXT_LIMITS } from "../text.ts";
import { validateName, validateSlug } from "./tenant-input.ts";
import {
  insertTenant,
  isSlugTaken,
  lockTenant,
  renameTenant,
  SLUG_CONSTRAINT,
  type TenantListFilter,
} from "./tenant-store.ts";

export interface TenantFilter {
  status?: TenantStatus[] | null;
  search?: string | null;
  selectable?: boolean | null;
  includeArchived?: boolean | null;
}

export interface TenantChangePayload {
  tenant: TenantRecord;
  /** null when the request changed nothing (no event is written for a no-op). */
  auditEvent: AuditEventRecord | null;
}

/** Reads apply visibility (absent when not visible) and masking on the way out. */
export function presentTenant(viewer: Viewer, tenant: TenantRecord | null): TenantRecord | null {
  return tenant && canSeeTenant(viewer, tenant) ? maskTenant(viewer, tenant) : null;
}

export function presentChange(viewer: Viewer, payload: TenantChangePayload): TenantChangePayload {
  return {
    tenant: maskTenant(viewer, payload.tenant),
    auditEvent: payload.auditEvent && maskAuditEvent(viewer, payload.auditEvent),
  };
}

/** One tenant by id or slug; null when absent or not visible to the viewer (never FORBIDDEN). */
export async function getTenant(
  context: ServiceContext,
  by: { id: string } | { slug: string },
): Promise<TenantRecord | null> {
  const tenant =
    "id" in by ? await context.read.tenants.byId.load(by.id) : await context.read.tenants.bySlug.load(by.slug);
  return presentTenant(context.viewer, tenant);
}

/** The list filter as the store takes it; a search term is bounded (a long term costs the database, not us). */
function listFilter(filter: TenantFilter | null | undefined): TenantListFilter {
  const search = filter?.search?.trim() || null;
  if (search !== null && search.length > TEXT_LIMITS.search) {
    throw new InvalidArgumentError(`filter.search must be at most ${TEXT_LIMITS.search} characters`, "filter");
  }
  if (search !== null && !isStorableText(search)) {
    throw new InvalidArgumentError("filter.search must be text without NUL or unpaired surrogates", "filter");
  }
  const statuses = filter?.status?.length ? filter.status : null;
  return {
    statuses,
    excludeArchived: statuses === null && !filter?.includeArchived,
    selectable: filter?.selectable ?? null,
    search,
  };
}

/** Platform readers only; newest first. */
export async function listTenants(
  context: ServiceContext,
  args: PageArgs & { filter?: TenantFilter | null },
): Promise<Page<TenantRecord>> {
  requirePlatformReader(context.viewer);
  const request = validatePageRequest(args);
  const page = await context.read.tenants.page(listFilter(args.filter), request);
  return mapPage(page, (tenant) => maskTenant(context.viewer, tenant));
}

export interface CreateTenantInput {
  slug: string;
  name: string;
  idempotencyKey?: string | null;
}

export async function createTenant(
  context: ServiceContext,
  input: CreateTenantInput,
): Promise<Outcome<TenantChangePayload>> {
  requireWriteCapability(context.viewer, ["administerTenants"]);
  const errors: UserError[] = [];
  const slugError = validateSlug(input.slug, ["input", "slug"]);
  if (slugError) errors.push(slugError);
  const name = validateName(input.name, ["input", "name"]);
  if ("error" in name) errors.push(name.error);
  if (errors.length > 0 || "error" in name) return { ok: false, errors };

  const spec = { name: "createTenant", input: { ...input }, idempotencyKey: input.idempotencyKey };
  try {
    const outcome = await runMutation(context, spec, async (tx) => {
      if (await isSlugTaken(tx, input.slug)) return slugTaken(input.slug);
      const tenant = await insertTenant(tx, { slug: input.slug, name: name.name });
      const auditEvent = await appendAuditEvent(tx, context, {
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
    });
    return outcome.ok ? succeed(presentChange(context.viewer, outcome.value)) : outcome;
  } catch (error) {
    // Two creators of one slug: the loser's insert waits for the winner's commit, then violates the unique index.
    if (isUniqueViolation(error, SLUG_CONSTRAINT)) return slugTaken(input.slug);
    throw error;
  }
}

function slugTaken(slug: string): Outcome<never> {
  return fail("SLUG_TAKEN", `The slug "${slug}" is already taken`, ["input", "slug"]);
}

export interface UpdateTenantInput {
  tenantId: string;
  name?: string | null;
  slug?: string | null;
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

export async function updateTenant(
  context: ServiceContext,
  input: UpdateTenantInput,
): Promise<Outcome<TenantChangePayload>> {
  const { viewer } = context;
  requireWriteCapability(viewer, ["administerTenants", "administerOwnTenant"]);
  const asOperator = hasCapability(viewer.principal, "administerTenants");
  if (input.slug !== undefined && input.slug !== null && !asOperator) {
    requireWriteCapability(viewer, ["administerTenants"]);
  }
  const errors: UserError[] = [];
  let newName: string | undefined;
  if (input.name !== undefined && input.name !== null) {
    const validated = validateName(input.name, ["input", "name"]);
    if ("error" in validated) errors.push(validated.error);
    else newName = validated.name;
  }
  const newSlug = input.slug ?? undefined;
  if (newSlug !== undefined) {
    const slugError = validateSlug(newSlug, ["input", "slug"]);
    if (slugError) errors.push(slugError);
  }
  if (errors.length === 0 && newName === undefined && newSlug === undefined) {
    errors.push({ code: "INVALID_INPUT", message: "Give a name or a slug to change", field: ["input"] });
  }
  if (errors.length > 0) return { ok: false, errors };

  const spec = { name: "updateTenant", input: { ...input }, idempotencyKey: input.idempotencyKey };
  try {
    const outcome = await runMutation<TenantChangePayload>(context, spec, async (tx) => {
      const current = await lockTenant(tx, input.tenantId);
      if (!current || !canWrite(viewer, current)) return fail("NOT_FOUND", "Tenant not found", ["input", "tenantId"]);
      if (!asOperator && !deriveOperability(current.status, null).actionable) {
        return fail("PRECONDITION_FAILED", `A ${current.status} tenant cannot be changed by its users`, [
          "input",
          "tenantId",
        ]);
      }
      if (input.expectedVersion != null && input.expectedVersion !== current.version) {
        return fail("VERSION_CONFLICT", `Tenant is at version ${current.version}, not ${input.expectedVersion}`, [
          "input",
          "expectedVersion",
        ]);
      }
      const changes: AuditChanges = {};
      if (newName !== undefined && newName !== current.name) changes["name"] = change(current.name, newName);
      if (newSlug !== undefined && newSlug !== current.slug) {
        if (await isSlugTaken(tx, newSlug)) return slugTaken(newSlug);
        changes["slug"] = change(current.slug, newSlug);
      }
      if (Object.keys(changes).length === 0) return succeed({ tenant: current, auditEvent: null });
      const tenant = await renameTenant(tx, current.id, { name: newName, slug: newSlug });
      changes["version"] = change(current.version, tenant.version);
      const auditEvent = await appendAuditEvent(tx, context, {
        tenantId: tenant.id,
        action: "tenant.updated",
        reason: null,
        changes,
      });
      return succeed({ tenant, auditEvent });
    });
    return outcome.ok ? succeed(presentChange(viewer, outcome.value)) : outcome;
  } catch (error) {
    if (newSlug !== undefined && isUniqueViolation(error, SLUG_CONSTRAINT)) return slugTaken(newSlug);
    throw error;
  }
}

/** Membership for writes: outside the viewer's slice a tenant is NOT_FOUND, exactly like absence. */
export function canWrite(viewer: Viewer, tenant: TenantRecord): boolean {
  return canSeeTenant(viewer, tenant);
}

/** A tenant-scoped viewer's own tenant (or the override target), when visible to tenant users. */
export async function getViewerTenant(context: ServiceContext): Promise<TenantRecord | null> {
  const scope = context.viewer.tenantScope;
  return scope ? getTenant(context, { id: scope.tenantId }) : null;
}
