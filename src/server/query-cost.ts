import type { ApolloServerPlugin } from "@apollo/server";
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type TypeNode,
} from "graphql";
import { getComplexity, simpleEstimator, type ComplexityEstimator } from "graphql-query-complexity";
import { authScopesAllow, holdsAnyCapability, type AuthScopes, type GraphQLContext } from "../resolvers/context.ts";
import { CAPABILITY_GRANTS, hasAnyCapability, type Capability } from "../domain/capabilities.ts";
import { touch } from "./lru.ts";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../services/pagination.ts";
import { ATTEMPT_LOG_LENGTH } from "../services/webhooks/webhook-store.ts";
import { refusalError } from "./admission/refusals.ts";
import type { Viewer } from "../services/authorization/viewer.ts";

/**
 * What a cost point is worth in CPU on the reference machine (2 cores; `npm run bench:calibrate`
 * measures it): the weights below are set so that no shape a caller may send costs more CPU per
 * point than this. The tenant limit (10 000) is then ≤ 50 ms of CPU, the platform one (50 000)
 * ≤ 250 ms.
 */
export const COST_BUDGET_MICROSECONDS_PER_POINT = 5;

/**
 * What a request may cost before it runs, computed by graphql-query-complexity over the
 * operation with its actual variables: list sizes come from literals, variables, variable
 * defaults and argument defaults alike; nested lists multiply; `_entities` multiplies by its
 * representations. A field costs 1, but for the weights below.
 */
export const FIELD_WEIGHTS: Readonly<Record<string, number>> = {
  // Text up to 1 000–2 000 characters: about ten short fields' worth of response.
  "TenantLifecycle.statusReason": 10,
  "OperationRun.summary": 10,
  "OperationRun.failureReason": 10,
  "AuditEvent.reason": 10,
  "AuditEvent.changes": 10,
  "TenantEvent.data": 10,
  "PlatformAuditEvent.changes": 10,
  // A list of one item per status (8), each two fields: read from at most 256 counter rows.
  "Query.tenantStatusCounts": 16,
  // One item per action (9), each three fields, from facts the request's loaders batch.
  "Tenant.allowedActions": 33,
  // Walks a tenant's whole chain, which may hold 100 000 events: two per request at most.
  // Charged for that before it runs; what a shorter chain did not walk is refunded (chainRefund).
  "Query.auditChain": 20_000,
};

/** Lists with no `first` argument and the most items they hold. */
export const LIST_BOUNDS: Readonly<Record<string, number>> = {
  "WebhookDelivery.attemptLog": ATTEMPT_LOG_LENGTH,
};

/** A chain walk's cost per event: FIELD_WEIGHTS' 20 000 points pay for 100 000 events. */
const CHAIN_EVENTS_PER_POINT = 5;

/** The points an `auditChain` walk of `eventCount` events was charged and did not use. */
export function chainRefund(eventCount: number): number {
  const charged = FIELD_WEIGHTS["Query.auditChain"] as number;
  return Math.max(0, charged - Math.max(1, Math.ceil(eventCount / CHAIN_EVENTS_PER_POINT)));
}

/**
 * What resolving one representation costs beyond its selection: finding it, checking who may
 * see it, and the federation library's own work — ~14 µs of CPU for `{ id }` in
 * `npm run bench:calibrate`, where a selected field is ~1 µs.
 */
export const REPRESENTATION_WEIGHT = 3;

const listSize = (value: unknown, fallback: number) =>
  typeof value === "number" && Number.isFinite(value)
    ? Math.min(Math.max(Math.trunc(value), 1), MAX_PAGE_SIZE)
    : fallback;

/** A field the caller will be refused costs 1: it is answered with an error, and nothing below it runs. */
function refusedFieldEstimator(context: GraphQLContext): ComplexityEstimator {
  return ({ field }) => {
    const options = field.extensions?.["pothosOptions"] as { authScopes?: Partial<AuthScopes> } | undefined;
    return authScopesAllow(context, options?.authScopes) ? undefined : 1;
  };
}

