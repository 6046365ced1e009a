// How service results become the wire's shapes: pages → Relay connections, outcomes → payloads.
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import type { UserError } from "../domain/user-errors.ts";
import type { Outcome } from "../services/errors.ts";
import type { Page, PageArgs, TotalCount } from "../services/pagination.ts";

export type { UserError };

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

/** The page arguments every connection field takes. */
export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * Whether the operation itself gives the argument (a literal, or a variable it was sent or
 * declares a default for), as opposed to the schema's default filling it in.
 */
function operationGives(info: Pick<GraphQLResolveInfo, "fieldNodes" | "variableValues">, name: string): boolean {
  return info.fieldNodes.some((node) =>
    (node.arguments ?? []).some(
      (argument) =>
        argument.name.value === name &&
        (argument.value.kind !== Kind.VARIABLE || info.variableValues[argument.value.name.value] !== undefined),
    ),
  );
}

/**
 * A connection field's page arguments, with whether the total was selected. `first` defaults
 * to 20 in the schema: on a backward page that default is no `first` — only one the operation
 * gives is one (and refused beside `last`).
 */
export function pageArgs(args: ConnectionArgs, info: GraphQLResolveInfo): PageArgs {
  const backward = args.last != null || Boolean(args.before);
  return {
    first: backward && !operationGives(info, "first") ? null : args.first,
    after: args.after,
    last: args.last,
    before: args.before,
    withTotalCount: info.fieldNodes.some((node) => selectsTotal(node.selectionSet, info)),
  };
}

export interface Connection<T> {
  edges: Page<T>["items"];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: TotalCount | null;
}

/** PageInfo whose cursors are encoded only if selected (nested lists rarely select them). */
class PageInfoOf<T> {
  constructor(private readonly page: Page<T>) {}

  get hasNextPage(): boolean {
    return this.page.hasNextPage;
  }

  get hasPreviousPage(): boolean {
    return this.page.hasPreviousPage;
  }

  get startCursor(): string | null {
    return this.page.items[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.page.items.at(-1)?.cursor ?? null;
  }
}

/** A service page in the shape of a Relay connection (plus its total, when counted). */
export function toConnection<T>(page: Page<T>): Connection<T> {
  return { edges: page.items, pageInfo: new PageInfoOf(page), totalCount: page.totalCount ?? null };
}

/** Connections are built by toConnection, whose totalCount is counted when the field is selected. */
function totalOf(connection: object): TotalCount {
  if ("totalCount" in connection && connection.totalCount) return connection.totalCount as TotalCount;
  throw new Error("totalCount was selected but the connection was built without counting");
}

export const connectionTotalCount = (connection: object): number => totalOf(connection).value;
export const connectionTotalCountPrecision = (connection: object): "EXACT" | "AT_LEAST" =>
  totalOf(connection).exact ? "EXACT" : "AT_LEAST";

/** A payload: the outcome's fields on success, nulls and the user errors otherwise. */
export type Payload<T> = Partial<T> & { userErrors: UserError[] };

export function toPayload<T extends object>(outcome: Outcome<T>): Payload<T> {
  return outcome.ok ? { ...outcome.value, userErrors: [] } : ({ userErrors: outcome.errors } as Payload<T>);
}
