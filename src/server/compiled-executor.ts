// Execution by graphql-jit instead of graphql-js's interpreter, behind Apollo Server's
// gateway/executor interface: an operation is compiled into plain functions (no argument map,
// path entry or result slot built per field at run time) and then run for every request that
// sends it — bench scenario (b), a dashboard page, is mostly such per-field work. Everything
// before execution — parsing, validation, the limits, the cost analysis, the request and error
// plugins — stays Apollo's, and the resolvers are the schema's own (scope-auth, masking and
// federation included), so the answers are the same; the whole suite runs against it.
import { createHash } from "node:crypto";
import { printSubgraphSchema } from "@apollo/subgraph";
import type { GatewayExecutor, GatewayInterface } from "@apollo/server-gateway-interface";
import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { GraphQLContext } from "../resolvers/context.ts";
import { BYTES_PER_OPERATION, estimatedCompiledBytes } from "./compiled-weight.ts";
import { touch, WeightedLru } from "./lru.ts";
import { withVariableDefaults } from "./variable-defaults.ts";

/** Operations seen once (remembered so that a second sighting compiles them) or found too heavy to compile. */
const SEEN_CACHE_SIZE = 5_000;
/** An operation expected to retain more than this share of the budget is interpreted, never compiled. */
const MAX_ENTRY_SHARE = 8;
/** Operation names up to this length are part of a cache key as sent; longer ones are hashed. */
const LONGEST_KEYED_NAME = 128;

export interface CompiledExecutionOptions {
  /** Bytes the compiled operations may retain, as `estimatedCompiledBytes` weighs them. */
  budgetBytes: number;
  /** Told the weight of the cache whenever it changes (a metrics gauge). */
  onWeight?: (bytes: number) => void;
}

export function compiledExecution(schema: GraphQLSchema, options: CompiledExecutionOptions): GatewayInterface {
  const compiled = new WeightedLru<CompiledQuery | ExecutionResult>(
    options.budgetBytes,
    options.budgetBytes / MAX_ENTRY_SHARE,
  );
  const seen = new Map<string, "once" | "too heavy">();
  const reportWeight = () => options.onWeight?.(compiled.weight);

  /**
   * Compiling costs more than interpreting an operation once, so an operation is compiled on its
   * second request: a stream of one-off (or hostile, generated) documents is interpreted and
   * compiles nothing. What compiled operations retain is bounded by their estimated bytes (§6):
   * one expected to retain more than a share of the budget is interpreted every time.
   */
  const compiledFor = (document: DocumentNode, key: string, operationName: string | undefined, weigh: () => number) => {
    const entry = compiled.get(key);
    if (entry) return entry;
    const sighting = seen.get(key);
    if (sighting === undefined) {
      touch(seen, key, "once", SEEN_CACHE_SIZE);
      return null;
    }
    if (sighting === "too heavy") return null;
    const weight = weigh();
    if (!compiled.accepts(weight)) {
      seen.set(key, "too heavy");
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
    compiled.set(key, created, isCompiledQuery(created) ? weight : BYTES_PER_OPERATION);
    reportWeight();
    return created;
  };

  const executor: GatewayExecutor = async (requestContext) => {
    // The name the client sent: Apollo's own (`operationName`) is null when it named no operation.
    const operationName = requestContext.request.operationName ?? undefined;
    const variables = requestContext.request.variables ?? {};
    // Only an authorized request compiles (or counts as a sighting): a refused one resolves
    // nothing but errors, and anyone could send a stream of distinct heavy documents without a token.
    const entry = isAuthorized(requestContext.context)
      ? compiledFor(requestContext.document, cacheKey(requestContext.queryHash, operationName), operationName, () =>
          estimatedCompiledBytes(
            schema,
            requestContext.document,
            requestContext.operation,
            requestContext.source.length,
          ),
        )
      : null;
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
      reportWeight();
    },
  };
}

function isAuthorized(context: object): boolean {
  return (context as Partial<GraphQLContext>).access?.kind === "ok";
}

/** The operation's cache key; a long operation name (a client's choice) is hashed so keys stay short. */
function cacheKey(queryHash: string, operationName: string | undefined): string {
  const name = operationName ?? "";
  return `${queryHash}:${name.length > LONGEST_KEYED_NAME ? createHash("sha256").update(name).digest("base64") : name}`;
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
