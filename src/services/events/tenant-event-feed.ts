// Pages of the tenant event feed (docs/design.md §9), through a request's session or a worker's pool.
import { feedRows, tenantFeedRows, type FeedEventRow, type TenantEventFeedFilter } from "../audit/audit-store.ts";
import type { SqlRows } from "../database/sql.ts";
import type { Page, PageRequest } from "../pagination.ts";
import { decodeFeedCursor, encodeFeedCursor } from "./feed-cursor.ts";

/** Reads of the feed, through a request's session or a worker's pool. */
export class TenantEventReader {
  constructor(private readonly sql: SqlRows) {}

  async page(filter: TenantEventFeedFilter, request: PageRequest): Promise<Page<FeedEventRow>> {
    const scope = filter.tenantId ?? "";
    const after = request.after === null ? null : decodeFeedCursor(request.after, scope);
    const rows =
      filter.tenantId === null
        ? await feedRows(this.sql, filter, after, request.first + 1)
        : await tenantFeedRows(this.sql, filter.tenantId, filter, after, request.first + 1);
    const hasNextPage = rows.length > request.first;
    const nodes = hasNextPage ? rows.slice(0, request.first) : rows;
    return {
      items: nodes.map((node) => ({ node, cursor: encodeFeedCursor(node, scope) })),
      hasNextPage,
      hasPreviousPage: after !== null,
      totalCount: null,
    };
  }
}
