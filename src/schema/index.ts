import { printSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLSchema } from "graphql";
import { builder } from "./builder.ts";
// Each type family declares its types, inputs, payloads and root fields, wiring in the
// resolvers of src/resolvers; the order fixes the order of Query and Mutation fields in the SDL.
import "./types/enums.ts";
import "./types/common.ts";
import "./types/refs.ts";
import "./types/actor.ts";
import "./types/tenant.ts";
import "./types/operation-run.ts";
import "./types/audit.ts";
import "./types/tenant-event.ts";
import "./types/webhook.ts";
import "./types/lifecycle.ts";
import "./types/onboarding.ts";

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
