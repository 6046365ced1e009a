import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationRule,
} from "graphql";
import type { Config } from "./config.ts";
import { rootFieldsOf } from "./root-fields.ts";
import { withVariableDefaults } from "./variable-defaults.ts";

/**
 * Query limits from GraphQL Armor (depth, aliases, directives) and graphql-js's own parser
 * (tokens). Each refusal is a validation or parse error:
 * HTTP 400 with a message naming the limit.
 */
export function queryLimits(config: Config): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
} {
  const { limits } = config;
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    // Every alias is counted, `__typename` ones included (Armor exempts those by default).
    maxAliases: { n: limits.maxAliases, exposeLimits: true, allowList: [] },
    // Armor's token plugin re-parses the query in a hook where any syntax error (or the limit
    // itself) becomes an HTTP 500; the parser's own limit fails as a parse error (400) instead.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    // Armor's cost limit reads literal arguments only; query-cost.ts computes cost with the variables.
    costLimit: { enabled: false },
    // The error formatter hides suggestions (error-formatting.ts), for every error kind; Armor's
    // plugin rewrites each error's message in place, which throws on an error whose message is
    // read-only and turns the request into a 500.
    blockFieldSuggestion: { enabled: false },
  });
  const { plugins, validationRules } = armor.protect();
  // graphql-armor is typed against Apollo's CommonJS build; the plugin objects are the same shape.
  return {
    plugins: plugins as unknown as ApolloServerPlugin[],
    validationRules: [knownOperationTypes, ...validationRules],
    parseOptions: { maxLexicalTokens: limits.maxTokens },
  };
}

/**
 * graphql-js 16 does not validate that the schema has a root type for the operation (this one has
 * no subscriptions): execution would fail with an error Apollo reports as internal.
 */
const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root =
      node.operation === OperationTypeNode.QUERY
        ? schema.getQueryType()
        : node.operation === OperationTypeNode.MUTATION
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (!root) {
      context.reportError(
        new GraphQLError(`This service does not support ${node.operation} operations`, { nodes: node }),
      );
    }
  },
});

/** Every `_entities` field of the operation's root, also inside inline fragments and fragment spreads. */
function entityFieldsOf(selectionSet: SelectionSetNode, document: DocumentNode): FieldNode[] {
  // Most operations select plain fields at the root, none of them `_entities`: answered without
  // walking (this check runs for every request).
  const plain = selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && selection.name.value !== "_entities",
  );
  if (plain) return [];
  return rootFieldsOf(selectionSet, document).filter((field) => field.name.value === "_entities");
}

function entityTypeNames(schema: GraphQLSchema): Set<string> {
  const union = schema.getType("_Entity");
  // A structural check: the schema may come from another copy of graphql-js (CommonJS vs ESM),
  // where the instanceof behind isUnionType throws.
  return new Set(union && "getTypes" in union ? union.getTypes().map((type) => type.name) : []);
}

function isRepresentationOf(value: unknown, typeNames: Set<string>): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const typeName: unknown = (value as Record<string, unknown>)["__typename"];
  return typeof typeName === "string" && typeNames.has(typeName);
}

function badRepresentations(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });
}

/**
 * A gateway batches entity lookups; an unbounded batch is still refused (HTTP 400), and so is a
 * representation that is not an object naming one of this subgraph's entity types (the federation
 * library would fail on it with an internal error).
 */
export function entityBatchLimit(maxRepresentations: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          // No operation (unknown or missing operationName): Apollo reports that itself.
          if (!operation) return;
          const variables = withVariableDefaults(operation, request.variables ?? {});
          const representations = entityFieldsOf(operation.selectionSet, document).flatMap((field) => {
            const argument = field.arguments?.find((arg) => arg.name.value === "representations");
            const value: unknown = argument ? valueFromASTUntyped(argument.value, variables) : undefined;
            // A single value where a list is expected is coerced to a list of one.
            return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
          });
          if (representations.length > maxRepresentations) {
            throw badRepresentations(
              `_entities accepts at most ${maxRepresentations} representations per request (got ${representations.length})`,
            );
          }
          const typeNames = entityTypeNames(schema);
          const invalid = representations.findIndex((representation) => !isRepresentationOf(representation, typeNames));
          if (invalid !== -1) {
            throw badRepresentations(
              `representations[${invalid}] must be an object whose __typename is one of ${[...typeNames].join(", ")}`,
            );
          }
        },
      };
    },
  };
}
