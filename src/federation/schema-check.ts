import {
  buildASTSchema,
  findBreakingChanges,
  findDangerousChanges,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  print,
  type GraphQLOutputType,
  type GraphQLSchema,
} from "graphql";
import { composeSupergraph, THIS_SUBGRAPH, type SubgraphDefinition } from "./supergraph.ts";

// Enough of the federation vocabulary for a subgraph SDL to build as a plain GraphQL schema.
const FEDERATION_DEFINITIONS = `
scalar _FieldSet
directive @key(fields: _FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @external on OBJECT | FIELD_DEFINITION
directive @requires(fields: _FieldSet!) on FIELD_DEFINITION
directive @provides(fields: _FieldSet!) on FIELD_DEFINITION
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
`;

/** The client-facing schema of a subgraph SDL: federation's @link is dropped, its directives declared. */
export function apiSchemaOf(subgraphSdl: string): GraphQLSchema {
  const withoutLink = subgraphSdl.replace(/extend schema\s+@link\([\s\S]*?\)\s*(?=\n)/g, "");
  return buildASTSchema(parse(`${FEDERATION_DEFINITIONS}\n${withoutLink}`), { assumeValidSDL: true });
}

export interface SchemaChange {
  kind: "breaking" | "dangerous" | "safe";
  type: string;
  description: string;
}

/** Every type, field, argument, enum value and input field, as coordinates. */
function coordinates(schema: GraphQLSchema): Set<string> {
  const result = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    result.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        result.add(`${type.name}.${field.name}`);
        for (const arg of field.args) result.add(`${type.name}.${field.name}(${arg.name}:)`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) result.add(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) result.add(`${type.name}.${value.name}`);
    }
  }
  return result;
}

const AUTHORIZATION_DIRECTIVES = new Set(["authenticated", "requiresScopes"]);

/** The authorization directives (as printed) of every type and field that has any. */
function authorizationOf(schema: GraphQLSchema): Map<string, string> {
  const printed = (node: { astNode?: { directives?: readonly Parameters<typeof print>[0][] } | null }) =>
    (node.astNode?.directives ?? [])
      .filter(
        (directive) => "name" in directive && AUTHORIZATION_DIRECTIVES.has((directive.name as { value: string }).value),
      )
      .map((directive) => print(directive))
      .sort()
      .join(" ");
  const result = new Map<string, string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || !isObjectType(type)) continue;
    if (printed(type)) result.set(type.name, printed(type));
    for (const field of Object.values(type.getFields())) {
      if (printed(field)) result.set(`${type.name}.${field.name}`, printed(field));
    }
  }
  return result;
}

/**
 * Changes to @authenticated / @requiresScopes, which graphql-js's diff does not see. A router
 * enforces them, so each is dangerous: it changes which requests a router lets through.
 */
function authorizationChanges(base: GraphQLSchema, current: GraphQLSchema): SchemaChange[] {
  const before = authorizationOf(base);
  const after = authorizationOf(current);
  const changes: SchemaChange[] = [];
  for (const coordinate of new Set([...before.keys(), ...after.keys()])) {
    const [was, now] = [before.get(coordinate), after.get(coordinate)];
    if (was === now) continue;
    const description = !now
      ? `${coordinate} no longer carries ${was}: a router stops enforcing it.`
      : !was
        ? `${coordinate} now carries ${now}: a router enforces it.`
        : `${coordinate} changed from ${was} to ${now}.`;
    changes.push({ kind: "dangerous", type: "AUTHORIZATION_DIRECTIVE_CHANGED", description });
  }
  return changes;
}

/** breaking and dangerous as graphql-js judges them; additions the client cannot notice are safe. */
export function diffSchemas(baseSdl: string, currentSdl: string): SchemaChange[] {
  const base = apiSchemaOf(baseSdl);
  const current = apiSchemaOf(currentSdl);
  const changes: SchemaChange[] = [
    ...findBreakingChanges(base, current).map((change) => ({
      kind: "breaking" as const,
      type: change.type,
      description: change.description,
    })),
    ...findDangerousChanges(base, current).map((change) => ({
      kind: "dangerous" as const,
      type: change.type,
      description: change.description,
    })),
    ...authorizationChanges(base, current),
  ];
  const before = coordinates(base);
  for (const coordinate of coordinates(current)) {
    if (!before.has(coordinate)) changes.push({ kind: "safe", type: "ADDED", description: `${coordinate} was added.` });
  }
  return changes;
}

