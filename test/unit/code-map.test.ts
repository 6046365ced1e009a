// The layering README's "Map of the code" promises, checked over the import graph and the SQL
// text of src/: who may import whom, where the Prisma artefacts are used, which module owns
// each table's SQL.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");

interface SourceFile {
  path: string;
  text: string;
  /** Import specifiers, relative ones resolved to repository paths (src/...). */
  imports: string[];
}

function sourceFiles(dir: string): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(full);
    if (!entry.name.endsWith(".ts")) return [];
    const text = readFileSync(full, "utf8");
    const imports = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"([^"]+)"/g)].map((match) => {
      const specifier = match[1] as string;
      return specifier.startsWith(".") ? relative(ROOT, resolve(dirname(full), specifier)) : specifier;
    });
    return [{ path: relative(ROOT, full), text, imports }];
  });
}

const FILES = sourceFiles(SRC);
const under = (folder: string) => FILES.filter((file) => file.path.startsWith(`src/${folder}/`));

function offenders(files: SourceFile[], forbidden: (specifier: string) => boolean): string[] {
  return files.flatMap((file) => file.imports.filter(forbidden).map((specifier) => `${file.path} → ${specifier}`));
}

describe("layers", () => {
  it("finds the source tree it checks", () => {
    expect(under("schema").length).toBeGreaterThan(5);
    expect(under("resolvers").length).toBeGreaterThan(5);
    expect(under("services").length).toBeGreaterThan(10);
  });

  it("src/schema declares types and wires resolvers in: it never imports a service", () => {
    expect(offenders(under("schema"), (specifier) => specifier.startsWith("src/services/"))).toEqual([]);
  });

  it("services and domain facts know nothing of GraphQL, the schema or the resolvers", () => {
    const graphqlAware = (specifier: string) =>
      specifier === "graphql" ||
      specifier.startsWith("@pothos/") ||
      specifier.startsWith("@apollo/") ||
      specifier.startsWith("src/schema/") ||
      specifier.startsWith("src/resolvers/") ||
      specifier.startsWith("src/server/");
    expect(offenders([...under("services"), ...under("domain")], graphqlAware)).toEqual([]);
  });

  it("domain fact tables depend on nothing but each other and the generated enums", () => {
    const upward = (specifier: string) =>
      specifier.startsWith("src/") && !specifier.startsWith("src/domain/") && !specifier.startsWith("src/generated/");
    expect(offenders(under("domain"), upward)).toEqual([]);
    expect(offenders(under("domain"), (specifier) => !specifier.startsWith("src/"))).toEqual([]);
  });
});

describe("Prisma", () => {
  it("is used for its generated types and enums only, in the two modules README names", () => {
    const users = FILES.filter((file) =>
      file.imports.some(
        (specifier) => specifier.startsWith("src/generated/prisma") || specifier.startsWith("@prisma/"),
      ),
    ).map((file) => file.path);
    expect(users.sort()).toEqual(["src/domain/vocabulary.ts", "src/services/database/columns.ts"]);
    const imported = FILES.flatMap((file) =>
      file.imports.filter((specifier) => specifier.startsWith("src/generated/prisma")),
    );
    // The browser entry and the enums carry no client: nothing can open a Prisma connection.
    expect(new Set(imported)).toEqual(new Set(["src/generated/prisma/browser.ts", "src/generated/prisma/enums.ts"]));
  });
});

describe("SQL", () => {
  // The offline audit verifier reads every audit table with its own SQL on purpose: it must not
  // trust the service's code (docs/audit-evidence.md). It only reads.
  const INDEPENDENT_READER = "src/services/audit/offline-verifier.ts";
  it("the independent audit verifier only reads", () => {
    const verifier = FILES.find((file) => file.path === INDEPENDENT_READER)?.text ?? "";
    expect(verifier).toMatch(/SELECT/);
    expect(verifier).not.toMatch(/\b(?:INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|TRUNCATE)\b/i);
  });

  const TABLE_OWNERS: Record<string, string | string[]> = {
    tenants: "src/services/tenants/tenant-store.ts",
    tenant_status_counts: "src/services/tenants/tenant-store.ts",
    onboarding_sessions: "src/services/onboarding/session-store.ts",
    operation_runs: "src/services/operation-runs/run-store.ts",
    audit_events: "src/services/audit/audit-store.ts",
    // Written by the append; a checkpoint reads every head in the statement that records its leaves.
    audit_chain_heads: ["src/services/audit/audit-store.ts", "src/services/audit/audit-checkpoints.ts"],
    audit_checkpoints: "src/services/audit/audit-checkpoints.ts",
    audit_checkpoint_leaves: "src/services/audit/audit-checkpoints.ts",
    idempotency_records: "src/services/idempotency/idempotency-store.ts",
    webhook_endpoints: "src/services/webhooks/webhook-store.ts",
    webhook_secrets: "src/services/webhooks/webhook-store.ts",
    webhook_deliveries: "src/services/webhooks/webhook-store.ts",
    webhook_dispatch_cursor: "src/services/webhooks/webhook-store.ts",
    event_sink_cursors: "src/services/events/sink-cursor-store.ts",
    platform_audit_events: "src/services/audit/platform-audit-store.ts",
    webhook_attempts: "src/services/webhooks/webhook-store.ts",
  };

  it.each(Object.entries(TABLE_OWNERS))("every statement on %s is in %j", (table, owner) => {
    const statement = new RegExp(`\\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\\s+"?${table}\\b`, "i");
    const writers = FILES.filter((file) => statement.test(file.text) && file.path !== INDEPENDENT_READER).map(
      (file) => file.path,
    );
    // Migrations are SQL files, not modules; the runner applies them without naming a table.
    expect(writers.sort()).toEqual([owner].flat().sort());
  });
});
