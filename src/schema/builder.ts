import SchemaBuilder from "@pothos/core";
import DirectivesPlugin from "@pothos/plugin-directives";
import FederationPlugin from "@pothos/plugin-federation";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import { hasAnyCapability, requiredScopeAlternatives, type Capability } from "../domain/capabilities.ts";
import type { ServiceContext } from "../services/service-context.ts";
import type { GraphQLContext } from "./context.ts";

export interface AuthScopes {
  authenticated: boolean;
  anyCapability: readonly Capability[];
}

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
    unauthorizedError: (_parent, context) => accessError(context),
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

function holdsAnyCapability(context: GraphQLContext, capabilities: readonly Capability[]): boolean {
  return context.access.kind === "ok" && hasAnyCapability(context.access.services.viewer.principal, capabilities);
}

/**
 * Whether a field's scopes (its `authScopes` option) let this request resolve it, as scope-auth
 * will judge it: the cost analysis counts nothing below a field the caller will be refused.
 */
export function authScopesAllow(context: GraphQLContext, scopes: Partial<AuthScopes> | undefined): boolean {
  if (scopes?.authenticated && context.access.kind !== "ok") return false;
  return !scopes?.anyCapability || holdsAnyCapability(context, scopes.anyCapability);
}

/** The error an unauthorized field raises: UNAUTHENTICATED without a valid token, else FORBIDDEN. */
export function accessError(context: GraphQLContext): GraphQLError {
  const { access } = context;
  if (access.kind === "anonymous") {
    return new GraphQLError(access.tokenProblem ?? "Authentication required", {
      extensions: { code: "UNAUTHENTICATED" },
    });
  }
  if (access.kind === "refused") {
    return new GraphQLError(access.message, {
      extensions: { code: "FORBIDDEN", ...(access.reason ? { reason: access.reason } : {}) },
    });
  }
  return new GraphQLError("You do not have permission to perform this action", { extensions: { code: "FORBIDDEN" } });
}

/** The services' context of an authorized request (scope-auth has already refused the others). */
export function servicesOf(context: GraphQLContext): ServiceContext {
  if (context.access.kind !== "ok") throw accessError(context);
  return context.access.services;
}

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