export interface SchemaCheckReport {
  changes: SchemaChange[];
  compositionErrors: string[];
  /** Advice that does not fail the check: e.g. a neighbour referencing Tenant through a non-null field. */
  warnings: string[];
  passed: boolean;
}

/** The entity types this subgraph may answer with null (hidden or unknown records). */
const NULLABLE_ENTITIES = new Set(["Tenant", "OperationRun"]);

function nonNullEntity(type: GraphQLOutputType): string | null {
  if (isNonNullType(type)) {
    const inner = type.ofType;
    if (isObjectType(inner) && NULLABLE_ENTITIES.has(inner.name)) return inner.name;
  }
  const nullable = getNullableType(type);
  return isListType(nullable) ? nonNullEntity(nullable.ofType as GraphQLOutputType) : null;
}

/**
 * A neighbour field that references Tenant or OperationRun as non-null: this subgraph resolves a
 * tenant the caller may not see (or that does not exist) to null, which then nulls the
 * neighbour's whole parent — some gateways answer `data: null` with no error at all.
 */
export function nonNullEntityReferences(subgraphs: SubgraphDefinition[]): string[] {
  const warnings: string[] = [];
  for (const subgraph of subgraphs) {
    if (subgraph.name === THIS_SUBGRAPH) continue;
    const schema = apiSchemaOf(subgraph.sdl);
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || !isObjectType(type) || NULLABLE_ENTITIES.has(type.name)) continue;
      for (const field of Object.values(type.getFields())) {
        const entity = nonNullEntity(field.type);
        if (entity) {
          warnings.push(
            `${subgraph.name}: ${type.name}.${field.name} is ${String(field.type)}; declare the ${entity} reference ` +
              `nullable — a ${entity} the caller may not see resolves to null and would null the whole ${type.name}`,
          );
        }
      }
    }
  }
  return warnings;
}

/** The local equivalent of `rover subgraph check`: diff against the base, then compose with the neighbours. */
export function checkSubgraphSchema(options: {
  baseSdl: string;
  currentSdl: string;
  subgraphs: SubgraphDefinition[];
}): SchemaCheckReport {
  const changes = diffSchemas(options.baseSdl, options.currentSdl);
  const composition = composeSupergraph(
    options.subgraphs.map((subgraph) =>
      subgraph.name === THIS_SUBGRAPH ? { ...subgraph, sdl: options.currentSdl } : subgraph,
    ),
  );
  const compositionErrors = composition.ok ? [] : composition.errors;
  return {
    changes,
    compositionErrors,
    warnings: nonNullEntityReferences(options.subgraphs),
    passed: compositionErrors.length === 0 && !changes.some((change) => change.kind === "breaking"),
  };
}

export function formatReport(report: SchemaCheckReport): string {
  const lines: string[] = [];
  for (const kind of ["breaking", "dangerous", "safe"] as const) {
    const changes = report.changes.filter((change) => change.kind === kind);
    lines.push(`${kind.toUpperCase()} (${changes.length})`);
    for (const change of changes) lines.push(`  - [${change.type}] ${change.description}`);
  }
  lines.push(
    report.compositionErrors.length === 0
      ? "COMPOSITION: ok"
      : `COMPOSITION: failed (${report.compositionErrors.length})`,
  );
  for (const error of report.compositionErrors) lines.push(`  - ${error}`);
  lines.push(`WARNINGS (${report.warnings.length})`);
  for (const warning of report.warnings) lines.push(`  - ${warning}`);
  lines.push(report.passed ? "schema check passed" : "schema check FAILED");
  return lines.join("\n");
}
