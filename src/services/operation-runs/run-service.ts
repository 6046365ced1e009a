import { change, type AuditChanges } from "../audit/audit-store.ts";
import {
  presentAnyTenantRun,
  presentRun,
  presentTenant,
  presentTenantRun,
  type Presented,
} from "../authorization/presentation.ts";
import { allTenantsAccess } from "../authorization/viewer.ts";
import {
  OperationKind,
  OperationRunStatus,
  TenantStatus,
  type OperationRunRecord,
  type TenantRecord,
} from "../../domain/vocabulary.ts";
import { fail, succeed, type Outcome } from "../errors.ts";
import { defineMutation, versionConflict } from "../mutation.ts";
import { emptyPage, mapPage, validatePageRequest, type Page, type PageArgs } from "../pagination.ts";
import type { UserError } from "../../domain/user-errors.ts";
import type { ServiceContext } from "../service-context.ts";
import { NO_TENANT_ID, readTenant } from "../tenants/tenant-store.ts";
import { isUuid, TEXT_LIMITS, validateText } from "../text.ts";
import { isFinalRunStatus, mayRunMoveTo } from "../../domain/run-states.ts";
import {
  findOperationRun,
  latestRunStatus,
  openOperationRun,
  updateOperationRunState,
  type RunListFilter,
} from "./run-store.ts";
import { validateTimeRange } from "../time-range.ts";
import { runStartBlocked } from "../../domain/tenant-actions.ts";

