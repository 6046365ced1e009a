import { appendAuditEvent, change, type AuditChanges } from "../audit/audit-store.ts";
import { requireWriteCapability } from "../authorization/guards.ts";
import { maskOperationRun } from "../authorization/masking.ts";
import { canSeeTenant, seesAllTenants, type Viewer } from "../authorization/viewer.ts";
import {
  OperationKind,
  OperationRunStatus,
  TenantStatus,
  type OperationRunRecord,
  type TenantRecord,
} from "../domain-types.ts";
import { ForbiddenError, fail, succeed, type Outcome, type UserError } from "../errors.ts";
import { deriveOperability } from "../lifecycle/operability.ts";
import { runMutation } from "../mutation-runner.ts";
import { emptyPage, mapPage, validatePageRequest, type Page, type PageArgs } from "../pagination.ts";
import type { ServiceContext } from "../service-context.ts";
import { isUuid, TEXT_LIMITS, validateText } from "../text.ts";
import { canWrite } from "../tenants/tenant-service.ts";
import { lockTenant } from "../tenants/tenant-store.ts";
import { isFinalRunStatus, mayRunMoveTo } from "./run-states.ts";
import {
  findOperationRun,
  hasOpenRun,
  openOperationRun,
  updateOperationRunState,
  type RunListFilter,
} from "./run-store.ts";

export interface OperationRunFilter {
  tenantId?: string | null;
  status?: OperationRunStatus[] | null;
  kind?: OperationKind[] | null;
}

/**
 * The canonical viewer rule: a run is visible by its record and the viewer's entitlement only
 * (never narrowed by X-Tenant-Context). Tenant viewers see their tenant's runs while the
 * tenant is visible to them; platform readers and run operators see every run.
 */
function canSeeRun(viewer: Viewer, tenant: TenantRecord | null): boolean {
  return tenant !== null && canSeeTenant(viewer, tenant);
}

async function presentRuns(
  context: ServiceContext,
  runs: (OperationRunRecord | null)[],
): Promise<(OperationRunRecord | null)[]> {
  const tenants = await context.read.tenants.byId.loadMany(runs.map((run) => run?.tenantId ?? ""));
  return runs.map((run, index) => {
    const tenant = tenants[index];
    if (!run || tenant instanceof Error || !canSeeRun(context.viewer, tenant ?? null)) return null;
    return maskOperationRun(context.viewer, run);
  });
}

export async function getOperationRunsByIds(
  context: ServiceContext,
  ids: readonly string[],
): Promise<(OperationRunRecord | null)[]> {
  const runs = await context.read.runs.byId.loadMany(ids);
  return presentRuns(
    context,
    runs.map((run) => (run instanceof Error ? null : run)),
  );
}

export async function getOperationRun(context: ServiceContext, id: string): Promise<OperationRunRecord | null> {
  const [run] = await getOperationRunsByIds(context, [id]);
  return run ?? null;
}

function listFilter(filter: OperationRunFilter | null | undefined): RunListFilter {
  return {
    statuses: filter?.status?.length ? filter.status : null,
    kinds: filter?.kind?.length ? filter.kind : null,
  };
}

/** `Query.operationRuns`: the tenant filter defaults to the remembered tenant context. */
export async function listOperationRuns(
  context: ServiceContext,
  args: PageArgs & { filter?: OperationRunFilter | null },
): Promise<Page<OperationRunRecord>> {
  const { viewer } = context;
  if (viewer.tenantScope === null && !seesAllTenants(viewer)) {
    throw new ForbiddenError("You do not have permission to perform this action");
  }
  const request = validatePageRequest(args);
  let tenantId = args.filter?.tenantId ?? viewer.contextTenantId;
  if (viewer.tenantScope !== null) {
    const own = viewer.tenantScope.tenantId;
    if (tenantId && tenantId.toLowerCase() !== own) return emptyPage(request);
    const tenant = await context.read.tenants.byId.load(own);
    if (!tenant || !canSeeTenant(viewer, tenant)) return emptyPage(request);
    tenantId = own;
  }
  if (tenantId && !isUuid(tenantId)) return emptyPage(request);
  const page = await context.read.runs.page(
    { ...listFilter(args.filter), tenantId: tenantId ? tenantId.toLowerCase() : null },
    request,
  );
  return mapPage(page, (run) => maskOperationRun(viewer, run));
}

/** `Tenant.operationRuns` of a tenant the viewer already sees; batched across the tenants of a page. */
export async function listTenantOperationRuns(
  context: ServiceContext,
  tenant: Pick<TenantRecord, "id">,
  args: PageArgs & { filter?: OperationRunFilter | null },
): Promise<Page<OperationRunRecord>> {
  const page = await context.read.runs.tenantPage(tenant.id, listFilter(args.filter), validatePageRequest(args));
  return mapPage(page, (run) => maskOperationRun(context.viewer, run));
}

export interface StartOperationRunInput {
  tenantId: string;
  kind: OperationKind;
  summary?: string | null;
  idempotencyKey?: string | null;
}

export interface OperationRunPayload {
  operationRun: OperationRunRecord;
}

/**
 * Operators start DATA_EXPORT and MAINTENANCE runs on actionable tenants; a DEPROVISION run
 * can be retried while the tenant is DEPROVISIONING and none is open (docs/design.md §8).
 */
