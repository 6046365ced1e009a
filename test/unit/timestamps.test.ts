import pg from "pg";
import { describe, expect, it } from "vitest";
import { parseTimestamptz } from "../../src/services/database/timestamps.ts";

const general = pg.types.getTypeParser(1184, "text") as (value: string) => Date;

describe("timestamptz parsing", () => {
  it.each([
    "2026-11-23 09:10:54+00",
    "2026-11-23 09:10:54.1+00",
    "2026-11-23 09:10:54.123+00",
    "2026-11-23 09:10:54.123456+00",
    "1999-12-31 23:59:59.999+00",
    "2024-02-29 00:00:00.05+00",
    "0100-01-01 00:00:00+00",
  ])("reads the UTC shape %s exactly as the general parser does", (value) => {
    expect(parseTimestamptz(value).toISOString()).toBe(general(value).toISOString());
  });

  it.each([
    "2026-11-23 10:10:54.5+01",
    "2026-11-23 04:40:54-04:30",
    "0044-03-15 12:00:00+00 BC",
    "0044-03-15 12:00:00+00",
    "infinity",
  ])("hands any other shape (%s) to the general parser", (value) => {
    expect(String(parseTimestamptz(value))).toBe(String(general(value)));
  });
});