const sizeEstimators: ComplexityEstimator[] = [
  ({ field, args, childComplexity }) => {
    if (field.name !== "_entities") return undefined;
    const representations: unknown = args["representations"];
    const count = Array.isArray(representations) ? representations.length : 1;
    return 1 + (REPRESENTATION_WEIGHT + childComplexity) * count;
  },
  // Connections: the children once per item of the page asked for (`first` or `last`, 1..100,
  // default 20; an explicit null means the default, as the resolvers read it). `first` always
  // has a value (its schema default) — with `last` it counts only if the operation gives it too,
  // and then the larger is charged (the request is refused, but not before it is costed).
  ({ field, args, node, childComplexity }) => {
    if (!field.args.some((argument) => argument.name === "first")) return undefined;
    const first = listSize(args["first"], DEFAULT_PAGE_SIZE);
    if (args["last"] == null) return 1 + childComplexity * first;
    const last = listSize(args["last"], DEFAULT_PAGE_SIZE);
    const firstGiven = (node.arguments ?? []).some((argument) => argument.name.value === "first");
    return 1 + childComplexity * (firstGiven ? Math.max(first, last) : last);
  },
  // Bounded lists without `first`: the children once per item they may hold.
  ({ type, field, childComplexity }) => {
    const bound = LIST_BOUNDS[`${type.name}.${field.name}`];
    return bound === undefined ? undefined : 1 + childComplexity * bound;
  },
  ({ type, field, childComplexity }) => {
    const weight = FIELD_WEIGHTS[`${type.name}.${field.name}`];
    return weight === undefined ? undefined : weight + childComplexity;
  },
  simpleEstimator({ defaultComplexity: 1 }),
];

/** The cost of an operation for a caller (`context`); without one, as if every field were allowed. */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  context?: GraphQLContext,
): number {
  const estimators = context ? [refusedFieldEstimator(context), ...sizeEstimators] : sizeEstimators;
  return getComplexity({ schema, query: document, variables, operationName, estimators });
}

const CAPABILITIES = Object.keys(CAPABILITY_GRANTS) as Capability[];

/** Costs kept: a router and a dashboard send a few operation shapes, each with a few page sizes. */
const COST_CACHE_SIZE = 2_000;
/** Variables whose text is longer (a batch of representations) are costed afresh each time. */
const LONGEST_CACHED_VARIABLES = 1_024;

/** The type a variable is declared with, without its non-null wrapper; null for a list. */
function declaredTypeName(type: TypeNode): string | null {
  const nullable = type.kind === Kind.NON_NULL_TYPE ? type.type : type;
  return nullable.kind === Kind.NAMED_TYPE ? nullable.name.value : null;
}

/**
 * The variables a cost can depend on, by declared type: what the estimators above read — `first`
 * (an Int), `representations` (a list) — and `@include`/`@skip`'s `if` (a Boolean). A variable
 * of any other type (an id, a text, an enum, an input object) fits none of those positions.
 */
function canSizeOrSkip(type: TypeNode): boolean {
  const name = declaredTypeName(type);
  return name === null || name === "Int" || name === "Boolean";
}

/**
 * Costs of operations seen before. Computing one walks the whole document with type information
 * (~66 µs for a tenant by id — a sixth of that request's CPU — and ~89 µs for a dashboard page),
 * while a cost depends only on the document, the operation, what the caller may resolve and the
 * variables that can size a list or skip a field (canSizeOrSkip). Requests that differ
 * only in the others — a tenant by id, a search term, a transition's input — share one entry;
 * were those keyed by value, every mutation would add an entry and push out the dashboard's.
 * Variables are still coerced on every request, so a bad one is refused as before.
 */
export class QueryCosts {
  private readonly costs = new Map<string, number>();

  /** Operations whose cost is kept. */
  get size(): number {
    return this.costs.size;
  }

  cost(request: CostedRequest): number {
    const key = costKey(request);
    const known = key === null ? undefined : this.costs.get(key);
    if (known !== undefined && key !== null) {
      touch(this.costs, key, known, COST_CACHE_SIZE);
      return known;
    }
    const { schema, document, variables, operationName, context } = request;
    const cost = queryCost(schema, document, variables, operationName, context);
    if (key !== null) touch(this.costs, key, cost, COST_CACHE_SIZE);
    return cost;
  }
}

/** An operation to cost, as Apollo has resolved it (`queryHash` names the document's text). */
export interface CostedRequest {
  schema: GraphQLSchema;
  document: DocumentNode;
  queryHash: string;
  variables: Record<string, unknown>;
  operationName: string | undefined;
  context: GraphQLContext;
}

