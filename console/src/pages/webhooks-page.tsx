// Webhook endpoints (design §9): the list, one endpoint with its delivery log, and replay.
// Platform readers read them; only operators replay (the server decides: the dialog is offered
// to everyone who can read, and a refusal is shown as the server words it).
import { useCallback, useState } from "react";
import type { UserError } from "../api.ts";
import { ActionDialog } from "../components/action-dialog.tsx";
import { DateTime, Empty, ErrorMessage, Loading, NotFound } from "../components/common.tsx";
import {
  REPLAY_DELIVERIES,
  WEBHOOK_PAGE,
  WEBHOOKS_PAGE,
  type WebhookPageData,
  type WebhooksPageData,
} from "../documents.ts";
import { statusLabel } from "../labels.ts";
import { Link, queryString, type Location } from "../router.tsx";
import { useSession } from "../session.tsx";
import { useQuery } from "../use-query.ts";

const DELIVERY_STATUSES = ["PENDING", "SUCCEEDED", "FAILED"] as const;

export function WebhooksPage({ location }: { location: Location }) {
  const after = location.query.get("after");
  const { state, reload } = useQuery<WebhooksPageData>(WEBHOOKS_PAGE, { after });
  return (
    <>
      <h1>Webhook endpoints</h1>
      <p className="hint">Endpoints receive the events of every tenant (filtered by type); they belong to no tenant.</p>
      {state.kind === "loading" && <Loading what="webhook endpoints" />}
      {state.kind === "error" && <ErrorMessage error={state.error} retry={reload} />}
      {state.kind === "done" && state.data.webhookEndpoints.edges.length === 0 && (
        <Empty>No webhook endpoint is registered.</Empty>
      )}
      {state.kind === "done" && state.data.webhookEndpoints.edges.length > 0 && (
        <>
          <table>
            <caption className="visually-hidden">Webhook endpoints, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Event types</th>
                <th scope="col">Enabled</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {state.data.webhookEndpoints.edges.map(({ node }) => (
                <tr key={node.id}>
                  <th scope="row">
                    <Link to={`/webhooks/${node.id}`}>{node.url}</Link>
                    {node.description && <span className="subtle"> — {node.description}</span>}
                  </th>
                  <td>{node.eventTypes.length === 0 ? "Every type" : node.eventTypes.join(", ")}</td>
                  <td>{node.enabled ? "Yes" : `No${node.disabledReason ? `: ${node.disabledReason}` : ""}`}</td>
                  <td>
                    <DateTime value={node.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {state.data.webhookEndpoints.pageInfo.hasNextPage && state.data.webhookEndpoints.pageInfo.endCursor && (
            <nav aria-label="Pages" className="pager">
              <span />
              <Link to={`/webhooks${queryString({ after: state.data.webhookEndpoints.pageInfo.endCursor })}`}>
                More endpoints →
              </Link>
            </nav>
          )}
        </>
      )}
    </>
  );
}

export function WebhookPage({ id, location }: { id: string; location: Location }) {
  const session = useSession();
  const after = location.query.get("after");
  const status = location.query.get("status");
  const statusFilter = DELIVERY_STATUSES.find((candidate) => candidate === status) ?? null;
  const { state, reload } = useQuery<WebhookPageData>(WEBHOOK_PAGE, {
    id,
    after,
    status: statusFilter ? [statusFilter] : null,
  });
  const [replaying, setReplaying] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const close = useCallback(() => setReplaying(false), []);
  if (state.kind === "loading") return <Loading what="the webhook endpoint" />;
  if (state.kind === "error") return <ErrorMessage error={state.error} retry={reload} />;
  const endpoint = state.data.webhookEndpoint;
  if (!endpoint) return <NotFound what="Webhook endpoint" />;
  const deliveries = endpoint.deliveries;
  const base = `/webhooks/${endpoint.id}`;
  return (
    <article aria-labelledby="webhook-title">
      <header className="page-header">
        <h1 id="webhook-title">Webhook endpoint</h1>
        <p>
          <code>{endpoint.url}</code>
        </p>
      </header>
      {notice && (
        <p className="state state-success" role="status">
          {notice}
        </p>
      )}
      <dl className="facts">
        <dt>Description</dt>
        <dd>{endpoint.description ?? "—"}</dd>
        <dt>Event types</dt>
        <dd>{endpoint.eventTypes.length === 0 ? "Every type" : endpoint.eventTypes.join(", ")}</dd>
        <dt>Enabled</dt>
        <dd>{endpoint.enabled ? "Yes" : `No${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ""}`}</dd>
        <dt>Created</dt>
        <dd>
          <DateTime value={endpoint.createdAt} />
        </dd>
        <dt>Version</dt>
        <dd>{endpoint.version}</dd>
      </dl>
      <p>
        <button type="button" onClick={() => setReplaying(true)}>
          Replay deliveries
        </button>
      </p>

      <section aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">Delivery log</h2>
        <nav aria-label="Delivery status" className="tabs">
          <ul>
            {[null, ...DELIVERY_STATUSES].map((candidate) => (
              <li key={candidate ?? "all"}>
                <Link
                  to={`${base}${queryString({ status: candidate })}`}
                  aria-current={candidate === statusFilter ? "page" : undefined}
                >
                  {candidate ? statusLabel(candidate) : "All"}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {deliveries.edges.length === 0 ? (
          <Empty>No deliveries{statusFilter ? ` ${statusLabel(statusFilter).toLowerCase()}` : ""} yet.</Empty>
        ) : (
          <table>
            <caption className="visually-hidden">Deliveries, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last attempt</th>
                <th scope="col">Next attempt</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.edges.map(({ node }) => (
                <tr key={node.id}>
                  <th scope="row">
                    <code>{node.event.type}</code>{" "}
                    <Link to={`/tenants/${node.event.tenantId}`}>tenant event #{node.event.sequence}</Link>
                  </th>
                  <td>{statusLabel(node.status)}</td>
                  <td>{node.attempts}</td>
                  <td>
                    {node.lastAttempt ? (
                      <>
                        <DateTime value={node.lastAttempt.at} />:{" "}
                        {node.lastAttempt.httpStatus !== null ? `HTTP ${node.lastAttempt.httpStatus}` : "no answer"}
                        {node.lastAttempt.error ? ` (${node.lastAttempt.error})` : ""}, {node.lastAttempt.durationMs} ms
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>
                    <DateTime value={node.nextAttemptAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav aria-label="Delivery pages" className="pager">
          {after ? <Link to={`${base}${queryString({ status: statusFilter })}`}>First page</Link> : <span />}
          {deliveries.pageInfo.hasNextPage && deliveries.pageInfo.endCursor ? (
            <Link to={`${base}${queryString({ status: statusFilter, after: deliveries.pageInfo.endCursor })}`}>
              Later deliveries →
            </Link>
          ) : (
            <span />
          )}
        </nav>
      </section>

      {replaying && (
        <ActionDialog
          title="Replay deliveries"
          description={`Send this endpoint's deliveries of events recorded in a time range again (${endpoint.url}).`}
          confirmLabel="Confirm: Replay"
          fields={[
            {
              name: "since",
              label: "Events recorded since",
              type: "datetime-local",
              required: true,
              initial: localInputValue(new Date(Date.now() - 24 * 3600 * 1000)),
            },
            { name: "until", label: "Until", type: "datetime-local", required: false, hint: "Empty: now." },
            {
              name: "onlyFailed",
              label: "Only deliveries that failed",
              type: "checkbox",
              required: false,
              initial: "true",
            },
          ]}
          submit={async (values) => {
            const data = await session.request<{
              replayWebhookDeliveries: { scheduled: number; userErrors: UserError[] };
            }>(REPLAY_DELIVERIES, {
              input: {
                endpointId: endpoint.id,
                since: new Date(values["since"] ?? "").toISOString(),
                ...(values["until"] ? { until: new Date(values["until"]).toISOString() } : {}),
                onlyFailed: values["onlyFailed"] === "true",
              },
            });
            if (data.replayWebhookDeliveries.userErrors.length === 0) {
              const count = data.replayWebhookDeliveries.scheduled;
              setNotice(`Replay: ${count} ${count === 1 ? "delivery" : "deliveries"} scheduled.`);
            }
            return data.replayWebhookDeliveries;
          }}
          onCancel={close}
          onReload={() => {
            close();
            reload();
          }}
          onDone={() => {
            close();
            reload();
          }}
        />
      )}
    </article>
  );
}

/** A datetime-local input's value for a moment, in the browser's time zone. */
function localInputValue(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
