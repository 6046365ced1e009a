// The built console (Vite's output of console/) held in memory: a few small files, each kept as
// is and gzipped, so a first load costs no disk read and no compression per request. Only files
// found in the build directory are ever served, so no request path can reach another file.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/** Worth compressing: text, and anything larger than a packet. */
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt", ".map"]);

export interface ConsoleFile {
  contentType: string;
  body: Buffer;
  gzipped: Buffer | null;
  /** Vite names what it emits under assets/ by content hash: those never change under their name. */
  immutable: boolean;
}

export interface ConsoleBuild {
  /** Keyed by the path under /console/, e.g. `index.html`, `assets/index-3f2a.js`. */
  files: ReadonlyMap<string, ConsoleFile>;
  /** index.html's modification time when read: a rebuild under a running server is picked up. */
  indexMtimeMs: number;
}

/**
 * Where a build is looked for, first match wins: `dist/console/` beside the bundled `dist/main.js`
 * (`npm run start:built`), and the repository's `dist/console/` seen from `src/console/` (`npm start`).
 */
export function defaultAssetDirectories(): string[] {
  return [
    fileURLToPath(new URL("./console/", import.meta.url)),
    fileURLToPath(new URL("../../dist/console/", import.meta.url)),
  ];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first directory holding a built console (an index.html), or null. */
export function findAssetDirectory(candidates: readonly string[]): string | null {
  return candidates.find((directory) => isFile(join(directory, "index.html"))) ?? null;
}

function listFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Reads a build into memory; null when the directory holds none. */
export function readConsoleBuild(directory: string): ConsoleBuild | null {
  const index = join(directory, "index.html");
  if (!isFile(index)) return null;
  const files = new Map<string, ConsoleFile>();
  for (const path of listFiles(directory)) {
    const name = relative(directory, path).split(sep).join("/");
    const extension = extname(name);
    const body = readFileSync(path);
    files.set(name, {
      contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
      body,
      gzipped: COMPRESSIBLE.has(extension) && body.length > 1024 ? gzipSync(body, { level: 9 }) : null,
      immutable: name.startsWith("assets/"),
    });
  }
  return { files, indexMtimeMs: statSync(index).mtimeMs };
}

/** The build again when index.html changed since it was read (a `npm run build:console` meanwhile). */
export function refreshed(directory: string, build: ConsoleBuild | null): ConsoleBuild | null {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(join(directory, "index.html")).mtimeMs;
  } catch {
    return null;
  }
  return build && build.indexMtimeMs === mtimeMs ? build : readConsoleBuild(directory);
}
