import SchemaBuilder from "@pothos/core";
import DirectivesPlugin from "@pothos/plugin-directives";
import FederationPlugin from "@pothos/plugin-federation";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import { requiredScopeAlternatives, type Capability } from "../domain/capabilities.ts";
import { accessError, holdsAnyCapability, type AuthScopes, type GraphQLContext } from "../resolvers/context.ts";

/** The one SchemaBuilder. Plugin order is the documented one: auth wraps resolvers before federation. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin, DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      authenticated: context.access.kind === "ok",
      anyCapability: (capabilities) => holdsAnyCapability(context, capabilities),
    }),
    unauthorizedError: (_parent, context, info) => accessError(context, info.operation.operation),
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    pageInfoTypeOptions: { shareable: true },
  },
});

builder.addScalarType("DateTime", DateTimeResolver, {});
builder.addScalarType("JSON", JSONResolver, {});
builder.queryType({});
builder.mutationType({});

/** Field options for "any token": enforced here and printed as @authenticated for the router. */
export const authenticatedField = {
  authScopes: { authenticated: true },
  authenticated: true,
} as const;

/** Field options for a capability: enforced from the capability table and printed from it as @requiresScopes. */
export function capabilityField(...capabilities: Capability[]) {
  return {
    authScopes: { anyCapability: capabilities },
    requiresScopes: requiredScopeAlternatives(capabilities),
  };
}
