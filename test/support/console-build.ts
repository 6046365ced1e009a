// Builds the operator console once into a temporary directory for a test file, so tests never
// depend on (or overwrite) a developer's dist/console/. The server is pointed at it with
// CONSOLE_ASSETS_DIR.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

export interface ConsoleBuildDirectory {
  directory: string;
  remove(): Promise<void>;
}

export async function buildConsoleForTest(): Promise<ConsoleBuildDirectory> {
  const directory = await mkdtemp(join(tmpdir(), "tenant-console-build-"));
  await build({
    configFile: fileURLToPath(new URL("../../console/vite.config.ts", import.meta.url)),
    logLevel: "warn",
    build: { outDir: directory, emptyOutDir: true },
  });
  return { directory, remove: () => rm(directory, { recursive: true, force: true }) };
}
