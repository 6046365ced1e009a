// docs/design.md §7: a search page and its total, against a reference computed here from every
// row. A first page with its total is answered by one statement (the page ranked and counted
// together) and the pages after it by two (the page after the cursor, the count of the whole
// search): generated terms, page sizes and filters walk both paths, over more matches than the
// count's cap, and every page must be the reference's next slice with the same total.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenantStatus } from "../../../src/domain/vocabulary.ts";
import { SEARCH_COUNT_CAP, type TotalCount } from "../../../src/services/pagination.ts";
import { createTenant, listTenants } from "../../../src/services/tenants/tenant-service.ts";
import { personas } from "../../support/personas.ts";
import { countStatements } from "../../support/statement-counter.ts";
import { openServiceDatabase, type ServiceDatabase } from "../../support/service-context.ts";
import { ok, transition } from "../../support/service-fixtures.ts";

let db: ServiceDatabase;

/** Few words, so that terms made of them match many tenants (more than SEARCH_COUNT_CAP for some). */
const WORDS = ["amber", "ambit", "quartz", "quart", "gale", "galen"];
const TENANTS = 260;

interface Row {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
}

/** Every tenant in the list's order (newest first), as the database orders them. */
let everyTenant: Row[] = [];

beforeAll(async () => {
  db = await openServiceDatabase();
  for (let index = 0; index < TENANTS; index += 1) {
    const slugWord = WORDS[index % WORDS.length] as string;
    const nameWord = WORDS[(index * 7 + 3) % WORDS.length] as string;
    const created = ok(
      await createTenant(db.context(personas.operator), {
        slug: `${slugWord}-t${index}`,
        name: `${nameWord.toUpperCase()} Holdings ${index % 13}`,
      }),
    );
    // One in eight archived: left out unless includeArchived.
    if (index % 8 === 0 && created.tenant) await transition(db, created.tenant.id, "ARCHIVE", { reason: "gone" });
  }
  everyTenant = await db.query<Row>("SELECT id, slug, name, status FROM tenants ORDER BY created_at DESC, id DESC");
}, 120_000);
afterAll(async () => {
  await db?.close();
});

function matches(row: Row, search: string, includeArchived: boolean): boolean {
  if (!includeArchived && row.status === TenantStatus.ARCHIVED) return false;
  // ASCII terms: JavaScript's lower case is PostgreSQL's ILIKE here.
  return `${row.slug}\u001f${row.name}`.toLowerCase().includes(search.toLowerCase());
}

function expectedTotal(count: number): TotalCount {
  return count > SEARCH_COUNT_CAP ? { value: SEARCH_COUNT_CAP, exact: false } : { value: count, exact: true };
}

/** Terms of 3+ characters from the words' pieces (hits, common and rare), joins and misses. */
const terms = fc.oneof(
  fc
    .tuple(fc.constantFrom(...WORDS), fc.nat(), fc.integer({ min: 3, max: 6 }))
    .map(([word, start, length]) => word.slice(start % 3, (start % 3) + length))
    .filter((term) => term.length >= 3),
  fc.constantFrom("-t1", "gs 1", "GS 12", "t25", "amber-t", "zzz", "quartz-t", "Amb", "olding"),
  // Spaces inside only: a search is trimmed, and a term cut below 3 characters matches slug prefixes.
  fc.stringMatching(/^[a-z0-9-][a-z0-9 -]{1,4}[a-z0-9-]$/),
);

describe("a search page and its total", () => {
  it("equal the reference's slices and count, on the first page and on every page after it", async () => {
    await fc.assert(
      fc.asyncProperty(
        terms,
        fc.integer({ min: 1, max: 100 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        async (search, first, includeArchived, pagesToWalk) => {
          const expected = everyTenant.filter((row) => matches(row, search, includeArchived)).map((row) => row.id);
          let after: string | null = null;
          for (let pageIndex = 0; pageIndex < pagesToWalk; pageIndex += 1) {
            const page = await listTenants(db.context(personas.operator), {
              first,
              after,
              withTotalCount: true,
              filter: { search, includeArchived },
            });
            const offset = pageIndex * first;
            expect(page.items.map((item) => item.node.id)).toEqual(expected.slice(offset, offset + first));
            expect(page.hasNextPage).toBe(expected.length > offset + first);
            expect(page.hasPreviousPage).toBe(after !== null);
            expect(page.totalCount).toEqual(expectedTotal(expected.length));
            if (!page.hasNextPage) break;
            after = page.items.at(-1)?.cursor ?? null;
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it("over more matches than the cap, the first page is still the newest ones, counted AT_LEAST", async () => {
    const common = everyTenant.filter((row) => matches(row, "olding", false)).map((row) => row.id);
    expect(common.length).toBeGreaterThan(SEARCH_COUNT_CAP);
    const page = await listTenants(db.context(personas.operator), {
      first: 20,
      withTotalCount: true,
      filter: { search: "olding" },
    });
    expect(page.items.map((item) => item.node.id)).toEqual(common.slice(0, 20));
    expect(page.totalCount).toEqual({ value: SEARCH_COUNT_CAP, exact: false });
  });

  it("costs one statement for a first page with its total, two for a page after a cursor", async () => {
    const search = (after: string | null) =>
      listTenants(db.context(personas.operator), {
        first: 5,
        after,
        withTotalCount: true,
        filter: { search: "amber" },
      });
    const first = await countStatements(() => search(null));
    expect(first.statements).toHaveLength(1);
    const next = await countStatements(() => search(first.result.items.at(-1)?.cursor ?? null));
    expect(next.statements).toHaveLength(2);
    expect(next.result.totalCount).toEqual(first.result.totalCount);
  });
});
