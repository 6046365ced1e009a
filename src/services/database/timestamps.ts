import pg from "pg";

const TIMESTAMPTZ_OID = 1184;
const generalParser = pg.types.getTypeParser(TIMESTAMPTZ_OID, "text") as (value: string) => Date;

/** Session setting for the service's connections: timestamps then always arrive in UTC. */
export const UTC_SESSION_OPTIONS = "-c TimeZone=UTC";

const DASH = 45;
const SPACE = 32;
const COLON = 58;
const DOT = 46;

function digitsAt(value: string, start: number, count: number): number {
  let number = 0;
  for (let index = start; index < start + count; index += 1) number = number * 10 + value.charCodeAt(index) - 48;
  return number;
}

/**
 * timestamptz as a Date. With the session in UTC, PostgreSQL writes `YYYY-MM-DD HH:MM:SS[.ffffff]+00`,
 * read here digit by digit instead of by the general parser's regular expression: a page reads
 * a thousand of them (bench scenarios (b) and (c)). Anything else (BC, infinity, years before
 * 100, other offsets) goes to the general parser.
 */
export function parseTimestamptz(value: string): Date {
  const utcShape =
    value.length >= 22 &&
    value.charCodeAt(4) === DASH &&
    value.charCodeAt(7) === DASH &&
    value.charCodeAt(10) === SPACE &&
    value.charCodeAt(13) === COLON &&
    value.charCodeAt(16) === COLON &&
    value.endsWith("+00");
  const year = utcShape ? digitsAt(value, 0, 4) : 0;
  if (year < 100) return generalParser(value);
  let milliseconds = 0;
  if (value.charCodeAt(19) === DOT) {
    // Microseconds beyond the millisecond are dropped, as Date (and the general parser) do.
    const end = Math.min(value.length - 3, 23);
    for (let index = 20, scale = 100; index < end; index += 1, scale /= 10) {
      milliseconds += (value.charCodeAt(index) - 48) * scale;
    }
  }
  return new Date(
    Date.UTC(
      year,
      digitsAt(value, 5, 2) - 1,
      digitsAt(value, 8, 2),
      digitsAt(value, 11, 2),
      digitsAt(value, 14, 2),
      digitsAt(value, 17, 2),
      milliseconds,
    ),
  );
}

/** The pool's type parsers: pg's defaults but for timestamptz. */
export const serviceTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMPTZ_OID && format !== "binary"
      ? parseTimestamptz
      : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"],
};
