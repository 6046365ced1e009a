// The tenants list: status tabs with exact counts (tenantStatusCounts, one request with the page),
// search, the selectable filter, and pages both ways — all of it in the URL.
import { useEffect, useState, type FormEvent } from "react";
import { DateTime, Empty, ErrorMessage, formatCount, Loading, StatusBadge } from "../components/common.tsx";
import { TENANT_STATUSES, TENANTS_PAGE, type TenantsPageData, type TenantStatus } from "../documents.ts";
import { statusLabel } from "../labels.ts";
import { Link, navigate, queryString, type Location } from "../router.tsx";
import { useQuery } from "../use-query.ts";

const PAGE_SIZE = 20;

interface ListState {
  status: TenantStatus | null;
  search: string;
  selectable: boolean;
  after: string | null;
  before: string | null;
}

function readState(query: URLSearchParams): ListState {
  const status = query.get("status");
  return {
    status: TENANT_STATUSES.includes(status as TenantStatus) ? (status as TenantStatus) : null,
    search: query.get("q") ?? "",
    selectable: query.get("selectable") === "1",
    after: query.get("after"),
    before: query.get("before"),
  };
}

function href(state: Partial<ListState>): string {
  return `/tenants${queryString({
    status: state.status ?? null,
    q: state.search ?? null,
    selectable: state.selectable ? "1" : null,
    after: state.after ?? null,
    before: state.before ?? null,
  })}`;
}

/** The search rule as the server applies it (TenantFilter.search). */
function searchRule(term: string): string {
  const length = [...term.trim()].length;
  if (length === 0)
    return "Terms of 1–2 characters match the start of a slug; 3 or more match anywhere in the slug or name.";
  if (length <= 2)
    return `“${term.trim()}” is 1–2 characters: it matches tenants whose slug starts with it. Type 3 or more to search names too.`;
  return `Matching “${term.trim()}” anywhere in the slug or name, ignoring case.`;
}

export function TenantsPage({ location }: { location: Location }) {
  const state = readState(location.query);
  const filter = {
    ...(state.status ? { status: [state.status] } : {}),
    ...(state.status === "ARCHIVED" ? { includeArchived: true } : {}),
    ...(state.search.trim() ? { search: state.search.trim() } : {}),
    ...(state.selectable ? { selectable: true } : {}),
  };
  const variables = state.before
    ? { last: PAGE_SIZE, before: state.before, filter }
    : { first: PAGE_SIZE, after: state.after, filter };
  const { state: result, reload } = useQuery<TenantsPageData>(TENANTS_PAGE, variables);
  const [term, setTerm] = useState(state.search);
  useEffect(() => setTerm(state.search), [state.search]);

  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    navigate(href({ ...state, search: term, after: null, before: null }));
  };
  const counts = result.kind === "done" ? result.data.tenantStatusCounts : null;
  const countOf = (status: TenantStatus) => counts?.find((entry) => entry.status === status)?.count ?? null;
  // "All" lists every tenant but archived ones, as the API's filter does by default.
  const allCount = counts
    ? counts.filter((entry) => entry.status !== "ARCHIVED").reduce((sum, entry) => sum + entry.count, 0)
    : null;
  const tabs: { status: TenantStatus | null; label: string; count: number | null }[] = [
    { status: null, label: "All", count: allCount },
    ...TENANT_STATUSES.map((status) => ({ status, label: statusLabel(status), count: countOf(status) })),
  ];

  return (
    <>
      <h1>Tenants</h1>
      <nav aria-label="Tenant status" className="tabs">
        <ul>
          {tabs.map((tab) => (
            <li key={tab.label}>
              <Link
                to={href({ status: tab.status, search: state.search, selectable: state.selectable })}
                aria-current={tab.status === state.status ? "page" : undefined}
              >
                {tab.label}
                {tab.count !== null && <span className="count"> {formatCount(tab.count)}</span>}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <form role="search" className="filters" onSubmit={onSearch}>
        <div className="field">
          <label htmlFor="tenant-search">Search tenants</label>
          <div className="inline">
            <input
              id="tenant-search"
              type="search"
              value={term}
              maxLength={200}
              aria-describedby="tenant-search-rule"
              onChange={(event) => setTerm(event.target.value)}
            />
            <button type="submit">Search</button>
          </div>
          <p className="hint" id="tenant-search-rule">
            {searchRule(term)}
          </p>
        </div>
        <div className="field checkbox">
          <input
            id="only-selectable"
            type="checkbox"
            checked={state.selectable}
            onChange={(event) =>
              navigate(href({ ...state, selectable: event.target.checked, after: null, before: null }))
            }
          />
          <label htmlFor="only-selectable">Only tenants that can be selected as context</label>
        </div>
      </form>
      {result.kind === "loading" && <Loading what="tenants" />}
      {result.kind === "error" && <ErrorMessage error={result.error} retry={reload} />}
      {result.kind === "done" && <TenantTable data={result.data} state={state} />}
    </>
  );
}

function TenantTable({ data, state }: { data: TenantsPageData; state: ListState }) {
  const { tenants } = data;
  if (tenants.edges.length === 0) {
    return <Empty>No tenant matches{state.search ? ` “${state.search}”` : ""} here.</Empty>;
  }
  // Going back (before) the page info's "previous" is what lies before; going forward, after.
  const hasOlder = tenants.pageInfo.hasNextPage;
  const hasNewer = state.before ? tenants.pageInfo.hasPreviousPage : state.after !== null;
  return (
    <>
      <p className="summary" role="status">
        {formatCount(tenants.totalCount, tenants.totalCountPrecision)} {tenants.totalCount === 1 ? "tenant" : "tenants"}
        {tenants.totalCountPrecision === "AT_LEAST" && " (counting stopped there; narrow the search to count exactly)"}
      </p>
      <table>
        <caption className="visually-hidden">Tenants, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Slug</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {tenants.edges.map(({ node }) => (
            <tr key={node.id}>
              <th scope="row">
                <Link to={`/tenants/${node.id}`}>{node.name}</Link>
              </th>
              <td>
                <code>{node.slug}</code>
              </td>
              <td>
                <StatusBadge badge={node.lifecycle.badge} />
              </td>
              <td>
                <DateTime value={node.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav aria-label="Pages" className="pager">
        {hasNewer && tenants.pageInfo.startCursor ? (
          <Link to={href({ ...state, after: null, before: tenants.pageInfo.startCursor })}>← Newer</Link>
        ) : (
          <span />
        )}
        {(state.before ? true : hasOlder) && tenants.pageInfo.endCursor ? (
          <Link to={href({ ...state, before: null, after: tenants.pageInfo.endCursor })}>Older →</Link>
        ) : (
          <span />
        )}
      </nav>
    </>
  );
}
