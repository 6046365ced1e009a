// The whole life of one tenant over HTTP, the worker driving its DEPROVISION run.
import { GraphQLClient } from "graphql-request";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personas, tenantAdmin, tokenFor, type Persona } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function clientFor(persona: Persona): Promise<GraphQLClient> {
  return new GraphQLClient(server.url, { headers: { authorization: `Bearer ${await tokenFor(persona)}` } });
}

interface Payload {
  tenant?: { status: string; lifecycle: { version: number } } | null;
  operationRun?: { id: string; status: string } | null;
  userErrors: { code: string; message: string }[];
}

describe("a tenant's whole life", () => {
  it("walks DRAFT → ONBOARDING → ACTIVE ⇄ SUSPENDED → DEPROVISIONING → DEPROVISIONED → ARCHIVED", async () => {
    const operator = await clientFor(personas.operator);
    const worker = await clientFor(personas.worker);
    const transition = async (tenantId: string, name: string, reason?: string) => {
      const { transitionTenant } = await operator.request<{ transitionTenant: Payload }>(
        `mutation($input: TransitionTenantInput!) { transitionTenant(input: $input) {
          tenant { status lifecycle { version } } operationRun { id status } userErrors { code message } } }`,
        { input: { tenantId, transition: name, reason } },
      );
      expect(transitionTenant.userErrors).toEqual([]);
      return transitionTenant;
    };
    const updateRun = async (id: string, input: Record<string, unknown>) => {
      const { updateOperationRun } = await worker.request<{ updateOperationRun: Payload }>(
        `mutation($input: UpdateOperationRunInput!) { updateOperationRun(input: $input) { operationRun { id status } userErrors { code message } } }`,
        { input: { id, ...input } },
      );
      expect(updateOperationRun.userErrors).toEqual([]);
    };

    const { createTenant } = await operator.request<{ createTenant: { tenant: { id: string } } }>(
      `mutation { createTenant(input: { slug: "walk-the-line", name: "Walk the Line" }) { tenant { id } } }`,
    );
    const tenantId = createTenant.tenant.id;
    await transition(tenantId, "START_ONBOARDING");
    const admin = await clientFor(tenantAdmin(tenantId));
    for (const step of ["PROFILE", "BILLING", "DOMAIN"]) {
      await admin.request(
        `mutation($input: CompleteOnboardingStepInput!) { completeOnboardingStep(input: $input) { userErrors { code } } }`,
        {
          input: { tenantId, step },
        },
      );
    }
    await transition(tenantId, "ACTIVATE");
    await transition(tenantId, "SUSPEND", "payment overdue");
    await transition(tenantId, "REACTIVATE");
    const begun = await transition(tenantId, "BEGIN_DEPROVISION", "customer churned");
    const runId = begun.operationRun?.id as string;
    await updateRun(runId, { status: "RUNNING", progress: 0.1 });
    await updateRun(runId, { progress: 0.6, summary: "deleting buckets" });
    await updateRun(runId, { status: "SUCCEEDED" });
    await transition(tenantId, "FINALIZE_DEPROVISION");
    const archived = await transition(tenantId, "ARCHIVE", "retention period over");
    expect(archived.tenant?.status).toBe("ARCHIVED");

    const { tenant } = await operator.request<{
      tenant: {
        status: string;
        lifecycle: { version: number };
        auditEvents: { edges: { node: { sequence: number; action: string; actor: { type: string } } }[] };
      };
    }>(
      `query($id: ID) { tenant(id: $id) { status lifecycle { version } auditEvents(first: 100) { edges { node { sequence action actor { type } } } } } }`,
      { id: tenantId },
    );
    const trail = tenant.auditEvents.edges.map((edge) => edge.node).reverse();
    console.info(
      `[walk] audit trail:\n${trail.map((event) => `  ${event.sequence}. ${event.action} (${event.actor.type})`).join("\n")}`,
    );
    expect(trail.map((event) => event.action)).toEqual([
      "tenant.created",
      "tenant.lifecycle.start_onboarding",
      "onboarding.step_completed",
      "onboarding.step_completed",
      "onboarding.step_completed",
      "tenant.lifecycle.activate",
      "tenant.lifecycle.suspend",
      "tenant.lifecycle.reactivate",
      "tenant.lifecycle.begin_deprovision",
      "operation_run.updated",
      "operation_run.updated",
      "operation_run.updated",
      "tenant.lifecycle.finalize_deprovision",
      "tenant.lifecycle.archive",
    ]);
    expect(trail.map((event) => event.sequence)).toEqual(trail.map((_, index) => index + 1));
    expect(tenant.lifecycle.version).toBe(8); // created + 7 transitions
    const chain = await operator.request<{ auditChain: { valid: boolean; eventCount: number } }>(
      `query($id: ID!) { auditChain(tenantId: $id) { valid eventCount } }`,
      { id: tenantId },
    );
    expect(chain.auditChain).toEqual({ valid: true, eventCount: 14 });
  });
});
