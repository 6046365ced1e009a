// PostGraphile 5 (Grafast) on the benchmark database: what a user would pick today instead of
// this subgraph. It declares Node >= 22 (on Node 20 it fails at query time inside @dataplan/pg),
// so the benchmark runs it only on Node 22+. The V4 preset keeps v4's names (allTenants,
// tenantById, …), so both PostGraphile targets answer the same documents. Bearer tokens are
// verified before PostGraphile runs (`peer-server.ts`). Env: DATABASE_URL, AUTH_JWT_SECRET, PORT.
import { postgraphile } from "postgraphile-v5";
import { makePgService } from "postgraphile-v5/adaptors/pg";
import { grafserv } from "postgraphile-v5/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile-v5/presets/amber";
import { makeV4Preset } from "postgraphile-v5/presets/v4";
import { servePeer } from "./peer-server.ts";

const pgl = postgraphile({
  extends: [PostGraphileAmberPreset, makeV4Preset({ dynamicJson: true, setofFunctionsContainNulls: false })],
  pgServices: [
    makePgService({ connectionString: process.env["DATABASE_URL"], schemas: ["public"], poolConfig: { max: 10 } }),
  ],
  grafserv: { graphqlPath: "/graphql", watch: false },
  grafast: { explain: false },
});
const serv = pgl.createServ(grafserv);
const handler = serv.createHandler();

servePeer({
  name: "postgraphile 5",
  path: "/graphql",
  handle: (request, response) => handler(request, response),
  release: async () => pgl.release(),
});
