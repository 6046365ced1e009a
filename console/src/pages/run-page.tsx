// The canonical run viewer, /console/runs/<id>: the run is authorized by its own record, so it
// opens whatever tenant the chooser has selected (the selection is a preference, never a filter).
import { DateTime, ErrorMessage, Loading, NotFound, StatusBadge } from "../components/common.tsx";
import { RUN_PAGE, type RunPageData } from "../documents.ts";
import { kindLabel, statusLabel } from "../labels.ts";
import { Link } from "../router.tsx";
import { useQuery } from "../use-query.ts";

export function RunPage({ id }: { id: string }) {
  const { state, reload } = useQuery<RunPageData>(RUN_PAGE, { id });
  if (state.kind === "loading") return <Loading what="the run" />;
  if (state.kind === "error") return <ErrorMessage error={state.error} retry={reload} />;
  const run = state.data.operationRun;
  if (!run) return <NotFound what="Run" />;
  return (
    <article aria-labelledby="run-title">
      <header className="page-header">
        <h1 id="run-title">{kindLabel(run.kind)} run</h1>
        <StatusBadge badge={run.badge} />
        <p className="subtle">
          id <code>{run.id}</code>
        </p>
      </header>
      <dl className="facts">
        <dt>Tenant</dt>
        <dd>
          <Link to={`/tenants/${run.tenant.id}`}>{run.tenant.name}</Link>{" "}
          <StatusBadge badge={run.tenant.lifecycle.badge} />
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge badge={run.badge} />
        </dd>
        <dt>Progress</dt>
        <dd>
          {run.progress === null ? (
            "—"
          ) : (
            <>
              <progress max={1} value={run.progress} aria-label="Run progress" /> {Math.round(run.progress * 100)} %
            </>
          )}
        </dd>
        <dt>Summary</dt>
        <dd>{run.summary ?? "—"}</dd>
        <dt>Failure reason</dt>
        <dd>{run.failureReason ?? "—"}</dd>
        <dt>Started by</dt>
        <dd>
          {statusLabel(run.initiatedBy.type)} <code>{run.initiatedBy.id}</code>
        </dd>
        <dt>Created</dt>
        <dd>
          <DateTime value={run.createdAt} />
        </dd>
        <dt>Started</dt>
        <dd>
          <DateTime value={run.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <DateTime value={run.finishedAt} />
        </dd>
        <dt>Version</dt>
        <dd>{run.version}</dd>
      </dl>
    </article>
  );
}
