import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRANSITION_TABLE } from "../../src/domain/transition-table.ts";
import { TenantStatus } from "../../src/domain/vocabulary.ts";
import { personas, tenantAdmin, tokenFor } from "../support/personas.ts";
import { statusCountsAndRows } from "../support/status-counts.ts";
import {
  CREATE_TENANT,
  TENANT_BY_ID,
  TRANSITION_TENANT,
  type MutationPayload,
  type TenantShape,
} from "../support/operations.ts";
import { startTestServer, type CallOptions, type TestServer } from "../support/test-server.ts";

let server: TestServer;
const asOperator: CallOptions = { as: personas.operator };
// Letters only: the searches below look for digits ("100"), which a process id may contain.
const prefix = `reads${String(process.pid).replace(/\d/g, (digit) => "abcdefghij"[Number(digit)] ?? "")}`;
const tenants: Record<string, TenantShape> = {};

async function create(slug: string, name: string): Promise<TenantShape> {
  const payload = (
    await server.data<{ createTenant: MutationPayload }>(CREATE_TENANT, { input: { slug, name } }, asOperator)
  ).createTenant;
  return payload.tenant as TenantShape;
}
async function transition(tenantId: string, name: string, reason?: string) {
  return (
    await server.data<{ transitionTenant: MutationPayload }>(
      TRANSITION_TENANT,
      { input: { tenantId, transition: name, reason } },
      asOperator,
    )
  ).transitionTenant;
}

beforeAll(async () => {
  server = await startTestServer();
  tenants["alpha"] = await create(`${prefix}-alpha`, "Alpha 100% Inc");
  tenants["beta"] = await create(`${prefix}-beta`, "Beta_Under Score");
  tenants["gamma"] = await create(`${prefix}-gamma`, "Gamma");
  tenants["archived"] = await create(`${prefix}-old`, "Old");
  await transition(tenants["archived"].id, "ARCHIVE", "gone");
  await transition(tenants["gamma"].id, "START_ONBOARDING");
});
afterAll(async () => {
  await server?.close();
});

const TENANTS_PAGE = `query Page($first: Int, $after: String, $filter: TenantFilter) {
  tenants(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { slug status } }
  }
}`;

interface TenantsPage {
  tenants: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { slug: string; status: string } }[];
  };
}

async function page(variables: Record<string, unknown>) {
  return (await server.data<TenantsPage>(TENANTS_PAGE, variables, asOperator)).tenants;
}

