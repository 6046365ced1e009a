// What a compiled operation keeps in memory, estimated before compiling it. graphql-jit inlines
// every fragment spread and writes code for every field of the expanded selection (for every
// possible type of an abstract field), so what it retains — the generated source, the functions
// V8 builds from it, a resolve info per field — grows with the operation's fields once fragments
// are expanded, not with the document's size: a 7 KB document spreading a fragment at every level
// expands to thousands of fields and ~14 MB of heap. `bench/compiled-cache-weight.ts` measures
// the heap each compiled operation retains against this estimate.
import {
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * Heap bytes per field of the expanded selection: 3.2–4.1 KB measured (graphql-jit 0.8, Node 20,
 * the generated functions run once), rounded up so that the estimate is not below what is kept.
 */
export const BYTES_PER_EXPANDED_FIELD = 4_096;
/** What any compiled operation costs besides its fields: the bound query, the variable parser, the closures (~33 KB measured). */
export const BYTES_PER_OPERATION = 32_768;

/**
 * Bytes a compiled operation is expected to retain: its expanded fields, plus the document it
 * keeps (graphql-jit holds the AST, whose locations hold the whole source text).
 */
export function estimatedCompiledBytes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  sourceLength: number,
): number {
  return (
    BYTES_PER_OPERATION + BYTES_PER_EXPANDED_FIELD * expandedFieldCount(schema, document, operation) + 2 * sourceLength
  );
}

/**
 * Fields of the operation with every fragment spread and inline fragment expanded, counted per
 * concrete type an abstract field can return — as graphql-jit generates code for them. Fields
 * of one response key that graphql-jit would merge are counted each time (an upper bound).
 * Memoized per (selection set, type), so a fragment spread at every level of a deep document
 * is counted in time linear in the document even when its expansion is exponential.
 */
export function expandedFieldCount(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const memo = new Map<SelectionSetNode, Map<string, number>>();
  // A fragment cycle (which validation refuses anyway) counts nothing further rather than looping.
  const inProgress = new Set<SelectionSetNode>();

  const countIn = (selectionSet: SelectionSetNode, type: GraphQLObjectType): number => {
    const known = memo.get(selectionSet)?.get(type.name);
    if (known !== undefined) return known;
    if (inProgress.has(selectionSet)) return 0;
    inProgress.add(selectionSet);
    let count = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        count += 1;
        const fieldType = type.getFields()[selection.name.value]?.type;
        if (selection.selectionSet && fieldType) {
          for (const concrete of concreteTypesOf(schema, getNamedType(fieldType))) {
            count += countIn(selection.selectionSet, concrete);
          }
        }
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition?.name.value;
      if (condition === undefined || appliesTo(schema, condition, type)) count += countIn(fragment.selectionSet, type);
    }
    inProgress.delete(selectionSet);
    const perType = memo.get(selectionSet) ?? new Map<string, number>();
    perType.set(type.name, count);
    memo.set(selectionSet, perType);
    return count;
  };

  const root = schema.getRootType(operation.operation);
  return root ? countIn(operation.selectionSet, root) : 0;
}

function concreteTypesOf(schema: GraphQLSchema, type: ReturnType<typeof getNamedType>): readonly GraphQLObjectType[] {
  if (isObjectType(type)) return [type];
  if (isAbstractType(type)) return schema.getPossibleTypes(type);
  return [];
}

function appliesTo(schema: GraphQLSchema, condition: string, type: GraphQLObjectType): boolean {
  if (condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return conditionType !== undefined && isAbstractType(conditionType) && schema.isSubType(conditionType, type);
}
