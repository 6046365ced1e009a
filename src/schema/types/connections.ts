import type { Page } from "../../services/pagination.ts";

/** A service page in the shape of a Relay connection (plus totalCount). */
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
