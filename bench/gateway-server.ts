// Hive Gateway in a process of its own for the benchmarks (bench/processes.ts), so that its CPU
// is measured apart from the load generator's: the supergraph from SUPERGRAPH_FILE, tokens
// verified with AUTH_JWT_SECRET, on an ephemeral port logged as `"url":"…"` (what the harness waits for).
import { readFile } from "node:fs/promises";
import { startHiveGateway } from "../src/federation/hive-gateway.ts";

const supergraphFile = process.env["SUPERGRAPH_FILE"];
const jwtSecret = process.env["AUTH_JWT_SECRET"];
if (!supergraphFile || !jwtSecret) throw new Error("SUPERGRAPH_FILE and AUTH_JWT_SECRET are required");
const gateway = await startHiveGateway({
  supergraphSdl: await readFile(supergraphFile, "utf8"),
  jwtSecret,
  port: 0,
});
console.log(JSON.stringify({ msg: "gateway listening", url: new URL(gateway.url).origin }));
const stop = async () => {
  await gateway.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
