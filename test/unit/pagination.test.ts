// docs/design.md §8: `first` is 1..100 on every connection, nested ones included (default 20);
// cursors are opaque, and anything the API did not produce for that list — or a position
// PostgreSQL cannot hold — is refused as a bad argument.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/services/errors.ts";
import {
  afterCondition,
  cappedCount,
  COUNT_CAP,
  decodeCursor,
  emptyPage,
  encodeCursor,
  keysetOrder,
  toPage,
  validatePageRequest,
} from "../../src/services/pagination.ts";
import { isUuid } from "../../src/services/text.ts";

const ID = "7e57d004-2b97-4e7a-b45f-5387367791cd";
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

interface Row {
  at: Date;
  id: string;
}
const BY_TIME = keysetOrder<Row>("things", [
  { column: "created_at", type: "timestamptz", of: (row) => row.at },
  { column: "id", type: "uuid", of: (row) => row.id },
]);
const BY_SEQUENCE = keysetOrder<{ sequence: number }>("events", [
  { column: "sequence", type: "int4", of: (row) => row.sequence },
]);
const row = (at: string): Row => ({ at: new Date(at), id: ID });

function invalidArgument(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error("expected an InvalidArgumentError, but nothing was thrown");
}

describe("validatePageRequest", () => {
  it("defaults first to 20 and counts nothing unless asked", () => {
    expect(validatePageRequest({})).toEqual({
      first: 20,
      after: null,
      backward: false,
      before: null,
      withTotalCount: false,
    });
    expect(validatePageRequest({ first: null, after: null, withTotalCount: true })).toEqual({
      first: 20,
      after: null,
      backward: false,
      before: null,
      withTotalCount: true,
    });
  });

  it.each([1, 2, 50, 99, 100])("accepts first = %d", (first) => {
    expect(validatePageRequest({ first }).first).toBe(first);
  });

  it.each([0, 101, -1, 1.5, 1000, Number.NaN, Number.POSITIVE_INFINITY])("refuses first = %d", (first) => {
    const error = invalidArgument(() => validatePageRequest({ first }));
    expect(error.argument).toBe("first");
    expect(error.message).toMatch(/1.*100/);
  });

  it.each([
    ["text that is not base64url", "not a cursor!!"],
    ["a lone surrogate", "abc\ud800"],
    ["NUL", "abc\u0000"],
    ["oversized", "A".repeat(100_000)],
  ])("refuses an `after` of %s before decoding it", (_why, after) => {
    expect(invalidArgument(() => validatePageRequest({ after })).argument).toBe("after");
    expect(invalidArgument(() => validatePageRequest({ last: 5, before: after })).argument).toBe("before");
  });

  it("pages backward with last (default 20 with before alone), bounded 1..100 as first is", () => {
    expect(validatePageRequest({ last: 7 })).toEqual({
      first: 7,
      after: null,
      backward: true,
      before: null,
      withTotalCount: false,
    });
    expect(validatePageRequest({ before: "abc" })).toMatchObject({ first: 20, backward: true, before: "abc" });
    for (const last of [0, 101, -1, 1.5]) {
      const error = invalidArgument(() => validatePageRequest({ last }));
      expect(error.argument).toBe("last");
      expect(error.message).toMatch(/last must be between 1 and 100/);
    }
  });

  it("refuses first with last, after with last and before with first", () => {
    expect(invalidArgument(() => validatePageRequest({ first: 5, last: 5 })).message).toBe(
      "Give first or last, not both",
    );
    expect(invalidArgument(() => validatePageRequest({ last: 5, after: "abc" })).argument).toBe("after");
    expect(invalidArgument(() => validatePageRequest({ first: 5, before: "abc" })).argument).toBe("before");
  });
});

