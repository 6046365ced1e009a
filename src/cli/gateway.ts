// `npm run gateway [-- --hive]`: a local supergraph for manual use. Starts the example neighbours
// (accounts, billing) on their supergraph.yaml ports and a gateway on GATEWAY_PORT (4000) in front
// of them and of this subgraph, which must be running (`npm start`, port 4001): @apollo/gateway,
// or Hive Gateway (verifying tokens with AUTH_JWT_SECRET and enforcing the SDL's directives).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAccountsSubgraph, startBillingSubgraph } from "../federation/example-neighbours.ts";
import { parseArgs } from "node:util";
import { startHiveGateway } from "../federation/hive-gateway.ts";
import { startLocalGateway } from "../federation/local-gateway.ts";
import { DEVELOPMENT_JWT_SECRET } from "../server/config.ts";
import { readSupergraphConfig } from "../federation/supergraph.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const subgraphs = await readSupergraphConfig(join(root, "supergraph.yaml"));
const portOf = (name: string) =>
  Number(new URL(subgraphs.find((subgraph) => subgraph.name === name)?.routingUrl ?? "http://x:0").port);

const neighbours = await Promise.all([
  startAccountsSubgraph(portOf("accounts")),
  startBillingSubgraph(portOf("billing")),
]);
const { values } = parseArgs({ options: { hive: { type: "boolean", default: false } } });
const options = {
  supergraphSdl: await readFile(join(root, "supergraph.graphql"), "utf8"),
  port: Number(process.env["GATEWAY_PORT"] ?? 4000),
  routerSecret: process.env["ROUTER_SHARED_SECRET"],
};
const gateway = values.hive
  ? await startHiveGateway({ ...options, jwtSecret: process.env["AUTH_JWT_SECRET"]?.trim() || DEVELOPMENT_JWT_SECRET })
  : await startLocalGateway(options);
process.stdout.write(`gateway: ${gateway.url}\naccounts: ${neighbours[0]?.url}\nbilling: ${neighbours[1]?.url}\n`);

const stop = async () => {
  await gateway.stop();
  await Promise.all(neighbours.map((neighbour) => neighbour.stop()));
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
