import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printSubgraphSdl } from "../../src/schema/index.ts";

describe("schema.graphql", () => {
  it("is the SDL the code prints (run `npm run schema:print` after changing the schema)", () => {
    const committed = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8");
    expect(committed).toBe(printSubgraphSdl());
  });
});

describe("the search filter's description", () => {
  it("states the rule for 1–2-character terms, which match slug prefixes only (design §8)", () => {
    const description = /"""([^"]*)"""\s*search: String/.exec(printSubgraphSdl())?.[1] ?? "";
    expect(description).toContain("a term of 1–2 characters matches the start of the slug only");
  });
});
