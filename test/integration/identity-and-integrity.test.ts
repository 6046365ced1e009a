// The findings of the outside pass over identity and integrity (docs/design.md §3, §4), each kept
// as the request that showed it, over HTTP: who a token is, what it may touch, and what the audit
// chain holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  activeTenant,
  draftTenant,
  onboardingTenant,
  queuedRun,
  transition,
  uniqueSlug,
  type TenantFixture,
} from "../support/fixtures.ts";
import { AUDIT_CHAIN, UPDATE_TENANT, type MutationPayload } from "../support/operations.ts";
import { personas, tenantAdmin, type Persona } from "../support/personas.ts";
import { startTestServer, type GraphQLResponseBody, type TestServer } from "../support/test-server.ts";

let server: TestServer;
let own: TenantFixture;
let foreign: TenantFixture;

beforeAll(async () => {
  server = await startTestServer();
  own = await activeTenant(server);
  foreign = await activeTenant(server);
});
afterAll(async () => {
  await server?.close();
});

const codes = (body: GraphQLResponseBody) => (body.errors ?? []).map((error) => String(error.extensions?.["code"]));

async function nameOf(tenantId: string): Promise<string> {
  const { tenant } = await server.data<{ tenant: { name: string } }>(
    `query($id: ID) { tenant(id: $id) { name } }`,
    { id: tenantId },
    { as: personas.operator },
  );
  return tenant.name;
}

async function chainOf(tenantId: string): Promise<{ valid: boolean; eventCount: number }> {
  const { auditChain } = await server.data<{ auditChain: { valid: boolean; eventCount: number } }>(
    AUDIT_CHAIN,
    { tenantId },
    { as: personas.operator },
  );
  return auditChain;
}

describe("a tenant-scoped token with an extra platform scope", () => {
  it.each(["operations:write", "support:read", "support:*", "platform:operator"])(
    "tenant:admin %s with a tenant_id cannot rename another tenant",
    async (extra) => {
      const caller: Persona = { sub: `admin-plus-${extra}`, scope: `tenant:admin ${extra}`, tenantId: own.id };
      const before = await nameOf(foreign.id);
      const { body } = await server.request(
        UPDATE_TENANT,
        { input: { tenantId: foreign.id, name: `Taken over via ${extra}` } },
        { as: caller },
      );
      const payload = (body.data as { updateTenant: MutationPayload } | null)?.updateTenant;
      expect(payload?.userErrors.map((error) => error.code) ?? codes(body)).toEqual(["NOT_FOUND"]);
      expect(await nameOf(foreign.id)).toBe(before);
    },
  );

  it("cannot complete another tenant's onboarding step", async () => {
    const onboarding = await onboardingTenant(server);
    const caller: Persona = { sub: "admin-plus-worker", scope: "tenant:admin operations:write", tenantId: own.id };
    const { body } = await server.request(
      `mutation($id: ID!) { completeOnboardingStep(input: { tenantId: $id, step: PROFILE }) { userErrors { code } } }`,
      { id: onboarding.id },
      { as: caller },
    );
    expect(
      (body.data as { completeOnboardingStep: { userErrors: { code: string }[] } }).completeOnboardingStep.userErrors,
    ).toEqual([{ code: "NOT_FOUND" }]);
  });

  it("renames its own tenant as the tenant user it is, recorded as TENANT_USER", async () => {
    const caller: Persona = { sub: "admin-plus-operator", scope: "tenant:admin platform:operator", tenantId: own.id };
    const { updateTenant } = await server.data<{ updateTenant: MutationPayload }>(
      UPDATE_TENANT,
      { input: { tenantId: own.id, name: "Renamed by its admin" } },
      { as: caller },
    );
    expect(updateTenant.userErrors).toEqual([]);
    expect(updateTenant.auditEvent?.actor.type).toBe("TENANT_USER");
    // Masked like any tenant user's view: the token's platform scope reads no internal note.
    expect(updateTenant.tenant?.lifecycle.statusReason).toBeNull();
  });
});

