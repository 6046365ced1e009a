// Builds the operator console (design §11) into dist/console/, served by the service at /console.
// React's JSX goes through Vite's own transform (no plugin): the console uses no Fast Refresh.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig(({ command }) => ({
  // React's production build whatever NODE_ENV the builder runs under (the test runner sets "test",
  // a shell may have "development"): the shipped console is never React's development build.
  define: command === "build" ? { "process.env.NODE_ENV": JSON.stringify("production") } : {},
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  publicDir: false,
  oxc: { jsx: { runtime: "automatic", development: command !== "build" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/console/", import.meta.url)),
    emptyOutDir: true,
    // The polyfill would be an extra script; every supported browser preloads modules itself.
    modulePreload: { polyfill: false },
    // The CSP allows no data: scripts or fonts; small assets stay files too.
    assetsInlineLimit: 0,
    target: "es2022",
    reportCompressedSize: true,
  },
}));
