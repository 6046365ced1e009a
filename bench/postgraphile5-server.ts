// PostGraphile 5 (Grafast) on the benchmark database: what a user would pick today instead of
// this subgraph. It declares Node >= 22 (on Node 20 it fails at query time inside @dataplan/pg),
// so the benchmark runs it only on Node 22+. The V4 preset keeps v4's names (allTenants,
// tenantById, …), so both PostGraphile targets answer the same documents. Bearer tokens are
// verified with the subgraph's own verifier before PostGraphile runs, so every target pays for
// authentication. Env: DATABASE_URL, AUTH_JWT_SECRET, PORT.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile-v5";
import { makePgService } from "postgraphile-v5/adaptors/pg";
import { grafserv } from "postgraphile-v5/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile-v5/presets/amber";
import { makeV4Preset } from "postgraphile-v5/presets/v4";
import { createTokenVerifier } from "../src/server/auth.ts";

const verify = createTokenVerifier({
  kind: "secret",
  secret: process.env["AUTH_JWT_SECRET"] ?? "",
  isDevelopmentSecret: false,
  maxTokenAgeSeconds: 24 * 3600,
});

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

const server = createServer((request, response) => {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
  void (token ? verify(token).catch(() => null) : Promise.resolve(null)).then((principal) => {
    if (!principal?.scopes.includes("platform:operator")) {
      response.writeHead(401, { "content-type": "application/json" });
      response.end('{"errors":[{"message":"UNAUTHENTICATED"}]}');
      return;
    }
    handler(request, response);
  });
});

server.listen(Number(process.env["PORT"] ?? 0), "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(JSON.stringify({ msg: "postgraphile 5 listening", url: `http://127.0.0.1:${port}/graphql` }));
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => server.close(() => void Promise.resolve(pgl.release()).then(() => process.exit(0))));
}
