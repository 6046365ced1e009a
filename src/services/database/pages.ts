import DataLoader from "dataloader";
import type { QueryResultRow } from "pg";
import {
  afterCondition,
  cappedCount,
  COUNT_CAP,
  decodeCursor,
  orderByClause,
  toPage,
  type KeysetOrder,
  type KeysetPosition,
  type Page,
  type PageRequest,
} from "../pagination.ts";
import type { RequestSql } from "./sql.ts";

/** A list as a store describes it: one table, its columns, its order. */
export interface ListSource<Row> {
  table: string;
  columns: string;
  /** Newest first; served by an index on the order's keys (after any equality filters). */
  order: KeysetOrder<Row>;
}

/**
 * One page of a list under `conditions` (with their parameters in `values`), newest first; the
 * total only when asked for, and then counted up to COUNT_CAP.
 */
export async function listPage<Row extends QueryResultRow>(
  sql: RequestSql,
  source: ListSource<Row>,
  conditions: readonly string[],
  values: readonly unknown[],
  request: PageRequest,
): Promise<Page<Row>> {
  const { table, columns, order } = source;
  const where = conditions.length ? conditions.join(" AND ") : "true";
  const pageValues = [...values];
  const after = request.after ? ` AND ${afterCondition(order, decodeCursor(order, request.after), pageValues)}` : "";
  const [rows, counted] = await Promise.all([
    sql.rows<Row>(
      `SELECT ${columns} FROM ${table} WHERE ${where}${after}
       ORDER BY ${orderByClause(order)} LIMIT $${pageValues.push(request.first + 1)}`,
      pageValues,
    ),
    request.withTotalCount
      ? sql.rows<{ count: number }>(
          `SELECT count(*)::int AS count FROM (SELECT 1 FROM ${table} WHERE ${where} LIMIT ${COUNT_CAP + 1}) capped`,
          values,
        )
      : null,
  ]);
  return toPage(rows, request, order, counted ? cappedCount(counted[0]?.count ?? 0) : null);
}

/** A list that every tenant has (its runs, its audit events), as a store describes it. */
export interface PerTenantList<Row, Filter> extends ListSource<Row> {
  /** The filter's conditions, appending their parameters to `values`. */
  conditions(filter: Filter, values: unknown[]): string[];
  /** A stable text for the filter: requests with equal filters share a statement. */
  filterKey(filter: Filter): string;
}

interface WindowKey<Filter> {
  tenantId: string;
  filter: Filter;
  request: PageRequest;
  after: KeysetPosition | null;
}

/**
 * One page of the same list for many tenants (a page of tenants, a batch of entities) in one
 * statement, whatever the number of tenants: a LATERAL subquery per tenant walks the list's
 * index for `first + 1` rows, so the cost follows the page size, not the tenants' history.
 * Totals, when asked for, are one grouped count more.
 */
export class PerTenantPages<Row extends QueryResultRow & { tenantId: string }, Filter> {
  private readonly windows: DataLoader<WindowKey<Filter>, Page<Row>, string>;

  constructor(
    private readonly sql: RequestSql,
    private readonly list: PerTenantList<Row, Filter>,
  ) {
    this.windows = new DataLoader((keys) => this.loadGroups(keys), {
      cacheKeyFn: (key) => `${key.tenantId}|${this.shapeOf(key)}`,
    });
  }

  load(tenantId: string, filter: Filter, request: PageRequest): Promise<Page<Row>> {
    // Cursors are scoped to the tenant's list: another tenant's cursor is refused, not followed.
    const after = request.after ? decodeCursor(this.list.order, request.after, tenantId) : null;
    return this.windows.load({ tenantId, filter, request, after });
  }

  private shapeOf(key: WindowKey<Filter>): string {
    const { first, after, withTotalCount } = key.request;
    return JSON.stringify([first, after, withTotalCount, this.list.filterKey(key.filter)]);
  }

  private async loadGroups(keys: readonly WindowKey<Filter>[]): Promise<Page<Row>[]> {
    const groups = groupBy(keys, (key) => this.shapeOf(key));
    const pages = new Map<WindowKey<Filter>, Page<Row>>();
    await Promise.all(
      [...groups.values()].map(async (group) => {
        for (const [key, page] of await this.loadGroup(group)) pages.set(key, page);
      }),
    );
    return keys.map((key) => pages.get(key) as Page<Row>);
  }

  private async loadGroup(group: WindowKey<Filter>[]): Promise<[WindowKey<Filter>, Page<Row>][]> {
    const [shape] = group as [WindowKey<Filter>];
    const { table, columns, order } = this.list;
    const values: unknown[] = [[...new Set(group.map((key) => key.tenantId))]];
    const conditions = this.list.conditions(shape.filter, values);
    const where = (list: string[]) => list.map((condition) => ` AND ${condition}`).join("");
    const pageConditions = shape.after ? [...conditions, afterCondition(order, shape.after, values)] : conditions;
    const page = `SELECT ${columns} FROM ${table} WHERE tenant_id = parent.tenant_id${where(pageConditions)}
      ORDER BY ${orderByClause(order)} LIMIT $${values.push(shape.request.first + 1)}`;
    // With a total, one row per tenant at least (its page's columns null when it has no rows),
    // each carrying the tenant's total: still one statement.
    const rows = shape.request.withTotalCount
      ? await this.sql.rows<Row & { parentId: string; total: number }>(
          `SELECT parent.tenant_id AS "parentId", counted.total, page.* FROM unnest($1::uuid[]) AS parent(tenant_id)
           CROSS JOIN LATERAL (SELECT count(*)::int AS total FROM ${table}
             WHERE tenant_id = parent.tenant_id${where(conditions)}) counted
           LEFT JOIN LATERAL (${page}) page ON true`,
          values,
        )
      : await this.sql.rows<Row>(
          `SELECT page.* FROM unnest($1::uuid[]) AS parent(tenant_id) CROSS JOIN LATERAL (${page}) page`,
          values,
        );
    const totals = new Map<string, number>();
    const pageRows: Row[] = [];
    for (const row of rows) {
      if (!("parentId" in row)) {
        pageRows.push(row);
        continue;
      }
      const { parentId, total, ...pageRow } = row;
      totals.set(parentId as string, total as number);
      if (pageRow["id"] !== null) pageRows.push(pageRow as unknown as Row);
    }
    const rowsByTenant = groupBy(pageRows, (row) => row.tenantId);
    return group.map((key) => [
      key,
      toPage(
        rowsByTenant.get(key.tenantId) ?? [],
        key.request,
        order,
        shape.request.withTotalCount ? { value: totals.get(key.tenantId) ?? 0, exact: true } : null,
        key.tenantId,
      ),
    ]);
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
