import { InvalidArgumentError } from "./errors.ts";
import { isUuid } from "./text.ts";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface PageRequest {
  /** The page size: `first`, or `last` for a backward page. */
  first: number;
  after: string | null;
  /**
   * A backward page (`last`/`before`): the `first` items just before `before` (the list's last
   * ones without it), still in the list's order.
   */
  backward: boolean;
  before: string | null;
  /** Whether the caller asked for the total (it is never counted otherwise). */
  withTotalCount: boolean;
}

/** A total as the connection reports it: exact, or a lower bound when counting stopped at a cap. */
export interface TotalCount {
  value: number;
  exact: boolean;
}

/** An item of a page: its node and its cursor. */
export interface PageItem<T> {
  readonly node: T;
  readonly cursor: string;
}

/** A page in the shape Relay connections need, independent of GraphQL. */
export interface Page<T> {
  items: PageItem<T>[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Present exactly when the request asked for it. */
  totalCount: TotalCount | null;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  withTotalCount?: boolean;
}

const CURSOR_TEXT = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * The 1..100 bound holds for every list, nested connections included, and for `last` as for
 * `first`. A page goes one way: `first` (with `after`) or `last` (with `before`), never both.
 */
export function validatePageRequest(args: PageArgs): PageRequest {
  const backward = args.last != null || (args.before != null && args.before !== "");
  if (backward) {
    if (args.first != null && args.last != null) throw new InvalidArgumentError("Give first or last, not both", "last");
    if (args.first != null) throw beforeWithFirst();
    if (args.after) throw new InvalidArgumentError("after pages forward: give it with first, not last", "after");
  }
  const name = backward ? "last" : "first";
  const size = (backward ? args.last : args.first) ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(`${name} must be between 1 and ${MAX_PAGE_SIZE}`, name);
  }
  // An empty cursor is no cursor: the first (or, backward, the last) page.
  const after = args.after || null;
  const before = args.before || null;
  if (after !== null && !CURSOR_TEXT.test(after)) throw notACursor("after");
  if (before !== null && !CURSOR_TEXT.test(before)) throw notACursor("before");
  return { first: size, after, backward, before, withTotalCount: args.withTotalCount ?? false };
}

function beforeWithFirst(): InvalidArgumentError {
  return new InvalidArgumentError("before pages backward: give it with last, not first", "before");
}

function notACursor(argument = "after"): InvalidArgumentError {
  return new InvalidArgumentError(`${argument} is not a cursor returned by this API`, argument);
}

// ---------------------------------------------------------------- keyset ordering

/** The SQL types a keyset column may have, each with the values PostgreSQL can hold. */
type KeyType = "timestamptz" | "uuid" | "int4";
type KeyValue = Date | string | number;

interface KeyColumn<Row> {
  column: string;
  type: KeyType;
  of(row: Row): KeyValue;
}

/**
 * A list ordered newest first by `keys` (all descending, the last one unique), paged by keyset:
 * the one pagination scheme of every list. `name` scopes cursors to their list, so a cursor of
 * one list is refused by another.
 */
export interface KeysetOrder<Row> {
  name: string;
  keys: readonly KeyColumn<Row>[];
}

export function keysetOrder<Row>(name: string, keys: readonly KeyColumn<Row>[]): KeysetOrder<Row> {
  return { name, keys };
}

/** The position a cursor names: one value per key, in the order's types. */
export type KeysetPosition = readonly KeyValue[];

/** `Date#toISOString` shape with a year PostgreSQL can hold (0001..9999). */
const ISO_TIMESTAMP = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const INT4 = /^(0|[1-9][0-9]{0,9})$/;

function keyText(type: KeyType, value: KeyValue): string {
  return type === "timestamptz" ? (value as Date).toISOString() : String(value);
}

/** A cursor's key as its SQL type, or null when PostgreSQL could not hold it (a forged cursor). */
function keyValue(type: KeyType, text: unknown): KeyValue | null {
  if (typeof text !== "string") return null;
  switch (type) {
    case "timestamptz": {
      if (!ISO_TIMESTAMP.test(text)) return null;
      const at = new Date(text);
      // A date that does not exist (2026-02-31) would be moved by Date, not refused.
      return Number.isNaN(at.getTime()) || at.toISOString() !== text ? null : at;
    }
    case "uuid":
      return isUuid(text) ? text.toLowerCase() : null;
    case "int4":
      return INT4.test(text) && Number(text) <= 2_147_483_647 ? Number(text) : null;
  }
}

export function encodeCursor<Row>(order: KeysetOrder<Row>, row: Row, scope = ""): string {
  const position = order.keys.map((key) => keyText(key.type, key.of(row)));
  return Buffer.from(JSON.stringify([order.name, scope, ...position]), "utf8").toString("base64url");
}

/**
 * The position an `after` cursor names; anything this API did not produce for this list (and
 * `scope`, e.g. the tenant of a nested list) is refused as BAD_USER_INPUT.
 */
