// docs/design.md §8: time-ordered lists filter by a half-open time range — tenants and runs by
// createdAfter/createdBefore, the audit feed by occurredAfter/occurredBefore — over HTTP: the
// items the range holds and no others, forward and backward, with exact totals; a range whose
// start is later than its end is BAD_USER_INPUT.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, draftTenant, queuedRun, transition, type TenantFixture } from "../support/fixtures.ts";
import { personas } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
let tenant: TenantFixture;
const asOperator = { as: personas.operator };

interface Item {
  id: string;
  at: string;
}
interface ListUnderTest {
  name: string;
  names: { after: string; before: string };
  /** The page's items with their time, for `args` and extra filter fields `range`. */
  query(args: string, range: string): string;
  pick(data: Record<string, unknown>): { totalCount: number; totalCountPrecision: string; edges: { node: Item }[] };
}

function lists(): ListUnderTest[] {
  const root = (field: string, time: string, names: ListUnderTest["names"], filter: string) => ({
    name: `Query.${field} { ${filter} }`,
    names,
    query: (args: string, range: string) =>
      `query${filter.includes("$id") ? "($id: ID)" : ""} { ${field}(${args}, filter: { ${filter} ${range} }) {
         totalCount totalCountPrecision edges { node { id at: ${time} } } } }`,
    pick: (data: Record<string, unknown>) => data[field] as ReturnType<ListUnderTest["pick"]>,
  });
  const created = { after: "createdAfter", before: "createdBefore" };
  const occurred = { after: "occurredAfter", before: "occurredBefore" };
  return [
    root("tenants", "createdAt", created, "includeArchived: true"),
    root("tenants", "createdAt", created, "status: [ACTIVE, DRAFT]"),
    root("tenants", "createdAt", created, 'search: "Fixture"'),
    root("operationRuns", "createdAt", created, ""),
    root("operationRuns", "createdAt", created, "tenantId: $id"),
    root("operationRuns", "createdAt", created, "status: [QUEUED, RUNNING]"),
    root("auditEvents", "occurredAt", occurred, ""),
    root("auditEvents", "occurredAt", occurred, "tenantId: $id"),
    root("auditEvents", "occurredAt", occurred, 'action: "tenant.lifecycle"'),
    {
      name: "Tenant.operationRuns",
      names: created,
      query: (args: string, range: string) =>
        `query($id: ID) { tenant(id: $id) { operationRuns(${args}, filter: { ${range} }) {
           totalCount totalCountPrecision edges { node { id at: createdAt } } } } }`,
      pick: (data: Record<string, unknown>) =>
        (data["tenant"] as Record<string, unknown>)["operationRuns"] as ReturnType<ListUnderTest["pick"]>,
    },
  ];
}

async function itemsOf(list: ListUnderTest, args: string, range = "") {
  return list.pick(await server.data(list.query(args, range), { id: tenant.id }, asOperator));
}

beforeAll(async () => {
  server = await startTestServer();
  for (let index = 0; index < 3; index += 1) {
    await draftTenant(server);
    await activeTenant(server);
  }
  tenant = await activeTenant(server);
  await transition(server, tenant.id, "SUSPEND", { reason: "billing" });
  await transition(server, tenant.id, "REACTIVATE");
  for (const kind of ["DATA_EXPORT", "MAINTENANCE", "DATA_EXPORT"]) await queuedRun(server, tenant.id, kind);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe("date filters", () => {
  it("give exactly the items of [after, before), forward and backward, with an exact total", async () => {
    for (const list of lists()) {
      const all = (await itemsOf(list, "first: 100")).edges.map((edge) => edge.node);
      expect(all.length, list.name).toBeGreaterThan(2);
      const times = [...new Set(all.map((item) => item.at))].sort();
      // Ranges that cut the list inside, at its ends, and hold nothing.
      const ranges: [string | null, string | null][] = [
        [times[1] ?? null, times[times.length - 2] ?? null],
        [times[1] ?? null, null],
        [null, times[times.length - 1] ?? null],
        [times[2] ?? null, times[2] ?? null],
        ["2000-01-01T00:00:00.000Z", "2000-01-02T00:00:00.000Z"],
      ];
      for (const [after, before] of ranges) {
        const range = [
          after ? `${list.names.after}: "${after}"` : "",
          before ? `${list.names.before}: "${before}"` : "",
        ].join(" ");
        const expected = all
          .filter((item) => (after === null || item.at >= after) && (before === null || item.at < before))
          .map((item) => item.id);
        const forward = await itemsOf(list, "first: 100", range);
        expect(
          forward.edges.map((edge) => edge.node.id),
          `${list.name} ${range}`,
        ).toEqual(expected);
        expect(forward.totalCount, `${list.name} ${range}`).toBe(expected.length);
        expect(forward.totalCountPrecision).toBe("EXACT");
        const backward = await itemsOf(list, "last: 2", range);
        expect(
          backward.edges.map((edge) => edge.node.id),
          `${list.name} ${range} backward`,
        ).toEqual(expected.slice(-2));
      }
    }
  });

  it("refuses a range whose start is later than its end with BAD_USER_INPUT, on every list", async () => {
    for (const list of lists()) {
      const range = `${list.names.after}: "2026-01-02T00:00:00Z" ${list.names.before}: "2026-01-01T00:00:00Z"`;
      const { body } = await server.request(list.query("first: 5", range), { id: tenant.id }, asOperator);
      expect(body.errors?.[0], list.name).toMatchObject({
        message: `filter.${list.names.after} must not be later than filter.${list.names.before}`,
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
  });

  it("refuses a time that is not a DateTime", async () => {
    const [tenants] = lists();
    for (const value of ["yesterday", "2026-13-01T00:00:00Z"]) {
      const { body } = await server.request(
        (tenants as ListUnderTest).query("first: 5", `createdAfter: "${value}"`),
        {},
        asOperator,
      );
      expect(body.errors?.[0]?.extensions?.["code"], value).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    }
  });
});
