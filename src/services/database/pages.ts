import DataLoader from "dataloader";
import type { QueryResultRow } from "pg";
import {
  afterCondition,
  cappedCount,
  COUNT_CAP,
  cursorOf,
  decodeCursor,
  emptyPage,
  orderByClause,
  readDirection,
  toPage,
  type KeysetOrder,
  type KeysetPosition,
  type Page,
  type PageRequest,
  type ReadDirection,
} from "../pagination.ts";
import type { RequestSql } from "./sql.ts";

/** A list as a store describes it: one table, its columns, its order. */
export interface ListSource<Row> {
  table: string;
  columns: string;
  /** Newest first; served by an index on the order's keys (after any equality filters). */
  order: KeysetOrder<Row>;
  /** Cursors of this list are valid only with this scope (e.g. the tenant whose list it is). */
  cursorScope?: string;
}

/**
 * `column = ANY(values)` on a column that leads an index ending in the list's order. Walked one
 * value (or one combination of values, with several) at a time, each walk an ordered range of
 * that index reading at most a page, and merged: a page costs the same whatever the table holds.
 * A plain `= ANY` would have PostgreSQL read every matching row and sort them.
 */
export interface OneOf {
  column: string;
  /** The column's SQL type, for the parameter's cast. */
  type: string;
  values: readonly string[];
}

/** A store's filter as SQL: its conditions (parameters already in the values given) and its OneOfs. */
export interface ListFilterSql {
  conditions: string[];
  oneOf: OneOf[];
  /** Plan with the values on every call (see StatementOptions.plannedPerCall). */
  plannedPerCall?: boolean;
  /** Where counting stops (COUNT_CAP unless the store says). */
  countCap?: number;
  /**
   * The count reads what the page reads (a search: both collect every match from the trigram
   * index): a first page with its total is then one statement that ranks up to `countCap + 1`
   * matches, returns the page and counts the rest, instead of two that each collect the matches.
   */
  countWithPage?: boolean;
}

export const noFilter = (): ListFilterSql => ({ conditions: [], oneOf: [] });

