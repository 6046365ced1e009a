import {
  buildASTSchema,
  findBreakingChanges,
  findDangerousChanges,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  parse,
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
  passed: boolean;
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
  lines.push(report.passed ? "schema check passed" : "schema check FAILED");
  return lines.join("\n");
}
