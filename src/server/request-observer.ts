import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { OverloadedError } from "../services/errors.ts";
import type { GraphQLFormattedError } from "graphql";
import type { GraphQLContext } from "../resolvers/context.ts";
import { clientCodeOf, isExpectedError } from "./error-formatting.ts";
import type { ServiceMetrics } from "./metrics.ts";

/** Errors that stop a whole request: once one is raised, every later field raises it again. */
const REQUEST_STOPPING_CODES = new Set(["REQUEST_LIMIT_EXCEEDED", "SERVICE_UNAVAILABLE"]);

function codeOf(error: { extensions?: Record<string, unknown> }): string {
  const code = error.extensions?.["code"];
  return typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
}

/** One error per request-stopping code: a stopped page of a hundred fields answers with one error, not a hundred. */
function withoutRepeatedStops(errors: readonly GraphQLFormattedError[]): GraphQLFormattedError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const code = codeOf(error);
    if (!REQUEST_STOPPING_CODES.has(code)) return true;
    if (seen.has(code)) return false;
    seen.add(code);
    return true;
  });
}

/**
 * Per-operation metrics and logs: latency by operation, requests with errors by code, unexpected errors logged
 * with their stack, and a request stopped by a limit or an outage logged once.
 */
export function observeRequests(metrics: ServiceMetrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const startedAt = process.hrtime.bigint();
      // Until the request has passed validation with a valid token, its name is the client's word.
      let operationLabel = "unvalidated";
      // graphql_errors_total counts requests: a code counts once per request, however many fields
      // raised it (a refused page of a hundred items, or one stopped by a limit, is one error).
      const countedCodes = new Set<string>();
      return {
        async didResolveOperation({ operationName, operation }) {
          contextValue.record.operationName = operationName ?? undefined;
          contextValue.record.operationType = operation?.operation;
          if (contextValue.access.kind === "ok") operationLabel = metrics.operationLabel(operationName ?? null);
        },
        async didEncounterErrors({ errors, operationName }) {
          let stoppedWith: string | null = null;
          for (const error of errors) {
            const expected = isExpectedError(error);
            const code = expected ? clientCodeOf(error) : "INTERNAL_SERVER_ERROR";
            const label = metrics.errorCodeLabel(code);
            if (!countedCodes.has(label)) {
              countedCodes.add(label);
              metrics.errors.inc({ code: label });
            }
            if (REQUEST_STOPPING_CODES.has(code)) stoppedWith ??= code;
            if (expected) continue;
            contextValue.logger.error(
              { err: { name: error.name, message: error.message, stack: error.originalError?.stack }, operationName },
              "unexpected error while executing a request",
            );
          }
          // Busy and broken look alike to a client (both SERVICE_UNAVAILABLE); operators must tell them apart.
          const overloaded = errors.some((error) => unwrapResolverError(error) instanceof OverloadedError);
          if (overloaded) metrics.overloads.inc();
          if (stoppedWith) {
            contextValue.logger.warn(
              {
                code: stoppedWith,
                ...(overloaded ? { reason: "OVERLOADED", detail: "no database connection was free in time" } : {}),
                operationName,
              },
              "request stopped",
            );
          }
        },
        async willSendResponse({ response }) {
          const body = response.body;
          const errors = body.kind === "single" ? body.singleResult.errors : undefined;
          if (body.kind === "single" && errors) body.singleResult.errors = withoutRepeatedStops(errors);
          metrics.requestDuration.observe(
            {
              operation_name: operationLabel,
              operation_type: contextValue.record.operationType ?? "unknown",
              outcome: (errors?.length ?? 0) > 0 ? "error" : "ok",
            },
            Number(process.hrtime.bigint() - startedAt) / 1e9,
          );
        },
      };
    },
  };
}
