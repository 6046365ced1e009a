// `npm run gateway`: a local supergraph for manual use. Starts the example neighbours (accounts,
// billing) on their supergraph.yaml ports and an @apollo/gateway on GATEWAY_PORT (4000) in front of
// them and of this subgraph, which must be running (`npm start`, port 4001).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAccountsSubgraph, startBillingSubgraph } from "../federation/example-neighbours.ts";
import { startLocalGateway } from "../federation/local-gateway.ts";
import { readSupergraphConfig } from "../federation/supergraph.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const subgraphs = await readSupergraphConfig(join(root, "supergraph.yaml"));
const portOf = (name: string) =>
  Number(new URL(subgraphs.find((subgraph) => subgraph.name === name)?.routingUrl ?? "http://x:0").port);

const neighbours = await Promise.all([
  startAccountsSubgraph(portOf("accounts")),
  startBillingSubgraph(portOf("billing")),
]);
const gateway = await startLocalGateway({
  supergraphSdl: await readFile(join(root, "supergraph.graphql"), "utf8"),
  port: Number(process.env["GATEWAY_PORT"] ?? 4000),
  routerSecret: process.env["ROUTER_SHARED_SECRET"],
});
process.stdout.write(`gateway: ${gateway.url}\naccounts: ${neighbours[0]?.url}\nbilling: ${neighbours[1]?.url}\n`);

const stop = async () => {
  await gateway.stop();
  await Promise.all(neighbours.map((neighbour) => neighbour.stop()));
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