export async function startOperationRun(
  context: ServiceContext,
  input: StartOperationRunInput,
): Promise<Outcome<OperationRunPayload>> {
  const { viewer } = context;
  requireWriteCapability(viewer, ["administerTenants"]);
  if (input.kind === OperationKind.ONBOARDING) {
    return fail("INVALID_INPUT", "ONBOARDING runs are opened by the START_ONBOARDING transition", ["input", "kind"]);
  }
  const summary = validateText(input.summary, {
    field: ["input", "summary"],
    label: "summary",
    maxLength: TEXT_LIMITS.summary,
  });
  if ("error" in summary) return { ok: false, errors: [summary.error] };
  const spec = { name: "startOperationRun", input: { ...input }, idempotencyKey: input.idempotencyKey };
  const outcome = await runMutation(context, spec, async (tx) => {
    const tenant = await lockTenant(tx, input.tenantId);
    if (!tenant || !canWrite(viewer, tenant)) return fail("NOT_FOUND", "Tenant not found", ["input", "tenantId"]);
    if (input.kind === OperationKind.DEPROVISION) {
      if (tenant.status !== TenantStatus.DEPROVISIONING) {
        return fail(
          "PRECONDITION_FAILED",
          `A DEPROVISION run can only be started while the tenant is DEPROVISIONING (it is ${tenant.status})`,
          ["input", "kind"],
        );
      }
      if (await hasOpenRun(tx, tenant.id, OperationKind.DEPROVISION))
        return fail("PRECONDITION_FAILED", "A DEPROVISION run is already open for this tenant", ["input", "kind"]);
    } else if (!deriveOperability(tenant.status, null).actionable) {
      return fail("PRECONDITION_FAILED", `Operation runs cannot be started while the tenant is ${tenant.status}`, [
        "input",
        "tenantId",
      ]);
    }
    const operationRun = await openOperationRun(tx, viewer.principal, {
      tenantId: tenant.id,
      kind: input.kind,
      status: OperationRunStatus.QUEUED,
      summary: summary.value,
    });
    await appendAuditEvent(tx, context, {
      tenantId: tenant.id,
      action: "operation_run.started",
      reason: null,
      changes: {
        operationRunId: change(null, operationRun.id),
        kind: change(null, operationRun.kind),
        status: change(null, operationRun.status),
      },
    });
    return succeed({ operationRun });
  });
  return outcome.ok ? succeed({ operationRun: maskOperationRun(viewer, outcome.value.operationRun) }) : outcome;
}

export interface UpdateOperationRunInput {
  id: string;
  status?: OperationRunStatus | null;
  progress?: number | null;
  summary?: string | null;
  failureReason?: string | null;
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

function validateRunUpdate(input: UpdateOperationRunInput): {
  errors: UserError[];
  summary: string | null;
  failureReason: string | null;
} {
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
  return {
    errors,
    summary: "value" in summary ? summary.value : null,
    failureReason: "value" in failureReason ? failureReason.value : null,
  };
}

/** Workers report progress and outcomes; every change is audited on the run's tenant. */
export async function updateOperationRun(
  context: ServiceContext,
  input: UpdateOperationRunInput,
): Promise<Outcome<OperationRunPayload>> {
  const { viewer } = context;
  requireWriteCapability(viewer, ["operateRuns"]);
  const validated = validateRunUpdate(input);
  if (validated.errors.length > 0) return { ok: false, errors: validated.errors };
  const notFound = () => fail("NOT_FOUND", "Operation run not found", ["input", "id"]);
  const spec = { name: "updateOperationRun", input: { ...input }, idempotencyKey: input.idempotencyKey };
  const outcome = await runMutation(context, spec, async (tx) => {
    const located = await findOperationRun(tx, input.id);
    if (!located) return notFound();
    // The tenant lock orders this event in the tenant's audit chain and serializes run updates.
    const tenant = await lockTenant(tx, located.tenantId);
    if (!tenant || !canWrite(viewer, tenant)) return notFound();
    // Read again under the lock: a concurrent update may have committed since.
    const run = await findOperationRun(tx, located.id);
    if (!run) return notFound();
    if (input.expectedVersion != null && input.expectedVersion !== run.version) {
      return fail("VERSION_CONFLICT", `Operation run is at version ${run.version}, not ${input.expectedVersion}`, [
        "input",
        "expectedVersion",
      ]);
    }
    const nextStatus = input.status ?? run.status;
    if (input.status != null && !mayRunMoveTo(run.status, input.status)) {
      return fail("INVALID_TRANSITION", `An operation run cannot go from ${run.status} to ${input.status}`, [
        "input",
        "status",
      ]);
    }
    if (input.status == null && isFinalRunStatus(run.status)) {
      return fail("INVALID_TRANSITION", `The operation run is ${run.status} and can no longer change`, ["input", "id"]);
    }
    const now = new Date();
    const finished = isFinalRunStatus(nextStatus);
    const updated = await updateOperationRunState(tx, run.id, {
      status: nextStatus,
      progress: input.progress ?? (nextStatus === OperationRunStatus.SUCCEEDED ? 1 : run.progress),
      summary: input.summary != null ? validated.summary : run.summary,
      failureReason: input.failureReason != null ? validated.failureReason : run.failureReason,
      startedAt: run.startedAt ?? (nextStatus === OperationRunStatus.RUNNING ? now : null),
      finishedAt: finished ? (run.finishedAt ?? now) : null,
    });
    const changes: AuditChanges = { operationRunId: change(run.id, run.id) };
    for (const field of ["status", "progress", "summary", "failureReason"] as const) {
      if (updated[field] !== run[field]) changes[field] = change(run[field], updated[field]);
    }
    changes["version"] = change(run.version, updated.version);
    await appendAuditEvent(tx, context, {
      tenantId: tenant.id,
      action: "operation_run.updated",
      reason: null,
      changes,
    });
    return succeed({ operationRun: updated });
  });
  return outcome.ok ? succeed({ operationRun: maskOperationRun(viewer, outcome.value.operationRun) }) : outcome;
}
