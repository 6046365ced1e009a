import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { GraphQLError, Kind, type OperationDefinitionNode, type SelectionSetNode, type ValidationRule } from "graphql";
import type { Config } from "./config.ts";

/**
 * Query limits from GraphQL Armor (depth, aliases, tokens, directives, cost; field suggestions
 * off in production). Each refusal is a validation error: HTTP 400 with a message naming the limit.
 */
export function queryLimits(config: Config): { plugins: ApolloServerPlugin[]; validationRules: ValidationRule[] } {
  const { limits } = config;
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    maxTokens: { n: limits.maxTokens, exposeLimits: true },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, exposeLimits: true },
    blockFieldSuggestion: { enabled: config.isProduction },
  });
  const { plugins, validationRules } = armor.protect();
  // graphql-armor is typed against Apollo's CommonJS build; the plugin objects are the same shape.
  return { plugins: plugins as unknown as ApolloServerPlugin[], validationRules };
}

function entityFieldsOf(selectionSet: SelectionSetNode | undefined) {
  return (selectionSet?.selections ?? []).filter(
    (selection) => selection.kind === Kind.FIELD && selection.name.value === "_entities",
  );
}

/** A gateway batches entity lookups; an unbounded batch is still refused (HTTP 400). */
export function entityBatchLimit(maxRepresentations: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          for (const field of entityFieldsOf((operation as OperationDefinitionNode).selectionSet)) {
            if (field.kind !== Kind.FIELD) continue;
            const argument = field.arguments?.find((arg) => arg.name.value === "representations");
            let count = 0;
            if (argument?.value.kind === Kind.VARIABLE) {
              const value = request.variables?.[argument.value.name.value];
              count = Array.isArray(value) ? value.length : 0;
            } else if (argument?.value.kind === Kind.LIST) {
              count = argument.value.values.length;
            }
            if (count > maxRepresentations) {
              throw new GraphQLError(
                `_entities accepts at most ${maxRepresentations} representations per request (got ${count})`,
                {
                  extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
                },
              );
            }
          }
        },
      };
    },
  };
}
