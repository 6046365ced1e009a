// docs/design.md §3: Tenant.allowedActions, judged for every persona on a tenant in every state,
// is what the writes then do — over HTTP, each action is taken as that persona: a `permitted`
// one succeeds, a blocked one is refused (a top-level error or a userError), and the blocked
// reason of a refused rule is the write's own refusal message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TENANT_ACTION_KINDS } from "../../src/domain/tenant-actions.ts";
import {
  activeTenant,
  draftTenant,
  onboardingTenant,
  START_RUN,
  transition,
  uniqueSlug,
  UPDATE_RUN,
  type TenantFixture,
} from "../support/fixtures.ts";
import { personas, tenantAdmin, tenantMember, type Persona } from "../support/personas.ts";
import { startTestServer, type TestServer } from "../support/test-server.ts";

let server: TestServer;

interface Judgement {
  action: string;
  permitted: boolean;
  blockedReason: string | null;
}

type State =
  "DRAFT" | "ONBOARDING" | "ACTIVE" | "SUSPENDED" | "DEPROVISIONING" | "DEPROVISIONING_AFTER_FAILED_RUN" | "ARCHIVED";
const STATES: State[] = [
  "DRAFT",
  "ONBOARDING",
  "ACTIVE",
  "SUSPENDED",
  "DEPROVISIONING",
  "DEPROVISIONING_AFTER_FAILED_RUN",
  "ARCHIVED",
];

const asOperator = { as: personas.operator };

async function openDeprovisionRun(tenantId: string): Promise<string> {
  const { tenant } = await server.data<{
    tenant: { operationRuns: { edges: { node: { id: string; kind: string } }[] } };
  }>(
    `query($id: ID) { tenant(id: $id) { operationRuns(first: 10, filter: { kind: [DEPROVISION] }) { edges { node { id kind } } } } }`,
    { id: tenantId },
    asOperator,
  );
  return tenant.operationRuns.edges[0]?.node.id as string;
}

async function tenantIn(state: State): Promise<TenantFixture> {
  switch (state) {
    case "DRAFT":
      return draftTenant(server);
    case "ONBOARDING":
      return onboardingTenant(server);
    case "ACTIVE":
      return activeTenant(server);
    case "SUSPENDED": {
      const tenant = await activeTenant(server);
      await transition(server, tenant.id, "SUSPEND", { reason: "billing" });
      return tenant;
    }
    case "DEPROVISIONING":
    case "DEPROVISIONING_AFTER_FAILED_RUN": {
      const tenant = await activeTenant(server);
      await transition(server, tenant.id, "BEGIN_DEPROVISION", { reason: "closing" });
      if (state === "DEPROVISIONING_AFTER_FAILED_RUN") {
        const runId = await openDeprovisionRun(tenant.id);
        const { updateOperationRun } = await server.data<{ updateOperationRun: { userErrors: unknown[] } }>(
          UPDATE_RUN,
          { input: { id: runId, status: "FAILED", failureReason: "disk" } },
          { as: personas.worker },
        );
        expect(updateOperationRun.userErrors).toEqual([]);
      }
      return tenant;
    }
    case "ARCHIVED": {
      const tenant = await draftTenant(server);
      await transition(server, tenant.id, "ARCHIVE", { reason: "gone" });
      return tenant;
    }
  }
}

/** Takes the action as `as`; true when it was accepted. */
async function take(action: string, tenantId: string, as: Persona): Promise<{ ok: boolean; refusal: string }> {
  let query: string;
  let input: Record<string, unknown>;
  if (action === "RENAME" || action === "CHANGE_SLUG") {
    query = `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { userErrors { message } } }`;
    input = action === "RENAME" ? { tenantId, name: `Renamed ${uniqueSlug()}` } : { tenantId, slug: uniqueSlug() };
  } else if (action === "MANAGE_WEBHOOKS") {
    // Endpoints belong to no tenant: creating one is the write the action stands for.
    query = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { userErrors { message } } }`;
    input = { url: `http://127.0.0.1:9/${uniqueSlug("hook")}` };
  } else if (action.startsWith("START_RUN_")) {
    query = START_RUN;
    input = { tenantId, kind: action.slice("START_RUN_".length) };
  } else {
    query = `mutation($input: CompleteOnboardingStepInput!) { completeOnboardingStep(input: $input) { userErrors { message } } }`;
    input = { tenantId, step: action.slice("COMPLETE_ONBOARDING_STEP_".length) };
  }
  const { body } = await server.request<Record<string, { userErrors: { message: string }[] }>>(
    query,
    { input },
    { as },
  );
  if (body.errors?.length) return { ok: false, refusal: body.errors[0]?.message ?? "" };
  const payload = Object.values(body.data ?? {})[0];
  const errors = payload?.userErrors ?? [];
  return { ok: errors.length === 0, refusal: errors[0]?.message ?? "" };
}

const PERSONAS: [string, (tenantId: string) => Persona][] = [
  ["operator", () => personas.operator],
  ["supportRead", () => personas.supportRead],
  ["supportAll", () => personas.supportAll],
  ["supportLifecycle", () => personas.supportLifecycle],
  ["worker", () => personas.worker],
  ["tenantAdmin", (tenantId) => tenantAdmin(tenantId)],
  ["tenantMember", (tenantId) => tenantMember(tenantId)],
];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("Tenant.allowedActions", () => {
  it.each(PERSONAS)(
    "is what the writes do, in every state, for %s",
    async (_name, personaFor) => {
      let permittedSeen = 0;
      for (const state of STATES) {
        const tenant = await tenantIn(state);
        const as = personaFor(tenant.id);
        const { body } = await server.request<{ tenant: { allowedActions: Judgement[] } | null }>(
          `query($id: ID) { tenant(id: $id) { allowedActions { action permitted blockedReason } } }`,
          { id: tenant.id },
          { as },
        );
        expect(body.errors).toBeUndefined();
        // A tenant its users may not see is not returned to them: nothing to judge.
        if (body.data?.tenant == null) continue;
        const judgements = body.data.tenant.allowedActions;
        expect(judgements.map((judgement) => judgement.action)).toEqual(TENANT_ACTION_KINDS);
        for (const judgement of judgements) {
          expect(judgement.permitted).toBe(judgement.blockedReason === null);
          const outcome = await take(judgement.action, tenant.id, as);
          const where = `${state} ${judgement.action}: ${judgement.blockedReason ?? "permitted"} / ${outcome.refusal}`;
          expect(outcome.ok, where).toBe(judgement.permitted);
          if (judgement.permitted) permittedSeen += 1;
          // A rule's refusal says what allowedActions said (permissions are FORBIDDEN errors instead).
          else if (
            !outcome.refusal.startsWith("Not authorized") &&
            !/permission|operators/.test(judgement.blockedReason ?? "")
          ) {
            expect(outcome.refusal, where).toBe(judgement.blockedReason);
          }
        }
      }
      // The walk must have exercised both sides where the persona may write at all.
      if (["operator", "tenantAdmin"].includes(_name)) expect(permittedSeen).toBeGreaterThan(0);
    },
    120_000,
  );
});
