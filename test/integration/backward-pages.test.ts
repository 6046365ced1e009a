// docs/design.md §8: every connection pages backward (`last`/`before`) as it pages forward —
// the same items in the same order, the same 1..100 bound, hasPreviousPage/hasNextPage true
// exactly where the forward walk has items on that side — over HTTP, on the tenant, run and
// audit connections, top-level and nested.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, queuedRun, transition, type TenantFixture } from "../support/fixtures.ts";
import { personas, tenantAdmin } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
let tenant: TenantFixture;
const asOperator = { as: personas.operator };

interface PageShape {
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: { id: string } }[];
}

/** A connection's page reached through `path` (field names from data), for the given arguments. */
interface ListUnderTest {
  name: string;
  query(args: string): string;
  pick(data: Record<string, unknown>): PageShape;
}

const PAGE = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } }`;

function lists(): ListUnderTest[] {
  const nested = (field: string) => ({
    name: `Tenant.${field}`,
    query: (args: string) => `query($id: ID) { tenant(id: $id) { ${field}(${args}) { ${PAGE} } } }`,
    pick: (data: Record<string, unknown>) => (data["tenant"] as Record<string, PageShape>)[field] as PageShape,
  });
  const root = (field: string, filter: string) => ({
    name: `Query.${field} ${filter}`,
    query: (args: string) =>
      `query${filter.includes("$id") ? "($id: ID)" : ""} { ${field}(${args}${filter ? `, filter: ${filter}` : ""}) { ${PAGE} } }`,
    pick: (data: Record<string, unknown>) => data[field] as PageShape,
  });
  return [
    root("tenants", ""),
    root("tenants", "{ includeArchived: true }"),
    root("tenants", "{ status: [ACTIVE, DRAFT] }"),
    // A slug prefix (fixtures' slugs start "fx-") and a term on the trigram index (their name).
    root("tenants", '{ search: "fx" }'),
    root("tenants", '{ search: "Fixture" }'),
    root("operationRuns", ""),
    root("operationRuns", "{ tenantId: $id }"),
    root("operationRuns", "{ status: [QUEUED, RUNNING] }"),
    root("auditEvents", ""),
    root("auditEvents", "{ tenantId: $id }"),
    root("auditEvents", '{ action: "tenant.lifecycle" }'),
    nested("operationRuns"),
    nested("auditEvents"),
    {
      name: "TenantLifecycle.history",
      query: (args: string) => `query($id: ID) { tenant(id: $id) { lifecycle { history(${args}) { ${PAGE} } } } }`,
      pick: (data: Record<string, unknown>) =>
        ((data["tenant"] as Record<string, unknown>)["lifecycle"] as Record<string, PageShape>)["history"] as PageShape,
    },
  ];
}

async function pageOf(list: ListUnderTest, args: string): Promise<PageShape> {
  return list.pick(await server.data(list.query(args), { id: tenant.id }, asOperator));
}

beforeAll(async () => {
  server = await startTestServer();
  // Active tenants (and the drafts and onboarding tenants of other tests' shapes come with them
  // in no way: this file's database holds only these), runs of two kinds and a lifecycle history.
  for (let index = 0; index < 3; index += 1) await activeTenant(server);
  tenant = await activeTenant(server);
  await transition(server, tenant.id, "SUSPEND", { reason: "billing" });
  await transition(server, tenant.id, "REACTIVATE");
  for (const kind of ["DATA_EXPORT", "MAINTENANCE", "DATA_EXPORT", "MAINTENANCE"])
    await queuedRun(server, tenant.id, kind);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe("backward pages", () => {
  it("walk every list from its end with last/before, giving the forward walk's items in its order", async () => {
    for (const list of lists()) {
      const forward = await pageOf(list, "first: 100");
      const all = forward.edges.map((edge) => edge.node.id);
      expect(all.length, list.name).toBeGreaterThan(2);
      const seen: string[] = [];
      let before: string | null = null;
      for (let guard = 0; guard < all.length + 1; guard += 1) {
        const args: string = before ? `last: 2, before: "${before}"` : "last: 2";
        const page: PageShape = await pageOf(list, args);
        // Each page in the list's own order; the pages themselves come from the end.
        seen.unshift(...page.edges.map((edge) => edge.node.id));
        expect(page.pageInfo.hasNextPage, `${list.name} ${args}`).toBe(before !== null);
        expect(page.pageInfo.hasPreviousPage, `${list.name} ${args}`).toBe(seen.length < all.length);
        expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
        if (!page.pageInfo.hasPreviousPage) break;
        before = page.pageInfo.startCursor;
      }
      expect(seen, list.name).toEqual(all);
    }
  });

  it("pages forward again from a backward page's cursor (cursors are the list's, whichever way)", async () => {
    for (const list of lists()) {
      const all = (await pageOf(list, "first: 100")).edges.map((edge) => edge.node.id);
      const last = await pageOf(list, "last: 1");
      expect(
        last.edges.map((edge) => edge.node.id),
        list.name,
      ).toEqual(all.slice(-1));
      const middle = all.length - 2;
      const before = await pageOf(list, `last: 1, before: "${last.pageInfo.startCursor}"`);
      expect(
        before.edges.map((edge) => edge.node.id),
        list.name,
      ).toEqual([all[middle]]);
      const after = await pageOf(list, `first: 1, after: "${before.pageInfo.endCursor}"`);
      expect(
        after.edges.map((edge) => edge.node.id),
        list.name,
      ).toEqual(all.slice(-1));
    }
  });

  it("answers last = 100 with the whole of a shorter list and no previous page", async () => {
    for (const list of lists()) {
      const forward = await pageOf(list, "first: 100");
      const backward = await pageOf(list, "last: 100");
      expect(backward.edges, list.name).toEqual(forward.edges);
      expect(backward.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: false });
    }
  });

  it.each([
    ["first: 5, last: 5", "Give first or last, not both"],
    ["last: 0", "last must be between 1 and 100"],
    ["last: 101", "last must be between 1 and 100"],
    ['last: 2, after: "abc"', "after pages forward: give it with first, not last"],
    ['first: 2, before: "abc"', "before pages backward: give it with last, not first"],
    ['last: 2, before: "not a cursor!"', "before is not a cursor returned by this API"],
  ])("refuses %s with BAD_USER_INPUT on every list", async (args, message) => {
    for (const list of lists()) {
      const { body } = await server.request(list.query(args), { id: tenant.id }, asOperator);
      expect(body.errors?.[0], `${list.name} ${args}`).toMatchObject({
        message,
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
  });

  it("refuses first and last together even when first is a variable, and takes an unsent one as absent", async () => {
    const query = `query($first: Int, $last: Int) { tenants(first: $first, last: $last) { edges { cursor } } }`;
    const both = await server.request(query, { first: 3, last: 3 }, asOperator);
    expect(both.body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const lastOnly = await server.request<{ tenants: { edges: unknown[] } }>(query, { last: 3 }, asOperator);
    expect(lastOnly.body.errors).toBeUndefined();
    expect(lastOnly.body.data?.tenants.edges).toHaveLength(3);
  });

  it("refuses another list's cursor as before, and another tenant's", async () => {
    const [runs, audit] = lists().filter(
      (list) => list.name === "Tenant.operationRuns" || list.name === "Tenant.auditEvents",
    );
    const runCursor = (await pageOf(runs as ListUnderTest, "first: 1")).pageInfo.endCursor;
    const { body } = await server.request(
      (audit as ListUnderTest).query(`last: 1, before: "${runCursor}"`),
      { id: tenant.id },
      asOperator,
    );
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const other = await activeTenant(server);
    const foreign = await server.request(
      (runs as ListUnderTest).query(`last: 1, before: "${runCursor}"`),
      { id: other.id },
      asOperator,
    );
    expect(foreign.body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it("masks a tenant admin's backward audit page as the forward one", async () => {
    const query = (args: string) =>
      `query($id: ID) { tenant(id: $id) { auditEvents(${args}) { edges { node { id action actor { id } reason } } } } }`;
    const as = { as: tenantAdmin(tenant.id) };
    const forward = await server.data<{ tenant: { auditEvents: { edges: unknown[] } } }>(
      query("first: 100"),
      { id: tenant.id },
      as,
    );
    const backward = await server.data<{ tenant: { auditEvents: { edges: unknown[] } } }>(
      query("last: 100"),
      { id: tenant.id },
      as,
    );
    expect(backward).toEqual(forward);
  });
});
