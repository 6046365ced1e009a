// The loop closed (issue 23, docs/design.md §9): the service started as a user starts it, its own
// delivery loop running, sends BEGIN_DEPROVISION to the example deprovisioning worker
// (examples/deprovisioning-worker), which verifies the signature, takes the DEPROVISION run to
// RUNNING and SUCCEEDED through the API with an operations:write token; the operator then
// finalizes. A replay of the event changes nothing (the worker is idempotent).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../../examples/deprovisioning-worker/worker.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { personas, tokenFor } from "../support/personas.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";

let database: TestDatabase;
let server: ServerProcess;
let worker: Awaited<ReturnType<typeof startWorker>> | null = null;

async function call<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(personas.operator)}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  server = await startServerProcess({ DATABASE_URL: database.url, WEBHOOK_POLL_INTERVAL_MS: "50" });
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => worker?.server.close(resolve));
  await server?.stop();
  await database?.drop();
});

const transition = (tenantId: string, name: string, reason?: string) =>
  call<{ transitionTenant: { tenant: { status: string } | null; userErrors: { code: string }[] } }>(
    `mutation($input: TransitionTenantInput!) { transitionTenant(input: $input) { tenant { status } userErrors { code } } }`,
    { input: { tenantId, transition: name, ...(reason ? { reason } : {}) } },
  );

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 100) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the deprovisioning saga", () => {
  it("runs from BEGIN_DEPROVISION to FINALIZE_DEPROVISION through a webhook and the example worker", async () => {
    const deleted: string[] = [];
    // The endpoint's secret exists only once the endpoint does: the worker reads it when it arrives.
    const secrets: string[] = [];
    worker = await startWorker({
      secrets,
      subgraphUrl: server.url,
      token: await tokenFor(personas.worker),
      deleteTenantData: async (tenantId) => {
        deleted.push(tenantId);
      },
    });
    const created = await call<{ createWebhookEndpoint: { endpoint: { id: string }; secret: string } }>(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, eventTypes: ["tenant.lifecycle.begin_deprovision"] }) {
        endpoint { id } secret } }`,
      { url: worker.url },
    );
    secrets.push(created.createWebhookEndpoint.secret);
    const tenant = (
      await call<{ createTenant: { tenant: { id: string } } }>(
        `mutation($slug: String!) { createTenant(input: { slug: $slug, name: "Leaving" }) { tenant { id } } }`,
        { slug: `leaving-${Date.now()}` },
      )
    ).createTenant.tenant;
    await transition(tenant.id, "START_ONBOARDING");
    for (const step of ["PROFILE", "BILLING", "DOMAIN"]) {
      await call(
        `mutation($input: CompleteOnboardingStepInput!) { completeOnboardingStep(input: $input) { userErrors { code } } }`,
        { input: { tenantId: tenant.id, step } },
      );
    }
    await transition(tenant.id, "ACTIVATE");
    expect((await transition(tenant.id, "BEGIN_DEPROVISION", "contract ended")).transitionTenant.userErrors).toEqual(
      [],
    );

    const runStatus = async () =>
      (
        await call<{ operationRuns: { edges: { node: { status: string } }[] } }>(
          `query($id: ID) { operationRuns(first: 1, filter: { tenantId: $id, kind: [DEPROVISION] }) { edges { node { status } } } }`,
          { id: tenant.id },
        )
      ).operationRuns.edges[0]?.node.status;
    await eventually(async () => (await runStatus()) === "SUCCEEDED", "the worker to finish the DEPROVISION run");
    expect(deleted).toEqual([tenant.id]);

    const finalized = await transition(tenant.id, "FINALIZE_DEPROVISION");
    expect(finalized.transitionTenant).toEqual({ tenant: { status: "DEPROVISIONED" }, userErrors: [] });

    // The event again (a replay): the worker answers 2xx and changes nothing.
    const replayed = await call<{ replayWebhookDeliveries: { scheduled: number } }>(
      `mutation($id: ID!) { replayWebhookDeliveries(input: { endpointId: $id, since: "2020-01-01T00:00:00Z", onlyFailed: false }) { scheduled } }`,
      { id: created.createWebhookEndpoint.endpoint.id },
    );
    expect(replayed.replayWebhookDeliveries.scheduled).toBe(1);
    const deliveries = async () =>
      (
        await call<{ webhookEndpoint: { deliveries: { edges: { node: { status: string; attempts: number } }[] } } }>(
          `query($id: ID!) { webhookEndpoint(id: $id) { deliveries(first: 5) { edges { node { status attempts } } } } }`,
          { id: created.createWebhookEndpoint.endpoint.id },
        )
      ).webhookEndpoint.deliveries.edges.map((edge) => edge.node);
    await eventually(
      async () => (await deliveries()).every((delivery) => delivery.status === "SUCCEEDED"),
      "the replay to be delivered",
    );
    expect(deleted).toEqual([tenant.id]);
    expect(await runStatus()).toBe("SUCCEEDED");
  }, 120_000);
});
