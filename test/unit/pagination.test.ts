// docs/design.md §6/§8: `first` is 1..100 on every connection, nested ones included (default 20);
// cursors are opaque, and anything not produced by the API is refused as a bad argument.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/services/errors.ts";
import {
  decodeCursor,
  decodeTimestampCursor,
  emptyPage,
  encodeCursor,
  isUuid,
  toPage,
  validatePageRequest,
} from "../../src/services/pagination.ts";

const ID = "7e57d004-2b97-4e7a-b45f-5387367791cd";
const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64url");

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
  it("defaults first to 20", () => {
    expect(validatePageRequest(undefined, undefined)).toEqual({ first: 20, after: null });
    expect(validatePageRequest(null, null)).toEqual({ first: 20, after: null });
  });

  it.each([1, 2, 50, 99, 100])("accepts first = %d", (first) => {
    expect(validatePageRequest(first, null).first).toBe(first);
  });

  it.each([0, 101, -1, 1.5, 1000, Number.NaN, Number.POSITIVE_INFINITY])("refuses first = %d", (first) => {
    const error = invalidArgument(() => validatePageRequest(first, null));
    expect(error.argument).toBe("first");
    expect(error.message).toMatch(/1.*100/);
  });

  it("passes after through", () => {
    expect(validatePageRequest(5, "abc")).toEqual({ first: 5, after: "abc" });
  });
});

describe("cursors", () => {
  it("round-trip a keyset position", () => {
    const position = { sortKey: "2026-01-02T03:04:05.678Z", id: ID };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it("round-trip a timestamp position", () => {
    const cursor = encodeCursor({ sortKey: "2026-01-02T03:04:05.678Z", id: ID });
    expect(decodeTimestampCursor(cursor)).toEqual({ at: new Date("2026-01-02T03:04:05.678Z"), id: ID });
  });

  it("are URL-safe strings", () => {
    expect(encodeCursor({ sortKey: "??>>~~", id: ID })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ["garbage", "not a cursor!!"],
    ["empty", ""],
    ["base64 of non-JSON", b64("hello")],
    ["a JSON object", b64('{"sortKey":"a","id":"b"}')],
    ["a one-element array", b64('["a"]')],
    ["a three-element array", b64('["a","b","c"]')],
    ["numbers", b64("[1,2]")],
    ["nulls", b64("[null,null]")],
    ["a JSON string", b64('"a"')],
    ["oversized", encodeCursor({ sortKey: "x".repeat(300), id: ID })],
    ["huge", "A".repeat(100_000)],
  ])("refuses %s as InvalidArgumentError on `after`", (_why, cursor) => {
    const error = invalidArgument(() => decodeCursor(cursor));
    expect(error.argument).toBe("after");
    expect(error.message).not.toContain(cursor.slice(0, 40) || "\u0000");
  });

  it.each([
    ["a sort key that is not a timestamp", encodeCursor({ sortKey: "yesterday", id: ID })],
    ["an id that is not a UUID", encodeCursor({ sortKey: "2026-01-02T03:04:05.678Z", id: "42" })],
    ["garbage", "%%%"],
  ])("refuses a timestamp cursor with %s", (_why, cursor) => {
    expect(invalidArgument(() => decodeTimestampCursor(cursor)).argument).toBe("after");
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
  const rows = [1, 2, 3].map((n) => ({ id: ID, at: `2026-01-0${n}T00:00:00.000Z` }));
  const positionOf = (row: { id: string; at: string }) => ({ sortKey: row.at, id: row.id });

  it("uses the extra (first + 1)th row only to know there is a next page", () => {
    const page = toPage(rows, { first: 2, after: null }, 10, positionOf);
    expect(page.items.map((item) => item.node)).toEqual(rows.slice(0, 2));
    expect(page.hasNextPage).toBe(true);
    expect(page.hasPreviousPage).toBe(false);
    expect(page.totalCount).toBe(10);
    expect(page.items.map((item) => decodeCursor(item.cursor))).toEqual(rows.slice(0, 2).map(positionOf));
  });

  it("has no next page when no extra row came back, and a previous one after a cursor", () => {
    const page = toPage(rows, { first: 3, after: "x" }, 3, positionOf);
    expect(page.items).toHaveLength(3);
    expect(page.hasNextPage).toBe(false);
    expect(page.hasPreviousPage).toBe(true);
  });

  it("emptyPage is empty", () => {
    expect(emptyPage()).toEqual({ items: [], hasNextPage: false, hasPreviousPage: false, totalCount: 0 });
  });
});
