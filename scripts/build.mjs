// Bundles the service into dist/main.js for `npm run start:built` (what production and the
// benchmark run), and the operator console into dist/console/ (served at /console by both
// `npm start` and `npm run start:built`). Dependencies stay external: they are installed, not bundled.
import { build } from "esbuild";
import { build as buildConsole } from "vite";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
console.log("built dist/main.js");

await buildConsole({ configFile: "console/vite.config.ts", logLevel: "warn" });
console.log("built dist/console/");
