// The request context every resolver receives, and the two ways a resolver reaches the
// services: `servicesOf` (an authorized request's service context) or the error saying why not.
import { GraphQLError, OperationTypeNode } from "graphql";
import type { Logger } from "pino";
import type { Capability } from "../domain/capabilities.ts";
import type { Principal } from "../domain/principal.ts";
import type { ServiceContext } from "../services/service-context.ts";
import { overrideReadOnlyError, viewerHoldsAnyCapability } from "../services/authorization/viewer.ts";
import type { Ticket } from "../server/admission/admission.ts";

/**
 * Per-request access as the resolvers see it. `ok` carries the services' context; the other
 * kinds say why no service may be called (and so which error an authenticated field raises).
 */
export type RequestAccess =
  | { kind: "anonymous"; tokenProblem: string | null }
  | { kind: "refused"; principal: Principal; message: string; reason?: string }
  | { kind: "ok"; services: ServiceContext };

export interface GraphQLContext {
  requestId: string;
  logger: Logger;
  access: RequestAccess;
  /** Filled in while the request runs; the request log line reports it. */
  record: { operationName?: string; operationType?: string; sub?: string; cost?: number };
  /** The request's admission (its caller's cost buckets); absent where no HTTP server admitted it. */
  admission?: Ticket;
  /** Domain counters the resolvers report (e.g. lifecycle transitions). */
  metrics: { transitions: { inc(labels: { transition: string }): void } };
}

/** The scopes a field may demand (scope-auth's `authScopes`). */
export interface AuthScopes {
  authenticated: boolean;
  anyCapability: readonly Capability[];
}

export function holdsAnyCapability(context: GraphQLContext, capabilities: readonly Capability[]): boolean {
  return context.access.kind === "ok" && viewerHoldsAnyCapability(context.access.services.viewer, capabilities);
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
export function accessError(context: GraphQLContext, operation?: OperationTypeNode): Error {
  const { access } = context;
  // A mutation under an override is refused for the override whatever the caller's scopes, so
  // support:read (which may not write anyway) learns the same reason as an operator.
  if (
    operation === OperationTypeNode.MUTATION &&
    access.kind === "ok" &&
    access.services.viewer.tenantScope?.viaOperatorOverride
  ) {
    return overrideReadOnlyError();
  }
  if (access.kind !== "ok") return withoutAccessError(access);
  return new GraphQLError("You do not have permission to perform this action", { extensions: { code: "FORBIDDEN" } });
}

/** Why a request without access may not resolve protected fields: UNAUTHENTICATED, or FORBIDDEN for a refused caller. */
export function withoutAccessError(access: Exclude<RequestAccess, { kind: "ok" }>): GraphQLError {
  if (access.kind === "anonymous") {
    return new GraphQLError(access.tokenProblem ?? "Authentication required", {
      extensions: { code: "UNAUTHENTICATED" },
    });
  }
  return new GraphQLError(access.message, {
    extensions: { code: "FORBIDDEN", ...(access.reason ? { reason: access.reason } : {}) },
  });
}

/** The services' context of an authorized request (scope-auth has already refused the others). */
export function servicesOf(context: GraphQLContext): ServiceContext {
  if (context.access.kind !== "ok") throw accessError(context);
  // Every resolver that does work comes here first: a request past its time stops at the next
  // one, even when nothing it does reads the database (design §6).
  context.access.services.sql.assertInTime();
  return context.access.services;
}
