// docs/design.md §7: a request costs a constant number of SQL statements, whatever the page size
// or history length. Counted at the driver (node-postgres), which Prisma and raw SQL both use.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, draftTenant, onboardingTenant, queuedRun, transition } from "../support/fixtures.ts";
import { personas, tenantAdmin } from "../support/personas.ts";
import { countStatements } from "../support/statement-counter.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
const asOperator = { as: personas.operator };
const activeIds: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  // 110 tenants in mixed statuses, most with several runs.
  for (let index = 0; index < 110; index += 1) {
    const kind = index % 5;
    if (kind === 0) await draftTenant(server);
    else if (kind === 1) await onboardingTenant(server);
    else {
      const tenant = await activeTenant(server);
      activeIds.push(tenant.id);
      await queuedRun(server, tenant.id);
      if (kind === 3) await transition(server, tenant.id, "BEGIN_DEPROVISION", { reason: "budget" });
    }
  }
}, 300_000);
afterAll(async () => {
  await server?.close();
});

const DASHBOARD = `query Dashboard($first: Int) {
  tenants(first: $first) {
    totalCount
    edges { cursor node {
      id slug name status
      lifecycle { status statusReason badge { label tone icon } operability { selectable actionable onboardingResumable }
        availableTransitions { transition permitted blockedReason } }
      onboarding { status currentStep completedSteps }
      operationRuns(first: 5) { totalCount edges { node { id kind status badge { label } progress } } }
    } }
  }
}`;

describe("statement budget", () => {
  it.each([10, 50, 100])("a dashboard page of %i tenants costs at most 6 statements", async (first) => {
    const { result, statements } = await countStatements(() =>
      server.data<{ tenants: { edges: { node: { operationRuns: { edges: unknown[] } } }[] } }>(
        DASHBOARD,
        { first },
        asOperator,
      ),
    );
    expect(result.tenants.edges).toHaveLength(first);
    expect(result.tenants.edges.some((edge) => edge.node.operationRuns.edges.length > 0)).toBe(true);
    console.info(`[budget] dashboard page of ${first}: ${statements.length} statements`);
    expect(statements.length).toBeLessThanOrEqual(6);
  });

  it("a transition costs the same number of statements whatever the tenant's history length", async () => {
    const counts: number[] = [];
    for (const historyLength of [0, 40]) {
      const tenant = await activeTenant(server);
      for (let index = 0; index < historyLength / 2; index += 1) {
        await transition(server, tenant.id, "SUSPEND", { reason: "history" });
        await transition(server, tenant.id, "REACTIVATE");
      }
      const { statements } = await countStatements(() =>
        server.data(
          `mutation($id: ID!) { transitionTenant(input: { tenantId: $id, transition: SUSPEND, reason: "measured" }) { tenant { id lifecycle { version } } auditEvent { sequence } userErrors { code } } }`,
          { id: tenant.id },
          asOperator,
        ),
      );
      counts.push(statements.length);
    }
    console.info(`[budget] transition with 0 and 40 prior events: ${counts.join(" and ")} statements`);
    expect(counts[0]).toBe(counts[1]);
  });
});

const NESTED_AUDIT = `
  auditEvents(first: 5) { totalCount edges { node { id action reason changes } } }
  lifecycle { history(first: 5) { totalCount edges { node { id action } } } }
  operationRuns(first: 3) { edges { node { id } } }
  onboarding { status }`;

/** Statement counts of the same request shape for several numbers of parents. */
async function statementsFor(sizes: number[], send: (size: number) => Promise<unknown>): Promise<number[]> {
  const counts: number[] = [];
  for (const size of sizes) counts.push((await countStatements(() => send(size))).statements.length);
  return counts;
}

describe("statement budget of nested lists (audit events, history, runs, sessions)", () => {
  it("is the same for 10, 50 and 100 tenants of a page", async () => {
    const counts = await statementsFor([10, 50, 100], (first) =>
      server.data(
        `query($first: Int) { tenants(first: $first) { edges { node { id ${NESTED_AUDIT} } } } }`,
        { first },
        asOperator,
      ),
    );
    console.info(`[budget] tenants page with nested audit/history/runs: ${counts.join(", ")} statements`);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeLessThanOrEqual(8);
  });

  it("is the same for 5 and 50 _entities representations, for a tenant admin", async () => {
    const tenantId = activeIds[0] as string;
    const counts = await statementsFor([5, 50], (size) =>
      server.data(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id ${NESTED_AUDIT} } } }`,
        { r: Array.from({ length: size }, () => ({ __typename: "Tenant", id: tenantId })) },
        { as: tenantAdmin(tenantId) },
      ),
    );
    console.info(`[budget] _entities with nested audit/history/runs: ${counts.join(", ")} statements`);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeLessThanOrEqual(6);
  });

  it("is the same for 10, 50 and 100 runs, each with its tenant's audit and history", async () => {
    const counts = await statementsFor([10, 50, 100], (first) =>
      server.data(
        `query($first: Int) { operationRuns(first: $first) { edges { node { id tenant { id ${NESTED_AUDIT} } } } } }`,
        { first },
        asOperator,
      ),
    );
    console.info(`[budget] runs page with each run's tenant's audit/history: ${counts.join(", ")} statements`);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeLessThanOrEqual(8);
  });
});