describe("idempotency records are scoped to the caller's tenant scope", () => {
  it("a tenant admin sharing an operator's sub does not replay the operator's record of a hidden tenant", async () => {
    const hidden = await draftTenant(server, "Hidden draft");
    const sharedSub = `shared-sub-${uniqueSlug()}`;
    const input = { tenantId: hidden.id, name: "Renamed by the operator", idempotencyKey: "shared-key" };
    const asOperator = await server.data<{ updateTenant: MutationPayload }>(
      UPDATE_TENANT,
      { input },
      {
        as: { sub: sharedSub, scope: "platform:operator" },
      },
    );
    expect(asOperator.updateTenant.tenant?.name).toBe("Renamed by the operator");
    // Same sub, same key, same input, as the (DRAFT, so hidden) tenant's own admin.
    const { body } = await server.request(
      UPDATE_TENANT,
      { input },
      {
        as: { sub: sharedSub, scope: "tenant:admin", tenantId: hidden.id },
      },
    );
    const replay = (body.data as { updateTenant: MutationPayload }).updateTenant;
    expect(replay.tenant).toBeNull();
    expect(replay.auditEvent).toBeNull();
    expect(replay.userErrors.map((error) => error.code)).toEqual(["NOT_FOUND"]);
    expect(JSON.stringify(body)).not.toContain("Renamed by the operator");
  });

  it("a replay is presented through the caller's visibility today: a tenant it can no longer see is NOT_FOUND", async () => {
    const tenant = await activeTenant(server);
    const admin = tenantAdmin(tenant.id);
    const input = { tenantId: tenant.id, name: "Renamed before deprovisioning", idempotencyKey: "replayed-later" };
    const first = await server.data<{ updateTenant: MutationPayload }>(UPDATE_TENANT, { input }, { as: admin });
    expect(first.updateTenant.userErrors).toEqual([]);
    const again = await server.data<{ updateTenant: MutationPayload }>(UPDATE_TENANT, { input }, { as: admin });
    expect(again.updateTenant.tenant?.name).toBe("Renamed before deprovisioning");
    // The tenant goes away from its users (DEPROVISIONED), then the admin replays its key.
    await transition(server, tenant.id, "BEGIN_DEPROVISION", { reason: "closing" });
    const { operationRuns } = await server.data<{ operationRuns: { edges: { node: { id: string; kind: string } }[] } }>(
      `query($id: ID) { operationRuns(filter: { tenantId: $id, kind: [DEPROVISION] }) { edges { node { id kind } } } }`,
      { id: tenant.id },
      { as: personas.operator },
    );
    const runId = operationRuns.edges[0]?.node.id as string;
    for (const status of ["RUNNING", "SUCCEEDED"]) {
      await server.data(
        `mutation($id: ID!, $status: OperationRunStatus) { updateOperationRun(input: { id: $id, status: $status }) { userErrors { code } } }`,
        { id: runId, status },
        { as: personas.worker },
      );
    }
    await transition(server, tenant.id, "FINALIZE_DEPROVISION");
    const replay = await server.data<{ updateTenant: MutationPayload }>(UPDATE_TENANT, { input }, { as: admin });
    expect(replay.updateTenant.tenant).toBeNull();
    expect(replay.updateTenant.userErrors.map((error) => error.code)).toEqual(["NOT_FOUND"]);
  });
});