describe("Query.tenant", () => {
  it("finds a tenant by id and by slug with its derived lifecycle", async () => {
    const byId = await server.data<{ tenant: TenantShape }>(TENANT_BY_ID, { id: tenants["alpha"]?.id }, asOperator);
    const bySlug = await server.data<{ tenant: TenantShape }>(TENANT_BY_ID, { slug: `${prefix}-alpha` }, asOperator);
    expect(bySlug.tenant).toEqual(byId.tenant);
    expect(byId.tenant.lifecycle).toMatchObject({
      status: "DRAFT",
      badge: { label: "Draft", tone: "NEUTRAL" },
      operability: {
        viewable: true,
        selectable: false,
        actionable: false,
        onboardingResumable: false,
        monitoringReferenceable: true,
      },
    });
    expect(byId.tenant.lifecycle.availableTransitions).toEqual([
      { transition: "START_ONBOARDING", to: "ONBOARDING", reasonRequired: false, permitted: true, blockedReason: null },
      { transition: "ARCHIVE", to: "ARCHIVED", reasonRequired: true, permitted: true, blockedReason: null },
    ]);
  });

  it("judges guards in availableTransitions: ACTIVATE is blocked until onboarding is complete", async () => {
    const { tenant } = await server.data<{ tenant: TenantShape }>(
      TENANT_BY_ID,
      { id: tenants["gamma"]?.id },
      asOperator,
    );
    expect(tenant.lifecycle.operability.onboardingResumable).toBe(true);
    const activate = tenant.lifecycle.availableTransitions.find((entry) => entry.transition === "ACTIVATE");
    expect(activate).toMatchObject({ permitted: false });
    expect(activate?.blockedReason).toContain("PROFILE, BILLING, DOMAIN");
  });

  it("says a viewer without the lifecycle capability may not transition", async () => {
    const { tenant } = await server.data<{ tenant: TenantShape }>(
      TENANT_BY_ID,
      { id: tenants["alpha"]?.id },
      { as: personas.supportRead },
    );
    expect(tenant.lifecycle.availableTransitions.every((entry) => !entry.permitted && entry.blockedReason)).toBe(true);
  });

  it("returns null for an unknown id, a malformed id and an unknown slug", async () => {
    for (const variables of [
      { id: "00000000-0000-4000-8000-000000000000" },
      { id: "nope" },
      { slug: "no-such-tenant" },
    ]) {
      expect((await server.data<{ tenant: unknown }>(TENANT_BY_ID, variables, asOperator)).tenant).toBeNull();
    }
  });

  it.each([[{}], [{ id: "00000000-0000-4000-8000-000000000000", slug: "x" }]])(
    "refuses %j with BAD_USER_INPUT",
    async (variables) => {
      const { body } = await server.request(TENANT_BY_ID, variables, asOperator);
      expect(body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    },
  );

  it("answers UNAUTHENTICATED without a token and with a bad one", async () => {
    const anonymous = await server.request(TENANT_BY_ID, { id: tenants["alpha"]?.id });
    expect(anonymous.body.errors?.[0]?.extensions?.["code"]).toBe("UNAUTHENTICATED");
    const expired = await server.request(
      TENANT_BY_ID,
      { id: tenants["alpha"]?.id },
      { token: await tokenFor(personas.operator, { expiresIn: "-1m" }) },
    );
    expect(expired.body.errors?.[0]).toMatchObject({
      message: "Token has expired",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("serves _service without a token", async () => {
    const { body } = await server.request("{ _service { sdl } }");
    expect((body.data as { _service: { sdl: string } })._service.sdl).toContain("type Tenant");
  });
});

describe("Query.tenants", () => {
  it("lists newest first, leaves ARCHIVED out by default and counts the filter's total", async () => {
    const result = await page({ first: 100, filter: { search: prefix } });
    expect(result.edges.map((edge) => edge.node.slug)).toEqual([
      `${prefix}-gamma`,
      `${prefix}-beta`,
      `${prefix}-alpha`,
    ]);
    expect(result.totalCount).toBe(3);
    const withArchived = await page({ first: 100, filter: { search: prefix, includeArchived: true } });
    expect(withArchived.totalCount).toBe(4);
    const onlyArchived = await page({ first: 100, filter: { search: prefix, status: ["ARCHIVED"] } });
    expect(onlyArchived.edges.map((edge) => edge.node.slug)).toEqual([`${prefix}-old`]);
  });

  it("pages with cursors until hasNextPage is false", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard += 1) {
      const result: TenantsPage["tenants"] = await page({ first: 1, after, filter: { search: prefix } });
      seen.push(...result.edges.map((edge) => edge.node.slug));
      expect(result.totalCount).toBe(3);
      expect(result.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    expect(seen).toEqual([`${prefix}-gamma`, `${prefix}-beta`, `${prefix}-alpha`]);
  });

  it("searches slug and name case-insensitively, taking % and _ literally", async () => {
    expect((await page({ filter: { search: "100%" } })).edges.map((edge) => edge.node.slug)).toEqual([
      `${prefix}-alpha`,
    ]);
    // "_" would match the "-" of the slug if it were a wildcard
    expect((await page({ filter: { search: `${prefix}_beta` } })).edges.map((edge) => edge.node.slug)).toEqual([]);
    expect((await page({ filter: { search: "A_UNDER" } })).edges.map((edge) => edge.node.slug)).toEqual([
      `${prefix}-beta`,
    ]);
    expect((await page({ filter: { search: "100" } })).edges.map((edge) => edge.node.slug)).toEqual([
      `${prefix}-alpha`,
    ]);
  });

  it("never matches across the end of the slug and the start of the name, and refuses control characters", async () => {
    // alpha's slug ends "-alpha" and its name starts "Alpha": "alpha alpha" is in neither.
    expect((await page({ filter: { search: "alpha Alpha" } })).edges).toEqual([]);
    for (const search of ["alpha\u001fAlpha", "tab\there", "bell\u0007"]) {
      const { body } = await server.request(TENANTS_PAGE, { filter: { search } }, asOperator);
      expect(body.errors?.[0]).toMatchObject({
        message: "filter.search must be text without control characters or unpaired surrogates",
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
  });

  it("matches a term of one or two characters against the start of the slug only", async () => {
    const slugs = async (search: string) =>
      (await page({ filter: { search } })).edges.map((edge) => edge.node.slug).sort();
    const all = [`${prefix}-alpha`, `${prefix}-beta`, `${prefix}-gamma`];
    expect(await slugs("re")).toEqual(all);
    expect(await slugs("RE")).toEqual(all);
    expect(await slugs("r")).toEqual(all);
    // "Al" starts the name "Alpha 100% Inc", "a" occurs in every slug: neither is a slug prefix.
    expect(await slugs("Al")).toEqual([]);
    expect(await slugs("a")).toEqual([]);
    // Wildcards stay literal in a prefix too.
    expect(await slugs("%")).toEqual([]);
    expect(await slugs("_")).toEqual([]);
  });

  it("reports status-filtered totals as EXACT, read from the per-status counters", async () => {
    const totals = await server.data<{
      all: { totalCount: number; totalCountPrecision: string };
      archived: { totalCount: number; totalCountPrecision: string };
      selectable: { totalCount: number; totalCountPrecision: string };
    }>(
      `{ all: tenants(filter: { includeArchived: true }) { totalCount totalCountPrecision }
         archived: tenants(filter: { status: [ARCHIVED] }) { totalCount totalCountPrecision }
         selectable: tenants(filter: { selectable: false }) { totalCount totalCountPrecision } }`,
      {},
      asOperator,
    );
    // This file's database holds only the four tenants made above.
    expect(totals).toEqual({
      all: { totalCount: 4, totalCountPrecision: "EXACT" },
      archived: { totalCount: 1, totalCountPrecision: "EXACT" },
      selectable: { totalCount: 3, totalCountPrecision: "EXACT" },
    });
  });

  it("filters selectable tenants (ACTIVE only)", async () => {
    expect((await page({ filter: { search: prefix, selectable: true } })).totalCount).toBe(0);
    expect((await page({ filter: { search: prefix, selectable: false } })).totalCount).toBe(3);
  });

  it.each([[0], [101], [-5]])("refuses first = %i with BAD_USER_INPUT", async (first) => {
    const { body } = await server.request(TENANTS_PAGE, { first }, asOperator);
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0]?.message).toContain("between 1 and 100");
  });

  it("refuses a cursor it did not issue with BAD_USER_INPUT", async () => {
    const { body } = await server.request(TENANTS_PAGE, { after: "garbage" }, asOperator);
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });
});

describe("lifecycle as data", () => {
  it("Query.lifecycleTransitions returns the transition table", async () => {
    const { lifecycleTransitions } = await server.data<{
      lifecycleTransitions: {
        transition: string;
        from: string[];
        to: string;
        reasonRequired: boolean;
        guard: string | null;
      }[];
    }>(`{ lifecycleTransitions { transition from to reasonRequired guard } }`, {}, asOperator);
    expect(lifecycleTransitions.map((rule) => rule.transition)).toEqual(Object.keys(TRANSITION_TABLE));
    for (const rule of lifecycleTransitions) {
      const expected = TRANSITION_TABLE[rule.transition as keyof typeof TRANSITION_TABLE];
      expect(rule).toMatchObject({
        from: [...expected.from],
        to: expected.to,
        reasonRequired: expected.reasonRequired,
      });
      expect(rule.guard === null).toBe(expected.guard === null);
    }
  });

  it("history holds the lifecycle events only, newest first; auditEvents holds all of them", async () => {
    const tenantId = tenants["gamma"]?.id;
    await server.data(
      `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { userErrors { code } } }`,
      { input: { tenantId, name: "Gamma 2" } },
      asOperator,
    );
    const { tenant } = await server.data<{
      tenant: {
        lifecycle: { history: { totalCount: number; edges: { node: { action: string; sequence: number } }[] } };
        auditEvents: { totalCount: number; edges: { node: { action: string; sequence: number } }[] };
      };
    }>(
      `query($id: ID) { tenant(id: $id) {
        lifecycle { history(first: 10) { totalCount edges { node { action sequence } } } }
        auditEvents(first: 10) { totalCount edges { node { action sequence } } }
      } }`,
      { id: tenantId },
      asOperator,
    );
    expect(tenant.lifecycle.history.edges.map((edge) => edge.node.action)).toEqual([
      "tenant.lifecycle.start_onboarding",
    ]);
    expect(tenant.auditEvents.edges.map((edge) => edge.node.sequence)).toEqual([3, 2, 1]);
    expect(tenant.auditEvents.edges.map((edge) => edge.node.action)).toEqual([
      "tenant.updated",
      "tenant.lifecycle.start_onboarding",
      "tenant.created",
    ]);
  });
});

describe("Query.auditEvents", () => {
  it("filters by action prefix, taking % and _ literally", async () => {
    const query = `query($action: String, $tenantId: ID) { auditEvents(first: 50, filter: { action: $action, tenantId: $tenantId }) { edges { node { action } } } }`;
    const actions = async (action: string) =>
      (
        await server.data<{ auditEvents: { edges: { node: { action: string } }[] } }>(
          query,
          { action, tenantId: tenants["gamma"]?.id },
          asOperator,
        )
      ).auditEvents.edges.map((edge) => edge.node.action);
    expect(await actions("tenant.lifecycle.start_onb")).toEqual(["tenant.lifecycle.start_onboarding"]);
    expect(await actions("tenant.lifecycle.start%")).toEqual([]);
    expect(await actions("tenant.lifecycle.start_")).toEqual(["tenant.lifecycle.start_onboarding"]);
    expect(await actions("tenant_lifecycle")).toEqual([]);
  });
});

const TENANT_STATUSES: string[] = Object.values(TenantStatus);

describe("Query.tenantStatusCounts", () => {
  const COUNTS = `{ tenantStatusCounts { status count } }`;
  const counts = async (as = personas.operator) =>
    (await server.data<{ tenantStatusCounts: { status: string; count: number }[] }>(COUNTS, {}, { as }))
      .tenantStatusCounts;

  it("answers every status, zero included, in the enum's order, equal to the rows and to each tab's totalCount", async () => {
    const statuses = TENANT_STATUSES;
    const before = await counts();
    expect(before.map((entry) => entry.status)).toEqual(statuses);
    const { rows } = await statusCountsAndRows(server.database.pool);
    expect(before).toEqual(statuses.map((status) => ({ status, count: rows[status] ?? 0 })));
    expect(before.some((entry) => entry.count === 0)).toBe(true);
    const tabs = await server.data<Record<string, { totalCount: number }>>(
      `{ ${statuses.map((status) => `${status}: tenants(filter: { status: [${status}] }) { totalCount }`).join(" ")} }`,
      {},
      asOperator,
    );
    expect(before).toEqual(statuses.map((status) => ({ status, count: tabs[status]?.totalCount })));
  });

  it("follows creations and transitions exactly", async () => {
    const before = new Map((await counts()).map((entry) => [entry.status, entry.count]));
    const created = await create(`counted-${prefix}`, "Counted");
    await transition(created.id, "START_ONBOARDING");
    const after = new Map((await counts()).map((entry) => [entry.status, entry.count]));
    expect(after.get("ONBOARDING")).toBe((before.get("ONBOARDING") ?? 0) + 1);
    expect(after.get("DRAFT")).toBe(before.get("DRAFT"));
  });

  it("is a platform reader's: support readers read it, tenant users are FORBIDDEN, no token is UNAUTHENTICATED", async () => {
    expect(await counts(personas.supportRead)).toHaveLength(TENANT_STATUSES.length);
    for (const as of [tenantAdmin(tenants["alpha"]?.id as string), personas.worker]) {
      const { body } = await server.request(COUNTS, {}, { as });
      expect(body.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
      expect(body.data ?? null).toBeNull();
    }
    const { body } = await server.request(COUNTS);
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("UNAUTHENTICATED");
  });
});
