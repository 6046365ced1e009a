// Date filters of time-ordered lists: a half-open range [after, before) on the list's time key.
import { InvalidArgumentError } from "./errors.ts";

/** From `after` (inclusive) to `before` (exclusive); null: unbounded on that side. */
export interface TimeRange {
  after: Date | null;
  before: Date | null;
}

export const UNBOUNDED: TimeRange = { after: null, before: null };

/** Years PostgreSQL's timestamptz and the cursors' ISO text both hold (a JS Date holds more). */
const EARLIEST = Date.UTC(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function bound(value: Date | null | undefined, name: string): Date | null {
  if (value == null) return null;
  const time = value.getTime();
  if (Number.isNaN(time) || time < EARLIEST || time > LATEST) {
    throw new InvalidArgumentError(`filter.${name} must be a time between the years 0001 and 9999`, "filter");
  }
  return value;
}

/** The range the filter's two fields name; `after` later than `before` is BAD_USER_INPUT. */
export function validateTimeRange(
  after: Date | null | undefined,
  before: Date | null | undefined,
  names: { after: string; before: string },
): TimeRange {
  const range = { after: bound(after, names.after), before: bound(before, names.before) };
  if (range.after && range.before && range.after.getTime() > range.before.getTime()) {
    throw new InvalidArgumentError(`filter.${names.after} must not be later than filter.${names.before}`, "filter");
  }
  return range;
}

export function isUnbounded(range: TimeRange): boolean {
  return range.after === null && range.before === null;
}

/**
 * The range as conditions on `column`, parameters appended to `values`: on the column that
 * leads the list's order (after its equality filters), a bound of the index range it walks.
 */
export function timeRangeConditions(column: string, range: TimeRange, values: unknown[]): string[] {
  const conditions: string[] = [];
  if (range.after) conditions.push(`${column} >= $${values.push(range.after)}::timestamptz`);
  if (range.before) conditions.push(`${column} < $${values.push(range.before)}::timestamptz`);
  return conditions;
}

/** A stable text for the range (requests with equal filters share a statement). */
export function timeRangeKey(range: TimeRange): string {
  return `${range.after?.toISOString() ?? ""}..${range.before?.toISOString() ?? ""}`;
}