describe("text with unpaired UTF-16 surrogates", () => {
  it("is refused as INVALID_INPUT in a name ending in a lone high surrogate (jsonb refused it: an internal error)", async () => {
    const { body } = await server.request(
      `mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } userErrors { code field } } }`,
      { input: { slug: uniqueSlug("surrogate"), name: "Acme \ud83d" } },
      { as: personas.operator },
    );
    expect(codes(body)).toEqual([]);
    expect((body.data as { createTenant: { userErrors: unknown[] } }).createTenant.userErrors).toEqual([
      { code: "INVALID_INPUT", field: ["input", "name"] },
    ]);
  });

  it("in idempotency keys: k\\ud800 and k\\udbff are refused, not taken for the same key", async () => {
    for (const idempotencyKey of ["k\ud800", "k\udbff"]) {
      const { body } = await server.request(
        `mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } userErrors { code field } } }`,
        { input: { slug: uniqueSlug("key"), name: "Keyed", idempotencyKey } },
        { as: personas.operator },
      );
      expect((body.data as { createTenant: { userErrors: unknown[] } }).createTenant.userErrors).toEqual([
        { code: "INVALID_INPUT", field: ["input", "idempotencyKey"] },
      ]);
    }
  });

  it("in a reason, a status message, a summary and a failure reason, and the chain stays valid", async () => {
    const tenant = await activeTenant(server);
    const runId = await queuedRun(server, tenant.id);
    const attempts: [string, Record<string, unknown>][] = [
      ["transitionTenant", { tenantId: tenant.id, transition: "SUSPEND", reason: "fraud \udc00" }],
      ["transitionTenant", { tenantId: tenant.id, transition: "SUSPEND", reason: "r", statusMessage: "\ud800 paused" }],
      ["startOperationRun", { tenantId: tenant.id, kind: "DATA_EXPORT", summary: "export \ud800" }],
      ["updateOperationRun", { id: runId, failureReason: "boom \udfff" }],
    ];
    for (const [mutation, input] of attempts) {
      const inputType = `${mutation[0]?.toUpperCase()}${mutation.slice(1)}Input`;
      const { body } = await server.request(
        `mutation($input: ${inputType}!) { ${mutation}(input: $input) { userErrors { code } } }`,
        { input },
        { as: mutation === "updateOperationRun" ? personas.worker : personas.operator },
      );
      expect([mutation, (body.data as Record<string, { userErrors: unknown[] }>)[mutation]?.userErrors]).toEqual([
        mutation,
        [{ code: "INVALID_INPUT" }],
      ]);
    }
    expect(await chainOf(tenant.id)).toMatchObject({ valid: true });
  });

  it("in a token's sub is UNAUTHENTICATED, and no tenant's chain is broken by it", async () => {
    const tenant = await activeTenant(server);
    const { body } = await server.request(
      UPDATE_TENANT,
      { input: { tenantId: tenant.id, name: "By a broken subject" } },
      { as: { sub: "operator-\ud800", scope: "platform:operator" } },
    );
    expect(codes(body)).toContain("UNAUTHENTICATED");
    expect(await nameOf(tenant.id)).not.toBe("By a broken subject");
    expect(await chainOf(tenant.id)).toMatchObject({ valid: true });
  });
});

describe("forged cursors", () => {
  /** A real cursor of the list with its timestamp replaced by one PostgreSQL cannot hold. */
  function withYearZero(cursor: string): string {
    const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    const forged = decoded.map((part) =>
      typeof part === "string" && /^\d{4}-\d{2}-\d{2}T/.test(part) ? `0000-01-01${part.slice(10)}` : part,
    );
    return Buffer.from(JSON.stringify(forged), "utf8").toString("base64url");
  }

  it("with the year 0000 are BAD_USER_INPUT on a tenant user's operationRuns", async () => {
    await queuedRun(server, own.id);
    const member = { sub: "cursor-member", scope: "tenant:member", tenantId: own.id };
    const query = `query($after: String) { operationRuns(first: 1, after: $after) { edges { node { id } } pageInfo { endCursor } } }`;
    const { operationRuns } = await server.data<{ operationRuns: { pageInfo: { endCursor: string } } }>(
      query,
      {},
      { as: member },
    );
    const { body } = await server.request(
      query,
      { after: withYearZero(operationRuns.pageInfo.endCursor) },
      { as: member },
    );
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
  });

  it("with the year 0000 are BAD_USER_INPUT on auditEvents", async () => {
    const query = `query($after: String) { auditEvents(first: 1, after: $after) { pageInfo { endCursor } } }`;
    const { auditEvents } = await server.data<{ auditEvents: { pageInfo: { endCursor: string } } }>(
      query,
      {},
      { as: personas.operator },
    );
    const { body } = await server.request(
      query,
      { after: withYearZero(auditEvents.pageInfo.endCursor) },
      {
        as: personas.operator,
      },
    );
    expect(codes(body)).toEqual(["BAD_USER_INPUT"]);
  });
});
