// Writes the subgraph SDL (as `_service { sdl }` serves it) to schema.graphql at the repo root.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printSubgraphSdl } from "../schema/index.ts";

const target = fileURLToPath(new URL("../../schema.graphql", import.meta.url));
writeFileSync(target, printSubgraphSdl());
process.stdout.write(`wrote ${target}\n`);
