// Every variable the service reads is in README's configuration table: a user configuring the
// service from the README never meets an undocumented one.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIGURATION_VARIABLES, loadConfig } from "../../src/server/config.ts";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

function configurationRows(): string[][] {
  const section = readme.split(/^## /m).find((part) => part.startsWith("Configuration"));
  if (!section) throw new Error('README has no "## Configuration" section');
  return section
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) => line.split("|").map((cell) => cell.trim()));
}

/** The backticked names in the first column of the table under "## Configuration". */
function documentedVariables(): Set<string> {
  const firstCells = configurationRows().map((cells) => cells[1] ?? "");
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

  it("gives each variable the default the service applies when it is not set", () => {
    // A row's default, where it is one backticked value (others say "none" or explain).
    const documentedDefaults = configurationRows().flatMap((cells) => {
      const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[1] ?? "")?.[1];
      const value = /^`([^`]+)`$/.exec(cells[2] ?? "")?.[1];
      return name && value ? [[name, value] as const] : [];
    });
    expect(documentedDefaults.length).toBeGreaterThan(15);
    const unset = loadConfig({});
    for (const [name, value] of documentedDefaults) {
      expect(loadConfig({ [name]: value }), `${name} = ${value}`).toEqual(unset);
    }
  });
});
