// The public contract (docs/contract.graphql) as a plain GraphQL schema, so unit
// tests can hold the code's tables against the names and auth directives the contract publishes.
import { readFileSync } from "node:fs";
import { apiSchemaOf } from "../../src/federation/schema-check.ts";
import { isEnumType, isObjectType, valueFromASTUntyped, type DirectiveNode, type GraphQLSchema } from "graphql";

const CONTRACT_URL = new URL("../../docs/contract.graphql", import.meta.url);

export function loadContractSchema(): GraphQLSchema {
  const sdl = readFileSync(CONTRACT_URL, "utf8");
  if (!/extend schema\s+@link\(/.test(sdl))
    throw new Error("the contract's `extend schema @link(...)` block was not found");
  return apiSchemaOf(sdl);
}

/** The value names of a contract enum, in declaration order. */
export function contractEnumValues(schema: GraphQLSchema, enumName: string): string[] {
  const type = schema.getType(enumName);
  if (!isEnumType(type)) throw new Error(`the contract has no enum ${enumName}`);
  return type.getValues().map((value) => value.name);
}

/** The `scopes` argument of `@requiresScopes` on `Type.field`, or null when the field has none. */
export function contractRequiresScopes(schema: GraphQLSchema, typeName: string, fieldName: string): string[][] | null {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`the contract has no object type ${typeName}`);
  const field = type.getFields()[fieldName];
  if (!field) throw new Error(`the contract has no field ${typeName}.${fieldName}`);
  const directive = field.astNode?.directives?.find((node: DirectiveNode) => node.name.value === "requiresScopes");
  if (!directive) return null;
  const argument = directive.arguments?.find((node) => node.name.value === "scopes");
  if (!argument) throw new Error(`@requiresScopes on ${typeName}.${fieldName} has no scopes argument`);
  const value: unknown = valueFromASTUntyped(argument.value);
  if (
    !Array.isArray(value) ||
    !value.every((group): group is string[] => Array.isArray(group) && group.every((s) => typeof s === "string"))
  ) {
    throw new Error(`@requiresScopes on ${typeName}.${fieldName} is not a list of scope lists`);
  }
  return value;
}
