import {
  Kind,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type SelectionSetNode,
} from "graphql";

/**
 * Whether `@skip`/`@include` leave a selection in, with the request's variables. An `if` that is
 * not a boolean (a variable not sent, or of the wrong type) counts as included: execution will
 * refuse it anyway, and a check that reads these fields must not miss one.
 */
function included(directives: readonly DirectiveNode[] | undefined, variables: Readonly<Record<string, unknown>>) {
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name !== "skip" && name !== "include") continue;
    const argument = directive.arguments?.find((candidate) => candidate.name.value === "if");
    const value: unknown = argument ? valueFromASTUntyped(argument.value, variables) : undefined;
    if (typeof value !== "boolean") continue;
    if (name === "skip" ? value : !value) return false;
  }
  return true;
}

/**
 * The fields an operation selects at its root, through inline fragments and fragment spreads.
 * With `variables`, selections `@skip`/`@include` leave out are not counted; without, every
 * field written counts.
 */
export function rootFieldsOf(
  selectionSet: SelectionSetNode,
  document: DocumentNode,
  variables?: Readonly<Record<string, unknown>>,
  seen = new Set<string>(),
): FieldNode[] {
  return selectionSet.selections.flatMap((selection): FieldNode[] => {
    if (variables && !included(selection.directives, variables)) return [];
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      return rootFieldsOf(selection.selectionSet, document, variables, seen);
    }
    if (seen.has(selection.name.value)) return [];
    seen.add(selection.name.value);
    const fragment = document.definitions.find(
      (definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
    );
    return fragment?.kind === Kind.FRAGMENT_DEFINITION
      ? rootFieldsOf(fragment.selectionSet, document, variables, seen)
      : [];
  });
}