describe("cursors", () => {
  it("round-trip a keyset position", () => {
    const cursor = encodeCursor(BY_TIME, row("2026-01-02T03:04:05.678Z"));
    expect(decodeCursor(BY_TIME, cursor)).toEqual([new Date("2026-01-02T03:04:05.678Z"), ID]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("belong to their list and scope: another list's or another tenant's cursor is refused", () => {
    const cursor = encodeCursor(BY_SEQUENCE, { sequence: 7 }, "tenant-a");
    expect(decodeCursor(BY_SEQUENCE, cursor, "tenant-a")).toEqual([7]);
    invalidArgument(() => decodeCursor(BY_SEQUENCE, cursor, "tenant-b"));
    invalidArgument(() =>
      decodeCursor(BY_TIME, encodeCursor(keysetOrder<Row>("others", BY_TIME.keys), row("2026-01-02T03:04:05.678Z"))),
    );
  });

  it.each([
    ["base64 of non-JSON", Buffer.from("hello").toString("base64url")],
    ["a JSON object", b64({ sortKey: "a", id: "b" })],
    ["too few keys", b64(["things", "", "2026-01-02T03:04:05.678Z"])],
    ["too many keys", b64(["things", "", "2026-01-02T03:04:05.678Z", ID, "x"])],
    ["numbers", b64(["things", "", 1, 2])],
    ["nulls", b64(["things", "", null, null])],
    ["a sort key that is not a timestamp", b64(["things", "", "yesterday", ID])],
    ["an id that is not a UUID", b64(["things", "", "2026-01-02T03:04:05.678Z", "42"])],
    ["the year 0000, which PostgreSQL cannot hold", b64(["things", "", "0000-01-01T00:00:00.000Z", ID])],
    ["a date that does not exist", b64(["things", "", "2026-02-31T00:00:00.000Z", ID])],
    ["an expanded-year timestamp", b64(["things", "", "+275760-09-13T00:00:00.000Z", ID])],
  ])("refuses %s", (_why, cursor) => {
    const error = invalidArgument(() => decodeCursor(BY_TIME, cursor));
    expect(error.argument).toBe("after");
  });

  it.each([
    ["negative", "-1"],
    ["beyond int4", "2147483648"],
    ["with a leading zero", "07"],
    ["fractional", "1.5"],
  ])("refuses a sequence that is %s", (_why, sequence) => {
    invalidArgument(() => decodeCursor(BY_SEQUENCE, b64(["events", "", sequence])));
  });

  it("turn a position into a row comparison the order's index serves", () => {
    const values: unknown[] = ["x"];
    expect(afterCondition(BY_TIME, [new Date(0), ID], values)).toBe("(created_at, id) < ($2::timestamptz, $3::uuid)");
    expect(afterCondition(BY_SEQUENCE, [5], [])).toBe("sequence < $1::int4");
  });
});

describe("isUuid", () => {
  it.each([ID, ID.toUpperCase(), "00000000-0000-0000-0000-000000000000"])("accepts %s", (value) => {
    expect(isUuid(value)).toBe(true);
  });

  it.each([
    "",
    "not-a-uuid",
    "7e57d004-2b97-4e7a-b45f-5387367791c",
    "7e57d004-2b97-4e7a-b45f-5387367791cdd",
    "7e57d0042b974e7ab45f5387367791cd",
    `{${ID}}`,
    ` ${ID}`,
    `${ID}\n`,
    "7e57d004-2b97-4e7a-b45f-5387367791cg",
  ])("refuses %j", (value) => {
    expect(isUuid(value)).toBe(false);
  });
});

describe("toPage", () => {
  const rows = [1, 2, 3].map((n) => row(`2026-01-0${n}T00:00:00.000Z`));
  const FORWARD = { first: 20, after: null, backward: false, before: null, withTotalCount: false };

  it("uses the extra (first + 1)th row only to know there is a next page", () => {
    const page = toPage(rows, { ...FORWARD, first: 2, withTotalCount: true }, BY_TIME, { value: 10, exact: true });
    expect(page.items.map((item) => item.node)).toEqual(rows.slice(0, 2));
    expect(page.hasNextPage).toBe(true);
    expect(page.hasPreviousPage).toBe(false);
    expect(page.totalCount).toEqual({ value: 10, exact: true });
    expect(page.items.map((item) => decodeCursor(BY_TIME, item.cursor))).toEqual(
      rows.slice(0, 2).map((each) => [each.at, each.id]),
    );
  });

  it("has no next page when no extra row came back, and a previous one after a cursor", () => {
    const page = toPage(rows, { ...FORWARD, first: 3, after: "x" }, BY_TIME, null);
    expect(page.items).toHaveLength(3);
    expect(page.hasNextPage).toBe(false);
    expect(page.hasPreviousPage).toBe(true);
    expect(page.totalCount).toBeNull();
  });

  it("puts a backward page's rows (read nearest the cursor first) back in the list's order", () => {
    // The list's order is rows' order: a backward read meets them from the end.
    const [top, middle, bottom] = rows as [Row, Row, Row];
    const backward = { ...FORWARD, backward: true, first: 2 };
    // The extra (third) row read says there is a previous page.
    const full = toPage([bottom, middle, top], backward, BY_TIME, null);
    expect(full.items.map((item) => item.node)).toEqual([middle, bottom]);
    expect(full.hasPreviousPage).toBe(true);
    expect(full.hasNextPage).toBe(false);
    const beforeCursor = toPage([bottom], { ...backward, before: "x" }, BY_TIME, null);
    expect(beforeCursor.items.map((item) => item.node)).toEqual([bottom]);
    expect(beforeCursor.hasPreviousPage).toBe(false);
    expect(beforeCursor.hasNextPage).toBe(true);
  });

  it("emptyPage is empty, with a zero total only when one was asked for", () => {
    expect(emptyPage({ withTotalCount: true })).toEqual({
      items: [],
      hasNextPage: false,
      hasPreviousPage: false,
      totalCount: { value: 0, exact: true },
    });
    expect(emptyPage({ withTotalCount: false }).totalCount).toBeNull();
  });
});

describe("capped counts", () => {
  it("are exact up to the cap and a lower bound beyond it", () => {
    expect(cappedCount(0)).toEqual({ value: 0, exact: true });
    expect(cappedCount(COUNT_CAP)).toEqual({ value: COUNT_CAP, exact: true });
    expect(cappedCount(COUNT_CAP + 1)).toEqual({ value: COUNT_CAP, exact: false });
  });
});
