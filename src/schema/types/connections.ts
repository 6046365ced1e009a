import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import type { Page, PageArgs } from "../../services/pagination.ts";

/** Whether the connection being resolved selects its total: it is only counted when asked for. */
function selectsTotal(selectionSet: SelectionSetNode | undefined, info: GraphQLResolveInfo): boolean {
  return (selectionSet?.selections ?? []).some((selection) => {
    if (selection.kind === Kind.FIELD) {
      return selection.name.value === "totalCount" || selection.name.value === "totalCountPrecision";
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) return selectsTotal(selection.selectionSet, info);
    return selectsTotal(info.fragments[selection.name.value]?.selectionSet, info);
  });
}

/** A connection field's page arguments, with whether the total was selected. */
export function pageArgs(args: { first?: number | null; after?: string | null }, info: GraphQLResolveInfo): PageArgs {
  return {
    first: args.first,
    after: args.after,
    withTotalCount: info.fieldNodes.some((node) => selectsTotal(node.selectionSet, info)),
  };
}

/** A service page in the shape of a Relay connection (plus its total, when counted). */
export function toConnection<T>(page: Page<T>) {
  return {
    edges: page.items,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.items[0]?.cursor ?? null,
      endCursor: page.items.at(-1)?.cursor ?? null,
    },
    totalCount: page.totalCount,
  };
}
