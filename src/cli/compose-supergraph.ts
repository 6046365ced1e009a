// `npm run supergraph:compose`: composes supergraph.yaml in-process and writes supergraph.graphql.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { composeSupergraph, readSupergraphConfig } from "../federation/supergraph.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
try {
  const result = composeSupergraph(await readSupergraphConfig(join(root, "supergraph.yaml")));
  if (!result.ok) {
    process.stderr.write(`Composition failed:\n${result.errors.map((error) => `  - ${error}`).join("\n")}\n`);
    process.exit(1);
  }
  await writeFile(join(root, "supergraph.graphql"), result.supergraphSdl);
  for (const hint of result.hints) process.stdout.write(`hint: ${hint}\n`);
  process.stdout.write(`wrote ${root}/supergraph.graphql\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