export function decodeCursor<Row>(order: KeysetOrder<Row>, cursor: string, scope = ""): KeysetPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw notACursor();
  }
  if (!Array.isArray(decoded) || decoded.length !== order.keys.length + 2) throw notACursor();
  const [name, cursorScope, ...texts] = decoded as unknown[];
  if (name !== order.name || cursorScope !== scope) throw notACursor();
  const position = order.keys.map((key, index) => keyValue(key.type, texts[index]));
  if (position.some((value) => value === null)) throw notACursor();
  return position as KeyValue[];
}

/**
 * The direction rows are read in: the list's own (newest first), or its reverse for a backward
 * page, which reads the rows nearest its cursor first and is put back in the list's order after.
 */
export type ReadDirection = "DESC" | "ASC";

export function readDirection(request: Pick<PageRequest, "backward">): ReadDirection {
  return request.backward ? "ASC" : "DESC";
}

/** `a DESC, b DESC` for the order's keys (optionally qualified with a table alias); ASC reversed. */
export function orderByClause<Row>(order: KeysetOrder<Row>, alias = "", direction: ReadDirection = "DESC"): string {
  return order.keys.map((key) => `${alias}${key.column} ${direction}`).join(", ");
}

/**
 * The condition "after this position" in the read direction (before it in the list's order,
 * reading ASC), as SQL appending its parameters to `values` — a row comparison, which the
 * order's index serves directly, walked either way.
 */
export function afterCondition<Row>(
  order: KeysetOrder<Row>,
  position: KeysetPosition,
  values: unknown[],
  direction: ReadDirection = "DESC",
): string {
  const columns = order.keys.map((key) => key.column).join(", ");
  const parameters = order.keys.map((key, index) => `$${values.push(position[index])}::${key.type}`).join(", ");
  const comparison = direction === "DESC" ? "<" : ">";
  return order.keys.length === 1
    ? `${columns} ${comparison} ${parameters}`
    : `(${columns}) ${comparison} (${parameters})`;
}

/** The cursor a request reads from (`after`, or `before` for a backward page), if any. */
export function cursorOf(request: Pick<PageRequest, "after" | "before" | "backward">): string | null {
  return request.backward ? request.before : request.after;
}

/**
 * An item whose cursor is encoded when read (~1 µs each): a dashboard page of 50 tenants with 5
 * runs each has 300 items, and only the 50 tenants' cursors are usually selected.
 */
class KeysetPageItem<Row> implements PageItem<Row> {
  constructor(
    readonly node: Row,
    private readonly list: { order: KeysetOrder<Row>; scope: string },
  ) {}

  get cursor(): string {
    return encodeCursor(this.list.order, this.node, this.list.scope);
  }
}

/** An item of a mapped page: another node, the source item's cursor (still encoded when read). */
class MappedPageItem<T, U> implements PageItem<U> {
  constructor(
    private readonly source: PageItem<T>,
    readonly node: U,
  ) {}

  get cursor(): string {
    return this.source.cursor;
  }
}

/**
 * Builds the page from `first + 1` rows fetched in the read direction: a backward page's rows
 * came nearest-the-cursor first and are put back in the list's order. The side a page was read
 * towards says from the extra row whether more follow; the other side, whether a cursor was given.
 */
export function toPage<Row>(
  rows: Row[],
  request: PageRequest,
  order: KeysetOrder<Row>,
  totalCount: TotalCount | null,
  scope = "",
): Page<Row> {
  const more = rows.length > request.first;
  const read = more ? rows.slice(0, request.first) : rows;
  const nodes = request.backward ? [...read].reverse() : read;
  const list = { order, scope };
  return {
    items: nodes.map((node) => new KeysetPageItem(node, list)),
    hasNextPage: request.backward ? request.before !== null : more,
    hasPreviousPage: request.backward ? more : request.after !== null,
    totalCount,
  };
}

export function emptyPage<T>(request: Pick<PageRequest, "withTotalCount">): Page<T> {
  return {
    items: [],
    hasNextPage: false,
    hasPreviousPage: false,
    totalCount: request.withTotalCount ? { value: 0, exact: true } : null,
  };
}

/**
 * Counting stops here and the total is reported as "at least" (AT_LEAST): a count walks one index
 * entry per item counted, so an uncapped count of a fleet-wide list grows with the fleet.
 */
export const COUNT_CAP = 1_000;
/**
 * A search counts less far: its matches are rechecked row by row (trigram index), about 25 µs
 * each at 1 000 000 tenants — a search box shows "200+" rather than pay 25 ms for "1 000+".
 */
export const SEARCH_COUNT_CAP = 200;

/** The total of `count` rows counted with a LIMIT of `cap + 1`. */
export function cappedCount(count: number, cap = COUNT_CAP): TotalCount {
  return count > cap ? { value: cap, exact: false } : { value: count, exact: true };
}

/** A page of other items (the same cursors, the same total). */
export function mapPage<T, U>(page: Page<T>, map: (node: T) => U): Page<U> {
  return { ...page, items: page.items.map((item) => new MappedPageItem(item, map(item.node))) };
}
