// Execution by graphql-jit instead of graphql-js's interpreter, behind Apollo Server's
// gateway/executor interface: an operation is compiled into plain functions (no argument map,
// path entry or result slot built per field at run time) and then run for every request that
// sends it — bench scenario (b), a dashboard page, is mostly such per-field work. Everything
// before execution — parsing, validation, the limits, the cost analysis, the request and error
// plugins — stays Apollo's, and the resolvers are the schema's own (scope-auth, masking and
// federation included), so the answers are the same; the whole suite runs against it.
import { printSubgraphSchema } from "@apollo/subgraph";
import type { GatewayExecutor, GatewayInterface } from "@apollo/server-gateway-interface";
import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { touch } from "./lru.ts";
import { withVariableDefaults } from "./variable-defaults.ts";

/** Compiled operations kept, least recently used first out: a router sends few shapes. */
const COMPILED_CACHE_SIZE = 500;
/** Operations seen once, remembered so that a second sighting compiles them. */
const SEEN_CACHE_SIZE = 5_000;

export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const compiled = new Map<string, CompiledQuery | ExecutionResult>();
  const seen = new Map<string, true>();

  /**
   * Compiling costs more than interpreting an operation once, so an operation is compiled on its
   * second request: a stream of one-off (or hostile, generated) documents is interpreted and
   * compiles nothing.
   */
  const compiledFor = (document: DocumentNode, key: string, operationName: string | undefined) => {
    const entry = compiled.get(key);
    if (entry) {
      touch(compiled, key, entry, COMPILED_CACHE_SIZE);
      return entry;
    }
    if (!seen.has(key)) {
      touch(seen, key, true, SEEN_CACHE_SIZE);
      return null;
    }
    seen.delete(key);
    let created: CompiledQuery | ExecutionResult;
    try {
      created = compileQuery(schema, document, operationName);
    } catch (error) {
      // graphql-jit throws for an operation name the document does not have.
      created = { errors: [error as GraphQLError] };
    }
    touch(compiled, key, created, COMPILED_CACHE_SIZE);
    return created;
  };

  const executor: GatewayExecutor = async (requestContext) => {
    // The name the client sent: Apollo's own (`operationName`) is null when it named no operation.
    const operationName = requestContext.request.operationName ?? undefined;
    const variables = requestContext.request.variables ?? {};
    const entry = compiledFor(
      requestContext.document,
      `${requestContext.queryHash}:${operationName ?? ""}`,
      operationName,
    );
    if (entry === null) {
      return (await execute({
        schema,
        document: requestContext.document,
        contextValue: requestContext.context,
        variableValues: variables,
        operationName,
      })) as never;
    }
    // A document that does not compile (an unknown operation name) answers with its errors.
    if (!isCompiledQuery(entry)) return { ...entry, errors: entry.errors?.map(asGraphQLError) } as never;
    const result = await entry.query(
      undefined,
      requestContext.context,
      withVariableDefaults(requestContext.operation, variables),
    );
    return { ...result, errors: result.errors?.map(asGraphQLError) } as never;
  };

  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSubgraphSchema(schema) });
      return () => undefined;
    },
    async stop() {
      compiled.clear();
      seen.clear();
    },
  };
}

/**
 * graphql-jit reports errors as objects of its own: they pass `instanceof GraphQLError`, but
 * may lack `extensions` (Apollo's formatting then answers "Internal server error") and their
 * `message` is read-only (a plugin that rewrites messages then throws, and the request ends in a
 * 500). Each becomes a graphql-js GraphQLError around the resolver's error (path, locations,
 * originalError), as graphql-js itself would have reported it.
 */
function asGraphQLError(error: {
  message: string;
  path?: readonly (string | number)[];
  locations?: unknown;
  originalError?: unknown;
  extensions?: Record<string, unknown>;
}): GraphQLError {
  const original = error.originalError instanceof Error ? error.originalError : undefined;
  const converted = new GraphQLError(error.message, {
    path: error.path,
    originalError: original,
    extensions: original instanceof GraphQLError ? original.extensions : error.extensions,
  });
  // Locations come computed from the compiled document; graphql-js would derive them from nodes.
  Object.assign(converted, { locations: error.locations });
  return converted;
}