export interface OperationRunFilter {
  tenantId?: string | null;
  status?: OperationRunStatus[] | null;
  kind?: OperationKind[] | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

/**
 * Runs by id, each judged by its tenant: the canonical viewer rule (never narrowed by
 * X-Tenant-Context). Batched: the runs in one statement, their tenants in another — sent for an
 * id that names no run too (§3: a run of a tenant the caller may not see costs what an unknown
 * id costs; only text that cannot be an id costs nothing).
 */
export async function getOperationRunsByIds(
  context: ServiceContext,
  ids: readonly string[],
): Promise<(Presented<OperationRunRecord> | null)[]> {
  const runs = (await context.read.runs.byId.loadMany(ids)).map((run) => (run instanceof Error ? null : run));
  const tenantIds = ids.flatMap((id, index) => (isUuid(id) ? [runs[index]?.tenantId ?? NO_TENANT_ID] : []));
  const tenants = new Map(
    (await context.read.tenants.byId.loadMany(tenantIds)).flatMap((tenant) =>
      tenant && !(tenant instanceof Error) ? [[tenant.id, tenant] as const] : [],
    ),
  );
  return runs.map((run) => presentRun(context.viewer, run, run ? (tenants.get(run.tenantId) ?? null) : null));
}

export async function getOperationRun(
  context: ServiceContext,
  id: string,
): Promise<Presented<OperationRunRecord> | null> {
  const [run] = await getOperationRunsByIds(context, [id]);
  return run ?? null;
}

function listFilter(filter: OperationRunFilter | null | undefined): RunListFilter {
  return {
    statuses: filter?.status?.length ? filter.status : null,
    kinds: filter?.kind?.length ? filter.kind : null,
    created: validateTimeRange(filter?.createdAfter, filter?.createdBefore, {
      after: "createdAfter",
      before: "createdBefore",
    }),
  };
}

/** `Query.operationRuns`: the tenant filter defaults to the remembered tenant context. */
export async function listOperationRuns(
  context: ServiceContext,
  args: PageArgs & { filter?: OperationRunFilter | null },
): Promise<Page<Presented<OperationRunRecord>>> {
  const { viewer } = context;
  const request = validatePageRequest(args);
  const requested = args.filter?.tenantId ?? viewer.contextTenantId;
  if (viewer.tenantScope !== null) {
    // A tenant-scoped viewer lists its own tenant's runs, while it sees that tenant.
    const own = viewer.tenantScope.tenantId;
    if (requested && requested.toLowerCase() !== own) return emptyPage(request);
    const tenant = presentTenant(viewer, await context.read.tenants.byId.load(own));
    if (!tenant) return emptyPage(request);
    const page = await context.read.runs.page({ ...listFilter(args.filter), tenantId: own }, request);
    return mapPage(page, (run) => presentTenantRun(viewer, tenant, run));
  }
  // A caller who sees no tenant at all (a token without any capability) sees no runs.
  const access = allTenantsAccess(viewer);
  if (!access || (requested && !isUuid(requested))) return emptyPage(request);
  const page = await context.read.runs.page(
    { ...listFilter(args.filter), tenantId: requested ? requested.toLowerCase() : null },
    request,
  );
  return mapPage(page, (run) => presentAnyTenantRun(access, run));
}

/** `Tenant.operationRuns` of a tenant the viewer already sees; batched across the tenants of a page. */
export async function listTenantOperationRuns(
  context: ServiceContext,
  tenant: Presented<TenantRecord>,
  args: PageArgs & { filter?: OperationRunFilter | null },
): Promise<Page<Presented<OperationRunRecord>>> {
  const page = await context.read.runs.tenantPage(tenant.id, listFilter(args.filter), validatePageRequest(args));
  return mapPage(page, (run) => presentTenantRun(context.viewer, tenant, run));
}

export interface OperationRunResult {
  operationRun: OperationRunRecord;
  tenant: TenantRecord;
}

export interface OperationRunPayload {
  operationRun: Presented<OperationRunRecord> | null;
}

function presentRunPayload(viewer: ServiceContext["viewer"], result: OperationRunResult): OperationRunPayload {
  return { operationRun: presentRun(viewer, result.operationRun, result.tenant) };
}

export interface StartOperationRunInput {
  tenantId: string;
  kind: OperationKind;
  summary?: string | null;
  idempotencyKey?: string | null;
}

/**
 * Operators start DATA_EXPORT and MAINTENANCE runs on actionable tenants; a DEPROVISION run
 * can be retried while the tenant is DEPROVISIONING and none is open (docs/design.md §2).
 */
export const startOperationRun = defineMutation({
  write: "startOperationRun",
  validate(input: StartOperationRunInput): Outcome<StartOperationRunInput & { summary: string | null }> {
    if (input.kind === OperationKind.ONBOARDING) {
      return fail("INVALID_INPUT", "ONBOARDING runs are opened by the START_ONBOARDING transition", ["input", "kind"]);
    }
    const summary = validateText(input.summary, {
      field: ["input", "summary"],
      label: "summary",
      maxLength: TEXT_LIMITS.summary,
    });
    return "error" in summary ? { ok: false, errors: [summary.error] } : succeed({ ...input, summary: summary.value });
  },
  tenantToWrite: (tx, valid) => readTenant(tx, valid.tenantId),
  tenantIdIn: (valid) => valid.tenantId,
  notFound: { code: "NOT_FOUND", message: "Tenant not found", field: ["input", "tenantId"] },
  async work({ tx, viewer, valid, tenant, audit }): Promise<Outcome<OperationRunResult>> {
    // A DEPROVISION retry depends on the latest DEPROVISION run (domain/tenant-actions.ts).
    const latestDeprovisionRunStatus =
      valid.kind === OperationKind.DEPROVISION && tenant.status === TenantStatus.DEPROVISIONING
        ? await latestRunStatus(tx, tenant.id, OperationKind.DEPROVISION)
        : null;
    const blocked = runStartBlocked(valid.kind, { status: tenant.status, latestDeprovisionRunStatus });
    if (blocked) {
      return fail("PRECONDITION_FAILED", blocked, [
        "input",
        valid.kind === OperationKind.DEPROVISION ? "kind" : "tenantId",
      ]);
    }
    const operationRun = await openOperationRun(tx, viewer.principal, {
      tenantId: tenant.id,
      kind: valid.kind,
      status: OperationRunStatus.QUEUED,
      summary: valid.summary,
    });
    await audit({
      action: "operation_run.started",
      reason: null,
      changes: {
        operationRunId: change(null, operationRun.id),
        kind: change(null, operationRun.kind),
        status: change(null, operationRun.status),
      },
    });
    return succeed({ operationRun, tenant });
  },
  tenantOf: (result) => result.tenant.id,
  present: presentRunPayload,
});

export interface UpdateOperationRunInput {
  id: string;
  status?: OperationRunStatus | null;
  progress?: number | null;
  summary?: string | null;
  failureReason?: string | null;
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

interface ValidRunUpdate extends UpdateOperationRunInput {
  summary: string | null;
  failureReason: string | null;
  changesSummary: boolean;
  changesFailureReason: boolean;
}

const runNotFound = (): Outcome<never> => fail("NOT_FOUND", "Operation run not found", ["input", "id"]);

/** Workers report progress and outcomes; every change is audited on the run's tenant. */
export const updateOperationRun = defineMutation({
  write: "updateOperationRun",
  validate(input: UpdateOperationRunInput): Outcome<ValidRunUpdate> {
    const errors: UserError[] = [];
    if (input.progress != null && (!Number.isFinite(input.progress) || input.progress < 0 || input.progress > 1)) {
      errors.push({ code: "INVALID_INPUT", message: "progress must be between 0 and 1", field: ["input", "progress"] });
    }
    const summary = validateText(input.summary, {
      field: ["input", "summary"],
      label: "summary",
      maxLength: TEXT_LIMITS.summary,
    });
    if ("error" in summary) errors.push(summary.error);
    const failureReason = validateText(input.failureReason, {
      field: ["input", "failureReason"],
      label: "failureReason",
      maxLength: TEXT_LIMITS.failureReason,
    });
    if ("error" in failureReason) errors.push(failureReason.error);
    if (input.status == null && input.progress == null && input.summary == null && input.failureReason == null) {
      errors.push({
        code: "INVALID_INPUT",
        message: "Give a status, progress, summary or failureReason to change",
        field: ["input"],
      });
    }
    if ("error" in summary || "error" in failureReason || errors.length > 0) return { ok: false, errors };
    return succeed({
      ...input,
      summary: summary.value,
      failureReason: failureReason.value,
      changesSummary: input.summary != null,
      changesFailureReason: input.failureReason != null,
    });
  },
  // The run's tenant is locked: that orders this event in the tenant's audit chain and serializes run updates.
  // Its tenant is read for an unknown run too, so a run the caller may not see costs what an unknown one does.
  tenantToWrite: async (tx, valid) => {
    if (!isUuid(valid.id)) return null;
    return readTenant(tx, (await findOperationRun(tx, valid.id))?.tenantId ?? NO_TENANT_ID);
  },
  notFound: { code: "NOT_FOUND", message: "Operation run not found", field: ["input", "id"] },
  async work({ tx, valid, tenant, audit }): Promise<Outcome<OperationRunResult>> {
    // Read again under the lock: a concurrent update may have committed since.
    const run = await findOperationRun(tx, valid.id);
    if (!run || run.tenantId !== tenant.id) return runNotFound();
    if (valid.expectedVersion != null && valid.expectedVersion !== run.version) {
      return versionConflict("Operation run", run.version, valid.expectedVersion);
    }
    const nextStatus = valid.status ?? run.status;
    if (valid.status != null && !mayRunMoveTo(run.status, valid.status)) {
      return fail("INVALID_TRANSITION", `An operation run cannot go from ${run.status} to ${valid.status}`, [
        "input",
        "status",
      ]);
    }
    if (valid.status == null && isFinalRunStatus(run.status)) {
      return fail("INVALID_TRANSITION", `The operation run is ${run.status} and can no longer change`, ["input", "id"]);
    }
    const now = new Date();
    const updated = await updateOperationRunState(tx, run.id, {
      status: nextStatus,
      progress: valid.progress ?? (nextStatus === OperationRunStatus.SUCCEEDED ? 1 : run.progress),
      summary: valid.changesSummary ? valid.summary : run.summary,
      failureReason: valid.changesFailureReason ? valid.failureReason : run.failureReason,
      startedAt: run.startedAt ?? (nextStatus === OperationRunStatus.RUNNING ? now : null),
      finishedAt: isFinalRunStatus(nextStatus) ? (run.finishedAt ?? now) : null,
    });
    const changes: AuditChanges = { operationRunId: change(run.id, run.id) };
    for (const field of ["status", "progress", "summary", "failureReason"] as const) {
      if (updated[field] !== run[field]) changes[field] = change(run[field], updated[field]);
    }
    changes["version"] = change(run.version, updated.version);
    await audit({ action: "operation_run.updated", reason: null, changes });
    return succeed({ operationRun: updated, tenant });
  },
  tenantOf: (result) => result.tenant.id,
  present: presentRunPayload,
});