/** The record field a column is read into (the inverse of the data model's naming rule). */
function fieldOf(column: string): string {
  return column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * SQL for the first `limit` rows of `table` under `filter` in the order, newest first (oldest
 * first reading ASC, for a backward page); pushes its parameters onto `values`. With OneOfs of
 * several values, one LATERAL walk per combination.
 */
function orderedRows<Row>(
  source: ListSource<Row>,
  filter: ListFilterSql,
  values: unknown[],
  limitParameter: string,
  direction: ReadDirection = "DESC",
): string {
  const { table, columns, order } = source;
  const single = filter.oneOf.filter((oneOf) => oneOf.values.length === 1);
  const fanned = filter.oneOf.filter((oneOf) => oneOf.values.length > 1);
  const conditions = [
    ...filter.conditions,
    ...single.map((oneOf) => `${oneOf.column} = $${values.push(oneOf.values[0])}::${oneOf.type}`),
  ];
  // Each walk is pinned to the index that leads with its OneOf columns: it orders by them too
  // (constant within a walk, so the order is unchanged) and a walk's value is matched as a
  // one-value range, not an equality the planner would fold into a constant — which would let
  // it pick the time index and filter instead. With the value a LATERAL parameter, the planner
  // plans every walk alike without knowing which value is rare, and for a value matching
  // nothing (an action no event has) that plan reads the whole table.
  const leading = filter.oneOf.map((oneOf) => `${oneOf.column} ${direction}`);
  const walk = (extra: string[]) => {
    const where = [...conditions, ...extra];
    return `SELECT ${columns} FROM ${table} WHERE ${where.length ? where.join(" AND ") : "true"}
      ORDER BY ${[...leading, orderByClause(order, "", direction)].join(", ")} LIMIT ${limitParameter}`;
  };
  if (fanned.length === 0) return walk([]);
  const sources = fanned.map(
    (oneOf, index) => `unnest($${values.push([...oneOf.values])}::${oneOf.type}[]) AS fan${index}(value)`,
  );
  const walkOne = walk(fanned.map((oneOf, index) => `${oneOf.column} BETWEEN fan${index}.value AND fan${index}.value`));
  const merged = order.keys.map((key) => `walked."${fieldOf(key.column)}" ${direction}`).join(", ");
  return `SELECT walked.* FROM ${sources.join(" CROSS JOIN ")} CROSS JOIN LATERAL (${walkOne}) walked
    ORDER BY ${merged} LIMIT ${limitParameter}`;
}

/** The filter's conditions for counting (OneOfs as `= ANY`): the order does not matter there. */
function countConditions(filter: ListFilterSql, values: unknown[]): string[] {
  return [
    ...filter.conditions,
    ...filter.oneOf.map((oneOf) => `${oneOf.column} = ANY($${values.push([...oneOf.values])}::${oneOf.type}[])`),
  ];
}

/**
 * One page of a list under `filter` (its parameters in `values`), newest first; the total only
 * when asked for: `exactTotal` when the store can read it at constant cost (counters), else
 * counted up to the filter's cap (COUNT_CAP).
 */
export async function listPage<Row extends QueryResultRow>(
  sql: RequestSql,
  source: ListSource<Row>,
  filter: ListFilterSql,
  values: readonly unknown[],
  request: PageRequest,
  exactTotal?: () => Promise<number>,
): Promise<Page<Row>> {
  const { table, order, cursorScope = "" } = source;
  const cap = filter.countCap ?? COUNT_CAP;
  if (filter.oneOf.some((oneOf) => oneOf.values.length === 0)) return emptyPage(request);
  const pageValues = [...values];
  const direction = readDirection(request);
  const cursor = cursorOf(request);
  const pageFilter = cursor
    ? {
        ...filter,
        conditions: [
          ...filter.conditions,
          afterCondition(order, decodeCursor(order, cursor, cursorScope), pageValues, direction),
        ],
      }
    : filter;
  if (
    request.withTotalCount &&
    !exactTotal &&
    filter.countWithPage &&
    request.after === null &&
    !request.backward &&
    request.first < cap &&
    filter.oneOf.every((oneOf) => oneOf.values.length === 1)
  ) {
    return pageCountedInOneStatement(sql, source, filter, pageValues, request, cap);
  }
  const limit = `$${pageValues.push(request.first + 1)}`;
  const countValues = [...values];
  const counted = countConditions(filter, countValues);
  const [rows, total] = await Promise.all([
    sql.rows<Row>(orderedRows(source, pageFilter, pageValues, limit, direction), pageValues, {
      plannedPerCall: filter.plannedPerCall,
    }),
    !request.withTotalCount
      ? null
      : exactTotal
        ? exactTotal().then((value) => ({ value, exact: true }))
        : sql
            .rows<{ count: number }>(
              `SELECT count(*)::int AS count FROM (SELECT 1 FROM ${table}
               WHERE ${counted.length ? counted.join(" AND ") : "true"} LIMIT ${cap + 1}) capped`,
              countValues,
              { plannedPerCall: filter.plannedPerCall },
            )
            .then((counts) => cappedCount(counts[0]?.count ?? 0, cap)),
  ]);
  return toPage(rows, request, order, total, cursorScope);
}

/** The column a one-statement page counts its matches into (no record field is named so). */
const MATCHES_COUNTED = "matchesCountedForTotal";

/**
 * The first page and its capped total from one statement: the first `cap + 1` rows in the list's
 * order, counted by a window over them, of which the page keeps `first + 1`.
 */
async function pageCountedInOneStatement<Row extends QueryResultRow>(
  sql: RequestSql,
  source: ListSource<Row>,
  filter: ListFilterSql,
  values: unknown[],
  request: PageRequest,
  cap: number,
): Promise<Page<Row>> {
  const ranked = orderedRows(source, filter, values, `$${values.push(cap + 1)}`);
  const order = source.order.keys.map((key) => `ranked."${fieldOf(key.column)}" DESC`).join(", ");
  const rows = await sql.rows<Row & { [MATCHES_COUNTED]: number }>(
    `SELECT ranked.*, count(*) OVER ()::int AS "${MATCHES_COUNTED}" FROM (${ranked}) ranked
     ORDER BY ${order} LIMIT $${values.push(request.first + 1)}`,
    values,
    { plannedPerCall: filter.plannedPerCall },
  );
  const matches = rows[0]?.[MATCHES_COUNTED] ?? 0;
  const pageRows = rows.map(({ [MATCHES_COUNTED]: _counted, ...row }) => row as unknown as Row);
  return toPage(pageRows, request, source.order, cappedCount(matches, cap), source.cursorScope ?? "");
}

/** A list that every tenant has (its runs, its audit events), as a store describes it. */
export interface PerTenantList<Row, Filter> extends ListSource<Row> {
  /** The filter as SQL, appending its parameters to `values`. */
  filterSql(filter: Filter, values: unknown[]): ListFilterSql;
  /** A stable text for the filter: requests with equal filters share a statement. */
  filterKey(filter: Filter): string;
}

interface WindowKey<Filter> {
  tenantId: string;
  filter: Filter;
  request: PageRequest;
  /** The position the request's cursor names (`after`, or `before` for a backward page). */
  position: KeysetPosition | null;
}

/**
 * One page of the same list for many tenants (a page of tenants, a batch of entities) in one
 * statement, whatever the number of tenants: a LATERAL subquery per tenant walks the list's
 * index for `first + 1` rows, so the cost follows the page size, not the tenants' history.
 * Totals, when asked for, are counted in the same statement, each up to COUNT_CAP.
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
    const cursor = cursorOf(request);
    const position = cursor ? decodeCursor(this.list.order, cursor, tenantId) : null;
    return this.windows.load({ tenantId, filter, request, position });
  }

  private shapeOf(key: WindowKey<Filter>): string {
    const { first, after, backward, before, withTotalCount } = key.request;
    return JSON.stringify([first, after, backward, before, withTotalCount, this.list.filterKey(key.filter)]);
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
    const { table, order } = this.list;
    const direction = readDirection(shape.request);
    const values: unknown[] = [[...new Set(group.map((key) => key.tenantId))]];
    const filter = this.list.filterSql(shape.filter, values);
    const ofParent = "tenant_id = parent.tenant_id";
    const pageFilter: ListFilterSql = {
      conditions: [
        ofParent,
        ...filter.conditions,
        ...(shape.position ? [afterCondition(order, shape.position, values, direction)] : []),
      ],
      oneOf: filter.oneOf,
    };
    const page = orderedRows(this.list, pageFilter, values, `$${values.push(shape.request.first + 1)}`, direction);
    // With a total, one row per tenant at least (its page's columns null when it has no rows),
    // each carrying the tenant's total: still one statement.
    const rows = shape.request.withTotalCount
      ? await this.sql.rows<Row & { parentId: string; total: number }>(
          `SELECT parent.tenant_id AS "parentId", counted.total, page.* FROM unnest($1::uuid[]) AS parent(tenant_id)
           CROSS JOIN LATERAL (SELECT count(*)::int AS total FROM (SELECT 1 FROM ${table}
             WHERE ${[ofParent, ...countConditions(filter, values)].join(" AND ")} LIMIT ${COUNT_CAP + 1}) capped) counted
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
        shape.request.withTotalCount ? cappedCount(totals.get(key.tenantId) ?? 0) : null,
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
