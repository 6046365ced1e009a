import { printSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLSchema } from "graphql";
import { builder } from "./builder.ts";
import "./types/enums.ts";
import "./types/refs.ts";
import "./types/actor.ts";
import "./types/audit.ts";
import "./types/lifecycle.ts";
import "./types/onboarding.ts";
import "./types/operation-run.ts";
import "./types/payloads.ts";
import "./types/tenant.ts";
import "../resolvers/queries.ts";
import "../resolvers/mutations.ts";

let schema: GraphQLSchema | undefined;

/** The subgraph schema (Federation 2.6 `@link`, `_service`, `_entities`), built once per process. */
export function buildSubgraphSchema(): GraphQLSchema {
  schema ??= builder.toSubGraphSchema({
    linkUrl: "https://specs.apollo.dev/federation/v2.6",
    federationDirectives: ["@key", "@shareable", "@authenticated", "@requiresScopes"],
    sortSchema: false,
  });
  return schema;
}

/** The SDL as `_service { sdl }` serves it and as `schema.graphql` commits it. */
export function printSubgraphSdl(): string {
  return `${printSubgraphSchema(buildSubgraphSchema()).trim()}\n`;
}
