// One tenant: its lifecycle and badge, operability, what this viewer may do (and why not), the
// onboarding progress, runs, the audit trail with the chain's verification, and its events.
// The same view serves the operator override (read-only, visibly marked).
import { useCallback, useState } from "react";
import type { UserError } from "../api.ts";
import { ActionDialog, type DialogField } from "../components/action-dialog.tsx";
import { DateTime, Empty, ErrorMessage, formatCount, Loading, NotFound, StatusBadge } from "../components/common.tsx";
import {
  AUDIT_CHAIN,
  COMPLETE_STEP,
  OVERRIDE_PAGE,
  START_RUN,
  TENANT_EVENTS,
  TENANT_PAGE,
  TRANSITION_TENANT,
  UPDATE_TENANT,
  type AuditChainData,
  type OverridePageData,
  type TenantDetail,
  type TenantEventsData,
  type TenantPageData,
} from "../documents.ts";
import { actionLabel, kindLabel, statusLabel, transitionLabel, yesNo } from "../labels.ts";
import { Link, queryString, type Location } from "../router.tsx";
import { isPlatformReader, useSession } from "../session.tsx";
import { useQuery } from "../use-query.ts";

const ONBOARDING_STEPS = ["PROFILE", "BILLING", "DOMAIN"];

export function TenantPage({ id, location }: { id: string; location: Location }) {
  const auditAfter = location.query.get("auditAfter");
  const { state, reload } = useQuery<TenantPageData>(TENANT_PAGE, { id, auditAfter });
  if (state.kind === "loading") return <Loading what="the tenant" />;
  if (state.kind === "error") return <ErrorMessage error={state.error} retry={reload} />;
  if (!state.data.tenant) return <NotFound what="Tenant" />;
  return <TenantView tenant={state.data.tenant} reload={reload} readOnly={false} auditAfter={auditAfter} />;
}

/** The tenant as its admin sees it, through X-Operator-Override: nothing can be changed here. */
export function OverridePage({ id, location }: { id: string; location: Location }) {
  const auditAfter = location.query.get("auditAfter");
  const { state, reload } = useQuery<OverridePageData>(OVERRIDE_PAGE, { auditAfter }, { operatorOverride: id });
  return (
    <>
      <div className="override-banner" role="note" aria-label="Operator override">
        <strong>Operator override — read-only.</strong> You are seeing this tenant as its admin sees it (internal notes
        hidden). Nothing can be changed from this view; every use is logged with your identity.{" "}
        <Link to={`/tenants/${id}`}>Leave the override view</Link>
      </div>
      {state.kind === "loading" && <Loading what="the tenant" />}
      {state.kind === "error" && <ErrorMessage error={state.error} retry={reload} />}
      {state.kind === "done" && !state.data.viewerTenant && <NotFound what="Tenant" />}
      {state.kind === "done" && state.data.viewerTenant && (
        <TenantView tenant={state.data.viewerTenant} reload={reload} readOnly auditAfter={auditAfter} override={id} />
      )}
    </>
  );
}

type PendingAction =
  { kind: "transition"; transition: string; reasonRequired: boolean } | { kind: "action"; action: string };

