import { randomBytes } from "node:crypto";
import { personas } from "./personas.ts";
import { COMPLETE_STEP, CREATE_TENANT, TRANSITION_TENANT, type MutationPayload } from "./operations.ts";
import type { TestServer } from "./test-server.ts";

const asOperator = { as: personas.operator };

export interface TenantFixture {
  id: string;
  slug: string;
}

export function uniqueSlug(prefix = "fx"): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

export async function draftTenant(server: TestServer, name = "Fixture"): Promise<TenantFixture> {
  const { createTenant } = await server.data<{ createTenant: MutationPayload }>(
    CREATE_TENANT,
    { input: { slug: uniqueSlug(), name } },
    asOperator,
  );
  if (!createTenant.tenant) throw new Error(`fixture tenant not created: ${JSON.stringify(createTenant.userErrors)}`);
  return { id: createTenant.tenant.id, slug: createTenant.tenant.slug };
}

export async function transition(
  server: TestServer,
  tenantId: string,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<MutationPayload> {
  const { transitionTenant } = await server.data<{ transitionTenant: MutationPayload }>(
    TRANSITION_TENANT,
    { input: { tenantId, transition: name, ...extra } },
    asOperator,
  );
  if (transitionTenant.userErrors.length)
    throw new Error(`fixture transition ${name} failed: ${JSON.stringify(transitionTenant.userErrors)}`);
  return transitionTenant;
}

export async function onboardingTenant(server: TestServer): Promise<TenantFixture> {
  const tenant = await draftTenant(server);
  await transition(server, tenant.id, "START_ONBOARDING");
  return tenant;
}

export async function completeAllSteps(server: TestServer, tenantId: string): Promise<void> {
  for (const step of ["PROFILE", "BILLING", "DOMAIN"]) {
    await server.data(COMPLETE_STEP, { input: { tenantId, step } }, asOperator);
  }
}

export async function activeTenant(
  server: TestServer,
  activation: Record<string, unknown> = {},
): Promise<TenantFixture> {
  const tenant = await onboardingTenant(server);
  await completeAllSteps(server, tenant.id);
  await transition(server, tenant.id, "ACTIVATE", activation);
  return tenant;
}

export const START_RUN = `mutation($input: StartOperationRunInput!) {
  startOperationRun(input: $input) { operationRun { id status version } userErrors { code message field } }
}`;

export const UPDATE_RUN = `mutation($input: UpdateOperationRunInput!) {
  updateOperationRun(input: $input) { operationRun { id status progress failureReason version } userErrors { code message field } }
}`;

export async function queuedRun(server: TestServer, tenantId: string, kind = "DATA_EXPORT"): Promise<string> {
  const { startOperationRun } = await server.data<{
    startOperationRun: { operationRun: { id: string } | null; userErrors: unknown[] };
  }>(START_RUN, { input: { tenantId, kind } }, asOperator);
  if (!startOperationRun.operationRun)
    throw new Error(`fixture run not started: ${JSON.stringify(startOperationRun.userErrors)}`);
  return startOperationRun.operationRun.id;
}
