import { valueFromASTUntyped, type OperationDefinitionNode } from "graphql";

/**
 * The request's variables with each omitted one that declares a default given that default, as
 * a client could have sent it. graphql-js applies defaults while coercing; code that reads
 * variables before or beside it must see the same values — the entity batch check (which reads
 * representations raw) and graphql-jit (which refuses an omitted `Int! = 5` as not provided,
 * a spec-valid request that then ended in an internal error).
 */
export function withVariableDefaults(
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  // The request's own object unless a default is missing: this runs on every compiled request.
  let completed: Record<string, unknown> | null = null;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!definition.defaultValue || name in variables) continue;
    completed ??= { ...variables };
    completed[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return completed ?? variables;
}
