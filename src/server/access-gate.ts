import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import { withoutAccessError, type GraphQLContext } from "../resolvers/context.ts";
import { rootFieldsOf } from "./root-fields.ts";
import { withVariableDefaults } from "./variable-defaults.ts";

/** Root fields that answer without a token (design §3): `_service` (composition needs it) and introspection. */
const OPEN_ROOT_FIELDS: ReadonlySet<string> = new Set(["_service", "__typename", "__schema", "__type"]);

/**
 * A request without a valid token (or a refused one) that selects any other root field is refused
 * whole, with one error, before execution (design §3). Executed, it would answer one error per
 * protected field — one per `_entities` representation: thousands of errors and megabytes of body
 * for the price of one unauthenticated request.
 */
export function refuseWithoutAccess(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const { access } = contextValue;
      if (access.kind === "ok") return;
      return {
        async didResolveOperation({ operation, document, request }) {
          // No operation (unknown or missing operationName): Apollo reports that itself.
          if (!operation) return;
          const variables = withVariableDefaults(operation, request.variables ?? {});
          const fields = rootFieldsOf(operation.selectionSet, document, variables);
          if (fields.every((field) => OPEN_ROOT_FIELDS.has(field.name.value))) return;
          const error = withoutAccessError(access);
          // A request error, as routers expect one: status 200 for application/json (http-server.ts).
          throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}