function TenantView({
  tenant,
  reload,
  readOnly,
  auditAfter,
  override,
}: {
  tenant: TenantDetail;
  reload: () => void;
  readOnly: boolean;
  auditAfter: string | null;
  override?: string;
}) {
  const session = useSession();
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const platform = isPlatformReader(session.claims);
  // What a tenant user (or the override's admin view) gets as null is masked, not absent.
  const masked = (session.claims !== null && session.claims.tenantId !== null) || readOnly;
  const close = useCallback(() => setPending(null), []);
  const { lifecycle } = tenant;

  return (
    <article aria-labelledby="tenant-title">
      <header className="page-header">
        <h1 id="tenant-title">{tenant.name}</h1>
        <StatusBadge badge={lifecycle.badge} />
        <p className="subtle">
          <code>{tenant.slug}</code> · id <code>{tenant.id}</code>
        </p>
        {platform && !readOnly && (
          <p>
            <Link to={`/tenants/${tenant.id}/override`}>View as its admin (read-only override)</Link>
          </p>
        )}
      </header>
      {notice && (
        <p className="state state-success" role="status">
          {notice}
        </p>
      )}

      <section aria-labelledby="lifecycle-title">
        <h2 id="lifecycle-title">Lifecycle</h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <StatusBadge badge={lifecycle.badge} />
          </dd>
          <dt>Message to the tenant</dt>
          <dd>{lifecycle.statusMessage ?? "—"}</dd>
          <dt>Internal reason</dt>
          <dd>{lifecycle.statusReason ?? (masked ? "Not shown to tenant users" : "—")}</dd>
          <dt>Changed</dt>
          <dd>
            <DateTime value={lifecycle.changedAt} />
          </dd>
          <dt>Version</dt>
          <dd>{lifecycle.version}</dd>
        </dl>
        <h3>Operability</h3>
        <dl className="facts">
          <dt>Can be selected as context</dt>
          <dd>{yesNo(lifecycle.operability.selectable)}</dd>
          <dt>Tenant writes and new runs allowed</dt>
          <dd>{yesNo(lifecycle.operability.actionable)}</dd>
          <dt>Onboarding can resume</dt>
          <dd>{yesNo(lifecycle.operability.onboardingResumable)}</dd>
          <dt>Runs and audit events referenceable</dt>
          <dd>{yesNo(lifecycle.operability.monitoringReferenceable)}</dd>
        </dl>
      </section>

      {!readOnly && (
        <section aria-labelledby="actions-title">
          <h2 id="actions-title">Actions</h2>
          <p className="hint">What you may do now, and why the rest is blocked. The server decides on every change.</p>
          <table>
            <caption className="visually-hidden">Actions on this tenant</caption>
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Allowed</th>
                <th scope="col">Why not / do it</th>
              </tr>
            </thead>
            <tbody>
              {lifecycle.availableTransitions.map((rule) => (
                <tr key={rule.transition}>
                  <th scope="row">
                    {transitionLabel(rule.transition)} <span className="subtle">→ {statusLabel(rule.to)}</span>
                  </th>
                  <td>{rule.permitted ? "Yes" : "Blocked"}</td>
                  <td>
                    {rule.permitted ? (
                      <button
                        type="button"
                        onClick={() =>
                          setPending({
                            kind: "transition",
                            transition: rule.transition,
                            reasonRequired: rule.reasonRequired,
                          })
                        }
                      >
                        {transitionLabel(rule.transition)}
                      </button>
                    ) : (
                      rule.blockedReason
                    )}
                  </td>
                </tr>
              ))}
              {tenant.allowedActions.map((judgement) => (
                <tr key={judgement.action}>
                  <th scope="row">{actionLabel(judgement.action)}</th>
                  <td>{judgement.permitted ? "Yes" : "Blocked"}</td>
                  <td>
                    {!judgement.permitted ? (
                      judgement.blockedReason
                    ) : judgement.action === "MANAGE_WEBHOOKS" ? (
                      <Link to="/webhooks">Webhook endpoints</Link>
                    ) : (
                      <button type="button" onClick={() => setPending({ kind: "action", action: judgement.action })}>
                        {actionLabel(judgement.action)}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <Onboarding tenant={tenant} />
      <Runs tenant={tenant} />
      <AuditTrail tenant={tenant} auditAfter={auditAfter} override={override} verify={platform && !readOnly} />
      <Events tenantId={tenant.id} override={override} />

      {pending && (
        <ChangeDialog
          tenant={tenant}
          pending={pending}
          onCancel={close}
          onReload={() => {
            setPending(null);
            reload();
          }}
          onDone={(message) => {
            setPending(null);
            setNotice(message);
            reload();
          }}
        />
      )}
    </article>
  );
}

function ChangeDialog({
  tenant,
  pending,
  onCancel,
  onReload,
  onDone,
}: {
  tenant: TenantDetail;
  pending: PendingAction;
  onCancel: () => void;
  onReload: () => void;
  onDone: (message: string) => void;
}) {
  const session = useSession();
  const version = tenant.lifecycle.version;
  const optional = (value: string | undefined) => (value && value.trim() !== "" ? value : undefined);
  type Submit = (values: Record<string, string>, key: string) => Promise<{ userErrors: UserError[] }>;
  let title: string;
  let description: string;
  let fields: DialogField[] = [];
  let submit: Submit;
  let done: string;

  if (pending.kind === "transition") {
    const label = transitionLabel(pending.transition);
    title = `${label}: ${tenant.name}`;
    description = `${label} this tenant (version ${version}). ${
      pending.reasonRequired ? "This change needs a reason, kept as an internal note." : ""
    }`;
    fields = [
      {
        name: "reason",
        label: "Reason",
        required: pending.reasonRequired,
        multiline: true,
        hint: "Internal note, shown to operators and support, never to the tenant.",
      },
      { name: "statusMessage", label: "Message to the tenant", required: false, hint: "Shown to the tenant's users." },
    ];
    submit = async (values, key) => {
      const data = await session.request<{ transitionTenant: { userErrors: UserError[] } }>(TRANSITION_TENANT, {
        input: {
          tenantId: tenant.id,
          transition: pending.transition,
          reason: optional(values["reason"]),
          statusMessage: optional(values["statusMessage"]),
          expectedVersion: version,
          idempotencyKey: key,
        },
      });
      return data.transitionTenant;
    };
    done = `${label}: done.`;
  } else {
    const { action } = pending;
    const label = actionLabel(action);
    title = `${label}: ${tenant.name}`;
    if (action === "RENAME" || action === "CHANGE_SLUG") {
      const field = action === "RENAME" ? "name" : "slug";
      description = `${label} (version ${version}).`;
      fields = [
        {
          name: field,
          label: action === "RENAME" ? "New name" : "New slug",
          required: true,
          initial: action === "RENAME" ? tenant.name : tenant.slug,
          hint:
            action === "CHANGE_SLUG"
              ? "3–63 of a–z, 0–9 and -, starting and ending with a letter or digit."
              : undefined,
        },
      ];
      submit = async (values, key) => {
        const data = await session.request<{ updateTenant: { userErrors: UserError[] } }>(UPDATE_TENANT, {
          input: { tenantId: tenant.id, [field]: values[field], expectedVersion: version, idempotencyKey: key },
        });
        return data.updateTenant;
      };
    } else if (action.startsWith("START_RUN_")) {
      const kind = action.slice("START_RUN_".length);
      description = `Queue a ${kindLabel(kind).toLowerCase()} run for this tenant.`;
      fields = [{ name: "summary", label: "Summary", required: false, multiline: true }];
      submit = async (values, key) => {
        const data = await session.request<{ startOperationRun: { userErrors: UserError[] } }>(START_RUN, {
          input: { tenantId: tenant.id, kind, summary: optional(values["summary"]), idempotencyKey: key },
        });
        return data.startOperationRun;
      };
    } else {
      const step = action.slice("COMPLETE_ONBOARDING_STEP_".length);
      description = `Mark the ${kindLabel(step).toLowerCase()} step of onboarding as completed.`;
      submit = async (_values, key) => {
        const data = await session.request<{ completeOnboardingStep: { userErrors: UserError[] } }>(COMPLETE_STEP, {
          input: { tenantId: tenant.id, step, idempotencyKey: key },
        });
        return data.completeOnboardingStep;
      };
    }
    done = `${label}: done.`;
  }
  return (
    <ActionDialog
      title={title}
      description={description}
      confirmLabel={`Confirm: ${pending.kind === "transition" ? transitionLabel(pending.transition) : actionLabel(pending.action)}`}
      fields={fields}
      submit={submit}
      onCancel={onCancel}
      onReload={onReload}
      onDone={() => onDone(done)}
    />
  );
}

function Onboarding({ tenant }: { tenant: TenantDetail }) {
  const session = tenant.onboarding;
  return (
    <section aria-labelledby="onboarding-title">
      <h2 id="onboarding-title">Onboarding</h2>
      {!session ? (
        <Empty>Onboarding has not started.</Empty>
      ) : (
        <>
          <p>
            {statusLabel(session.status)}: {session.completedSteps.length} of {ONBOARDING_STEPS.length} steps completed
            {session.currentStep ? `; next: ${kindLabel(session.currentStep).toLowerCase()}` : ""}.
            {session.resumable ? " It can resume where it stopped." : ""}
          </p>
          <progress
            max={ONBOARDING_STEPS.length}
            value={session.completedSteps.length}
            aria-label="Onboarding progress"
          />
          <ol className="steps">
            {ONBOARDING_STEPS.map((step) => (
              <li key={step}>
                <span aria-hidden="true">{session.completedSteps.includes(step) ? "✓" : "○"}</span> {kindLabel(step)}:{" "}
                {session.completedSteps.includes(step) ? "completed" : "to do"}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function Runs({ tenant }: { tenant: TenantDetail }) {
  const runs = tenant.operationRuns;
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Operation runs</h2>
      {runs.edges.length === 0 ? (
        <Empty>No runs.</Empty>
      ) : (
        <>
          <p className="summary">
            {formatCount(runs.totalCount, runs.totalCountPrecision)} {runs.totalCount === 1 ? "run" : "runs"}; the
            latest {runs.edges.length} below.
          </p>
          <table>
            <caption className="visually-hidden">Operation runs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {runs.edges.map(({ node }) => (
                <tr key={node.id}>
                  <th scope="row">
                    <Link to={`/runs/${node.id}`}>{kindLabel(node.kind)} run</Link>
                  </th>
                  <td>
                    <StatusBadge badge={node.badge} />
                  </td>
                  <td>{node.progress === null ? "—" : `${Math.round(node.progress * 100)} %`}</td>
                  <td>
                    <DateTime value={node.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function AuditTrail({
  tenant,
  auditAfter,
  override,
  verify,
}: {
  tenant: TenantDetail;
  auditAfter: string | null;
  override?: string;
  verify: boolean;
}) {
  const events = tenant.auditEvents;
  const base = override ? `/tenants/${tenant.id}/override` : `/tenants/${tenant.id}`;
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      {verify && <ChainVerification tenantId={tenant.id} />}
      {events.edges.length === 0 ? (
        <Empty>No audit events to show.</Empty>
      ) : (
        <>
          <p className="summary">{formatCount(events.totalCount, events.totalCountPrecision)} events</p>
          <table>
            <caption className="visually-hidden">Audit events</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Reason</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {events.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>{node.sequence}</td>
                  <th scope="row">
                    <code>{node.action}</code>
                    {node.operatorOverride && <span className="subtle"> (under override)</span>}
                  </th>
                  <td>
                    {statusLabel(node.actor.type)} <code>{node.actor.id}</code>
                  </td>
                  <td>{node.reason ?? "—"}</td>
                  <td>
                    <DateTime value={node.occurredAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Audit pages" className="pager">
            {auditAfter ? <Link to={base}>First page</Link> : <span />}
            {events.pageInfo.hasNextPage && events.pageInfo.endCursor ? (
              <Link to={`${base}${queryString({ auditAfter: events.pageInfo.endCursor })}`}>Next audit page →</Link>
            ) : (
              <span />
            )}
          </nav>
        </>
      )}
    </section>
  );
}

function ChainVerification({ tenantId }: { tenantId: string }) {
  const [asked, setAsked] = useState(false);
  const { state, reload } = useQuery<AuditChainData>(asked ? AUDIT_CHAIN : null, { tenantId });
  if (!asked) {
    return (
      <button type="button" onClick={() => setAsked(true)}>
        Verify the audit chain
      </button>
    );
  }
  if (state.kind === "loading") return <Loading what="the chain's verification" />;
  if (state.kind === "error") return <ErrorMessage error={state.error} retry={reload} />;
  const chain = state.data.auditChain;
  const checkpoint = chain.checkpoint;
  return (
    <div className={`chain ${chain.valid ? "chain-valid" : "chain-broken"}`} role="status">
      <p>
        <strong>{chain.valid ? "Chain intact" : "Chain broken"}</strong>: {chain.eventCount} events checked
        {chain.firstBrokenSequence !== null && `; first broken at sequence ${chain.firstBrokenSequence}`}.
      </p>
      {chain.problems.length > 0 && (
        <ul>
          {chain.problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <p>
        {checkpoint ? (
          <>
            Latest checkpoint <code>{checkpoint.checkpoint.id}</code> of{" "}
            <DateTime value={checkpoint.checkpoint.createdAt} /> holds sequence {checkpoint.sequence}; its signature{" "}
            {checkpoint.signatureValid ? "verifies" : "does NOT verify"}, and the chain{" "}
            {chain.consistentWithCheckpoint ? "extends it" : "does NOT extend it"}.
          </>
        ) : (
          "No checkpoint covers this tenant yet (it is newer than the latest one)."
        )}
      </p>
      <button type="button" onClick={reload}>
        Verify again
      </button>
    </div>
  );
}

function Events({ tenantId, override }: { tenantId: string; override?: string }) {
  const [after, setAfter] = useState<string | null | undefined>(undefined);
  const { state, reload } = useQuery<TenantEventsData>(
    after === undefined ? null : TENANT_EVENTS,
    { tenantId, after },
    { operatorOverride: override ?? null },
  );
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      <p className="hint">The feed other services consume, oldest first.</p>
      {after === undefined ? (
        <button type="button" onClick={() => setAfter(null)}>
          Show events
        </button>
      ) : state.kind === "loading" ? (
        <Loading what="events" />
      ) : state.kind === "error" ? (
        <ErrorMessage error={state.error} retry={reload} />
      ) : state.data.tenantEvents.edges.length === 0 ? (
        <Empty>No events.</Empty>
      ) : (
        <>
          <table>
            <caption className="visually-hidden">Events, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Type</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {state.data.tenantEvents.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>{node.sequence}</td>
                  <th scope="row">
                    <code>{node.type}</code>
                  </th>
                  <td>
                    <DateTime value={node.occurredAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {state.data.tenantEvents.pageInfo.hasNextPage && (
            <button type="button" onClick={() => setAfter(state.data.tenantEvents.pageInfo.endCursor)}>
              Later events
            </button>
          )}
        </>
      )}
    </section>
  );
}
