import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLContext } from "../schema/context.ts";
import { isExpectedError } from "./error-formatting.ts";
import type { ServiceMetrics } from "./metrics.ts";

/** Per-operation metrics and logs: latency by operation name, errors by code, unexpected errors logged. */
export function observeRequests(metrics: ServiceMetrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const startedAt = process.hrtime.bigint();
      return {
        async didResolveOperation({ operationName, operation }) {
          contextValue.record.operationName = operationName ?? undefined;
          contextValue.record.operationType = operation?.operation;
        },
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            const code =
              typeof error.extensions?.["code"] === "string" ? error.extensions["code"] : "INTERNAL_SERVER_ERROR";
            metrics.errors.inc({ code: isExpectedError(error) ? code : "INTERNAL_SERVER_ERROR" });
            if (isExpectedError(error)) continue;
            contextValue.logger.error(
              { err: { name: error.name, message: error.message, stack: error.originalError?.stack }, operationName },
              "unexpected error while executing a request",
            );
          }
        },
        async willSendResponse({ response }) {
          const failed = response.body.kind === "single" && (response.body.singleResult.errors?.length ?? 0) > 0;
          metrics.requestDuration.observe(
            {
              operation_name: contextValue.record.operationName ?? "anonymous",
              operation_type: contextValue.record.operationType ?? "unknown",
              outcome: failed ? "error" : "ok",
            },
            Number(process.hrtime.bigint() - startedAt) / 1e9,
          );
        },
      };
    },
  };
}
