// PostGraphile 4.14 on the benchmark database: the tool a user might pick instead of this
// subgraph. v5 declares Node >= 22 and fails at query time on Node 20 (a TypeError inside @dataplan/pg).
// Bearer tokens are verified before PostGraphile runs (`peer-server.ts`). Env: DATABASE_URL, AUTH_JWT_SECRET, PORT.
import Module, { createRequire } from "node:module";
import { dirname, join } from "node:path";
import pg from "pg";
import type * as PostGraphile from "postgraphile";
import { servePeer } from "./peer-server.ts";

// PostGraphile 4 needs graphql 15 while this project uses 16, and npm leaves some of its
// dependencies (graphql-parse-resolve-info) resolving the top-level 16 and others their own
// nested copies of 15: "Cannot use GraphQLObjectType from another module or realm". In this
// process only, every `graphql` import resolves to PostGraphile's one copy of 15.
const require = createRequire(import.meta.url);
const graphql15 = join(dirname(require.resolve("postgraphile/package.json")), "node_modules", "graphql");
type Resolver = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolver };
const resolveFilename = loader._resolveFilename;
loader._resolveFilename = function (this: unknown, request, ...rest) {
  const redirected = request === "graphql" || request.startsWith("graphql/") ? graphql15 + request.slice(7) : request;
  return resolveFilename.call(this, redirected, ...rest);
};
const { postgraphile } = require("postgraphile") as typeof PostGraphile;

const pool = new pg.Pool({ connectionString: process.env["DATABASE_URL"], max: 10 });
const handler = postgraphile(pool, "public", {
  graphqlRoute: "/graphql",
  disableQueryLog: true,
  retryOnInitFail: false,
  watchPg: false,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  legacyRelations: "omit",
});

servePeer({
  name: "postgraphile",
  path: "/graphql",
  handle: (request, response) => handler(request, response),
  release: () => pool.end(),
});
