import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { printSubgraphSdl } from "../../src/schema/index.ts";

describe("schema.graphql", () => {
  it("is the SDL the code prints (run `npm run schema:print` after changing the schema)", () => {
    const committed = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8");
    expect(committed).toBe(printSubgraphSdl());
  });
});
