// Bundles the service into dist/main.js for `npm run start:built` (what production and the
// benchmark run). Dependencies stay external: they are installed, not bundled.
import { build } from "esbuild";

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