/** Null when the cost is not to be cached: variables that do not coerce, or too long to key by. */
function costKey({ schema, document, queryHash, variables, operationName, context }: CostedRequest): string | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  const definitions = operation.variableDefinitions ?? [];
  const { coerced, errors } = getVariableValues(schema, definitions, variables);
  // queryCost reports the errors, as it always has.
  if (errors) return null;
  // A value as [value], an absent variable as [] (an argument's default applies, not null).
  const sizing = definitions
    .filter((definition) => canSizeOrSkip(definition.type))
    .map(({ variable }) => (variable.name.value in coerced ? [coerced[variable.name.value]] : []));
  const sized = JSON.stringify(sizing);
  if (sized.length > LONGEST_CACHED_VARIABLES) return null;
  const { access } = context;
  // What the estimators read of the caller: whether it has access, and which capabilities it
  // holds as scope-auth judges them (an override view holds its tenant admin's, not the token's).
  const caller = access.kind === "ok" ? callerKeyOf(context, access.services.viewer) : access.kind;
  return [queryHash, operationName ?? "", caller, sized].join("\u0000");
}

/**
 * The capabilities part of a cost key, once per principal for callers without an override (the
 * token verifier hands out the same principal for the same token; an override view holds its
 * tenant admin's capabilities, so it is computed each time).
 */
const callerKeys = new WeakMap<Viewer["principal"], string>();
function callerKeyOf(context: GraphQLContext, viewer: Viewer): string {
  const cacheable = !viewer.tenantScope?.viaOperatorOverride;
  const known = cacheable ? callerKeys.get(viewer.principal) : undefined;
  if (known !== undefined) return known;
  const key = `ok:${CAPABILITIES.filter((capability) => holdsAnyCapability(context, [capability])).join(" ")}`;
  if (cacheable) callerKeys.set(viewer.principal, key);
  return key;
}

export interface CostLimits {
  /** Platform-wide principals (operators, support, service accounts). */
  platform: number;
  /** Everyone else: tenant users, and requests without a valid token. */
  tenant: number;
}

function queryTooComplex(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "QUERY_TOO_COMPLEX", ...extensions, http: { status: 400 } },
  });
}

/**
 * Refuses a request whose cost exceeds its caller's limit, after validation and before any
 * resolver runs (so a refused request does no work); then spends the cost from the caller's
 * buckets (429 RATE_LIMITED when they hold too little), and reports both in `extensions.cost`.
 */
export function costLimit(limits: CostLimits): ApolloServerPlugin<GraphQLContext> {
  const costs = new QueryCosts();
  return {
    async requestDidStart({ contextValue }) {
      const { access } = contextValue;
      const platformWide =
        access.kind === "ok" &&
        access.services.viewer.tenantScope === null &&
        hasAnyCapability(access.services.viewer.principal, ["readPlatform", "operateRuns", "administerTenants"]);
      const maxCost = platformWide ? limits.platform : limits.tenant;
      let charged = false;
      return {
        async didResolveOperation({ request, document, schema, queryHash, operationName }) {
          let cost: number;
          try {
            cost = costs.cost({
              schema,
              document,
              queryHash,
              variables: request.variables ?? {},
              operationName: operationName ?? undefined,
              context: contextValue,
            });
          } catch (error) {
            // The variables do not fit the operation (a missing or mistyped value): a client error.
            throw new GraphQLError((error as Error).message, {
              extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
            });
          }
          contextValue.record.cost = cost;
          if (cost > maxCost) {
            throw queryTooComplex(
              `Query cost ${cost} exceeds the limit of ${maxCost}; ask for fewer or smaller lists`,
              { cost, maxCost },
            );
          }
          const refusal = contextValue.admission?.charge(cost);
          if (refusal) throw refusalError(refusal);
          charged = true;
        },
        async willSendResponse({ response }) {
          const ticket = contextValue.admission;
          const requested = contextValue.record.cost;
          if (!ticket || requested === undefined || response.body.kind !== "single") return;
          const { caller, tenant } = ticket.throttleStatus();
          const result = response.body.singleResult;
          // Added to, not copied: this runs for every answer.
          (result.extensions ??= {}).cost = {
            requestedQueryCost: requested,
            // What was charged less what was given back (a chain shorter than the longest);
            // nothing when refused before it ran.
            actualQueryCost: charged ? ticket.spent : 0,
            throttleStatus: caller,
            ...(tenant ? { tenantThrottleStatus: tenant } : {}),
          };
        },
      };
    },
  };
}
