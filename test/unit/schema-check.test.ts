import { execFile } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { checkSubgraphSchema } from "../../src/federation/schema-check.ts";
import { composeSupergraph, readSupergraphConfig } from "../../src/federation/supergraph.ts";
import { printSubgraphSdl } from "../../src/schema/index.ts";

const root = new URL("../..", import.meta.url).pathname;
const served = printSubgraphSdl();
const subgraphs = await readSupergraphConfig(join(root, "supergraph.yaml"));

describe("supergraph composition", () => {
  it("composes this subgraph with the example neighbours, and the committed supergraph.graphql is its output", () => {
    const result = composeSupergraph(
      subgraphs.map((subgraph) => (subgraph.name === "tenant-lifecycle" ? { ...subgraph, sdl: served } : subgraph)),
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(readFileSync(join(root, "supergraph.graphql"), "utf8")).toBe(result.supergraphSdl);
  });
});

describe("schema check", () => {
  it("passes a safe change (an added optional field) and lists it as safe", () => {
    const current = served
      .replace("type Tenant", "type Tenant")
      .replace(/(type Tenant[^{]*\{\n)/, "$1  displayColor: String\n");
    const report = checkSubgraphSchema({ baseSdl: served, currentSdl: current, subgraphs });
    expect(report.passed).toBe(true);
    expect(report.changes).toEqual([{ kind: "safe", type: "ADDED", description: "Tenant.displayColor was added." }]);
  });

  it("fails a removed field and a changed type as breaking", () => {
    const removed = served.replace(
      /\n\s+"""Tenant-facing message, safe to show to the tenant."""\n\s+statusMessage: String/,
      "",
    );
    expect(removed).not.toBe(served);
    const removedReport = checkSubgraphSchema({ baseSdl: served, currentSdl: removed, subgraphs });
    expect(removedReport.passed).toBe(false);
    expect(removedReport.changes).toContainEqual({
      kind: "breaking",
      type: "FIELD_REMOVED",
      description: "TenantLifecycle.statusMessage was removed.",
    });

    const changed = served.replace(/(type TenantLifecycle[\s\S]*?)version: Int!/, "$1version: String!");
    const changedReport = checkSubgraphSchema({ baseSdl: served, currentSdl: changed, subgraphs });
    expect(changedReport.passed).toBe(false);
    expect(changedReport.changes).toContainEqual(
      expect.objectContaining({ kind: "breaking", type: "FIELD_CHANGED_KIND" }),
    );
  });

  it("fails a change that no longer composes with the neighbours", () => {
    // billing resolves Tenant by id; dropping that key from this subgraph breaks the supergraph.
    const current = served.replace(/type Tenant\n\s+@key\(fields: "id"\)\n/, "type Tenant\n");
    expect(current).not.toBe(served);
    const report = checkSubgraphSchema({ baseSdl: served, currentSdl: current, subgraphs });
    expect(report.passed).toBe(false);
    expect(report.compositionErrors.length).toBeGreaterThan(0);
  });

  it("exits non-zero from the command line on a breaking change", async () => {
    const directory = mkdtempSync(join(tmpdir(), "schema-check-"));
    const current = join(directory, "current.graphql");
    writeFileSync(current, served.replace(/(type TenantLifecycle[\s\S]*?)version: Int!/, "$1version: String!"));
    const run = promisify(execFile)(
      "npx",
      ["tsx", "src/cli/schema-check.ts", "--base", join(root, "schema.graphql"), "--current", current],
      { cwd: root },
    );
    await expect(run).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining("schema check FAILED") });
  });
});

describe("schema check on authorization directives", () => {
  it("reports a removed, added or changed @authenticated/@requiresScopes as dangerous", () => {
    const current = served
      .replace("viewerTenant: Tenant @authenticated", "viewerTenant: Tenant")
      .replace(
        'auditChain(tenantId: ID!): AuditChainVerification! @requiresScopes(scopes: [["platform:operator"], ["support:read"], ["support:lifecycle"], ["support:*"]])',
        'auditChain(tenantId: ID!): AuditChainVerification! @requiresScopes(scopes: [["platform:operator"]])',
      );
    expect(current).not.toBe(served);
    const report = checkSubgraphSchema({ baseSdl: served, currentSdl: current, subgraphs });
    expect(report.changes).toEqual([
      {
        kind: "dangerous",
        type: "AUTHORIZATION_DIRECTIVE_CHANGED",
        description: "Query.viewerTenant no longer carries @authenticated: a router stops enforcing it.",
      },
      {
        kind: "dangerous",
        type: "AUTHORIZATION_DIRECTIVE_CHANGED",
        description: expect.stringMatching(
          /^Query\.auditChain changed from @requiresScopes.* to @requiresScopes\(scopes: \[\["platform:operator"\]\]\)\.$/,
        ),
      },
    ]);
    expect(report.passed).toBe(true);
  });
});

describe("schema check on neighbours' references", () => {
  it("warns when a neighbour references Tenant or OperationRun through a non-null field, and passes", () => {
    const strictBilling = subgraphs.map((subgraph) =>
      subgraph.name === "billing"
        ? {
            ...subgraph,
            sdl: subgraph.sdl
              .replace("tenant: Tenant\n", "tenant: Tenant!\n")
              .replace("type Query {", "type Query {\n  recentTenants: [Tenant!]!"),
          }
        : subgraph,
    );
    const report = checkSubgraphSchema({ baseSdl: served, currentSdl: served, subgraphs: strictBilling });
    expect(report.warnings).toEqual([
      expect.stringMatching(/^billing: Invoice\.tenant is Tenant!; declare the Tenant reference nullable/),
      expect.stringMatching(/^billing: Query\.recentTenants is \[Tenant!\]!; declare the Tenant reference nullable/),
    ]);
    expect(report.passed).toBe(true);
  });

  it("has nothing to warn about in this repository's example neighbours", () => {
    expect(checkSubgraphSchema({ baseSdl: served, currentSdl: served, subgraphs }).warnings).toEqual([]);
  });
});
