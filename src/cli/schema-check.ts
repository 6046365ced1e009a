// `npm run schema:check [-- --base <git-ref|file>]`: the SDL this code serves, against the base
// (default: the committed schema.graphql at HEAD), classified breaking / dangerous / safe, then
// composed with the example neighbours. Exits 1 on a breaking change or a composition error.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkSubgraphSchema, formatReport } from "../federation/schema-check.ts";
import { readSupergraphConfig } from "../federation/supergraph.ts";
import { printSubgraphSdl } from "../schema/index.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { values } = parseArgs({ options: { base: { type: "string", default: "HEAD" }, current: { type: "string" } } });

function readBase(base: string): string {
  if (existsSync(base)) return readFileSync(base, "utf8");
  try {
    return execFileSync("git", ["show", `${base}:schema.graphql`], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch {
    throw new Error(`--base ${base} is neither a file nor a git ref with schema.graphql`);
  }
}

try {
  const report = checkSubgraphSchema({
    baseSdl: readBase(values.base),
    currentSdl: values.current ? readFileSync(values.current, "utf8") : printSubgraphSdl(),
    subgraphs: await readSupergraphConfig(join(root, "supergraph.yaml")),
  });
  process.stdout.write(`${formatReport(report)}\n`);
  process.exit(report.passed ? 0 : 1);
} catch (error) {
  process.stderr.write(`schema check could not run: ${(error as Error).message}\n`);
  process.exit(2);
}
