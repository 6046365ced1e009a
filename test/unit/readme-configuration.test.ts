// Every variable the service reads is in README's configuration table: a user configuring the
// service from the README never meets an undocumented one.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIGURATION_VARIABLES } from "../../src/server/config.ts";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The backticked names in the first column of the table under "## Configuration". */
function documentedVariables(): Set<string> {
  const section = readme.split(/^## /m).find((part) => part.startsWith("Configuration"));
  if (!section) throw new Error('README has no "## Configuration" section');
  const firstCells = section
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) => line.split("|")[1] ?? "");
  return new Set(
    firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1] as string)),
  );
}

describe("README's configuration table", () => {
  it("lists every environment variable the config schema reads", () => {
    const documented = documentedVariables();
    expect(CONFIGURATION_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });

  it("lists no variable the service does not read", () => {
    const read = new Set(CONFIGURATION_VARIABLES);
    expect([...documentedVariables()].filter((name) => !read.has(name))).toEqual([]);
  });
});
