// A unique secret goes into statusReason, failureReason and audit reasons; every read path,
// as every tenant-scoped persona, must keep it out of response bodies and logs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  activeTenant,
  onboardingTenant,
  queuedRun,
  START_RUN,
  UPDATE_RUN,
  type TenantFixture,
} from "../support/fixtures.ts";
import { AUDIT_EVENT_FIELDS, COMPLETE_STEP, TENANT_FIELDS, UPDATE_TENANT } from "../support/operations.ts";
import { personas, tenantAdmin, tenantMember } from "../support/personas.ts";
import { startTestServer, type CallOptions, type TestServer } from "../support/test-server.ts";

const STATUS_SECRET = `status-secret-${Date.now()}-d9c1`;
const FAILURE_SECRET = `failure-secret-${Date.now()}-77ab`;
const SECRETS = [STATUS_SECRET, FAILURE_SECRET];

let server: TestServer;
let tenant: TenantFixture;
let onboarding: TenantFixture;
let failedRunId: string;

const RUN_FIELDS = `id kind status failureReason summary tenant { id lifecycle { statusReason } }`;
const FULL_TENANT = `${TENANT_FIELDS}
  onboarding { id status completedSteps currentStep resumable }
  operationRuns(first: 10) { totalCount edges { node { ${RUN_FIELDS} } } }
  auditEvents(first: 50) { totalCount edges { node { ${AUDIT_EVENT_FIELDS} } } }
  lifecycle { history(first: 50) { totalCount edges { node { ${AUDIT_EVENT_FIELDS} } } } }`;

beforeAll(async () => {
  server = await startTestServer();
  tenant = await activeTenant(server, { reason: STATUS_SECRET });
  onboarding = await onboardingTenant(server);
  failedRunId = await queuedRun(server, tenant.id);
  const failed = await server.data<{ updateOperationRun: { userErrors: unknown[] } }>(
    UPDATE_RUN,
    { input: { id: failedRunId, status: "FAILED", failureReason: FAILURE_SECRET } },
    { as: personas.worker },
  );
  expect(failed.updateOperationRun.userErrors).toEqual([]);
});
afterAll(async () => {
  await server?.close();
});

/** Every read path that can reach a tenant, its runs or its audit trail. */
function readPaths(): { name: string; query: string; variables: Record<string, unknown> }[] {
  return [
    {
      name: "tenant(id)",
      query: `query($id: ID) { tenant(id: $id) { ${FULL_TENANT} } }`,
      variables: { id: tenant.id },
    },
    {
      name: "tenant(slug)",
      query: `query($slug: String) { tenant(slug: $slug) { ${FULL_TENANT} } }`,
      variables: { slug: tenant.slug },
    },
    { name: "viewerTenant", query: `{ viewerTenant { ${FULL_TENANT} } }`, variables: {} },
    {
      name: "_entities by id",
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { ${FULL_TENANT} } } }`,
      variables: { r: [{ __typename: "Tenant", id: tenant.id }] },
    },
    {
      name: "_entities by slug",
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { ${FULL_TENANT} } } }`,
      variables: { r: [{ __typename: "Tenant", slug: tenant.slug }] },
    },
    {
      name: "_entities run",
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on OperationRun { ${RUN_FIELDS} } } }`,
      variables: { r: [{ __typename: "OperationRun", id: failedRunId }] },
    },
    {
      name: "operationRun",
      query: `query($id: ID!) { operationRun(id: $id) { ${RUN_FIELDS} } }`,
      variables: { id: failedRunId },
    },
    {
      name: "operationRuns",
      query: `{ operationRuns(first: 20) { edges { node { ${RUN_FIELDS} } } } }`,
      variables: {},
    },
    {
      name: "tenantEvents",
      query: `{ tenantEvents(first: 100) { edges { node { id type data tenant { lifecycle { statusReason } } auditEvent { ${AUDIT_EVENT_FIELDS} } } } } }`,
      variables: {},
    },
    {
      name: "auditEvents (forbidden)",
      query: `{ auditEvents(first: 50) { edges { node { reason changes } } } }`,
      variables: {},
    },
    {
      name: "auditChain (forbidden)",
      query: `query($id: ID!) { auditChain(tenantId: $id) { valid } }`,
      variables: { id: tenant.id },
    },
  ];
}

const tenantScopedViewers = (): [string, CallOptions][] => [
  ["tenant admin", { as: tenantAdmin(tenant.id) }],
  ["tenant member", { as: tenantMember(tenant.id) }],
  ["operator under X-Operator-Override", { as: personas.operator, headers: { "x-operator-override": tenant.id } }],
  ["admin of another tenant", { as: tenantAdmin(onboarding.id) }],
];

describe("statusReason and failureReason never reach a tenant-scoped viewer", () => {
  it("the secrets are really there for platform readers (so the test can fail)", async () => {
    const { raw } = await server.request(
      `query($id: ID) { tenant(id: $id) { ${FULL_TENANT} } }`,
      { id: tenant.id },
      { as: personas.operator },
    );
    expect(raw).toContain(STATUS_SECRET);
    expect(raw).toContain(FAILURE_SECRET);
    // The feed carries them too (a tenant filter reads the chain at once, with no wait for the feed to settle).
    const feed = await server.request(
      `query($id: ID) { tenantEvents(first: 100, filter: { tenantId: $id }) { edges { node { data } } } }`,
      { id: tenant.id },
      { as: personas.operator },
    );
    expect(feed.raw).toContain(STATUS_SECRET);
    expect(feed.raw).toContain(FAILURE_SECRET);
  });

  it("appears in no response body of any read path, for any tenant-scoped viewer", async () => {
    const leaks: string[] = [];
    for (const [viewer, options] of tenantScopedViewers()) {
      for (const path of readPaths()) {
        const { status, raw } = await server.request(path.query, path.variables, options);
        expect(status, `${viewer} / ${path.name}`).toBeLessThan(500);
        for (const secret of SECRETS) if (raw.includes(secret)) leaks.push(`${viewer} / ${path.name}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it("tenant data really is served to its own viewers (masked, not refused)", async () => {
    const { body } = await server.request(
      `query($id: ID) { tenant(id: $id) { id lifecycle { statusReason } auditEvents(first: 50) { totalCount } } }`,
      { id: tenant.id },
      { as: tenantAdmin(tenant.id) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({ tenant: { id: tenant.id, lifecycle: { statusReason: null } } });
    expect(
      (body.data as { tenant: { auditEvents: { totalCount: number } } }).tenant.auditEvents.totalCount,
    ).toBeGreaterThan(0);
  });

  it("stays out of mutation payloads returned to a tenant admin", async () => {
    const renamed = await server.request(
      UPDATE_TENANT,
      { input: { tenantId: tenant.id, name: "Renamed by its admin" } },
      { as: tenantAdmin(tenant.id) },
    );
    expect(renamed.body.errors).toBeUndefined();
    const step = await server.request(
      COMPLETE_STEP,
      { input: { tenantId: onboarding.id, step: "BILLING" } },
      { as: tenantAdmin(onboarding.id) },
    );
    expect(step.body.errors).toBeUndefined();
    for (const raw of [renamed.raw, step.raw]) for (const secret of SECRETS) expect(raw).not.toContain(secret);
  });

  it("never appears in the server's logs", async () => {
    // a refused start of a run and a refused override also log; none of it may carry the secrets
    await server.request(
      START_RUN,
      { input: { tenantId: tenant.id, kind: "DATA_EXPORT" } },
      { as: tenantAdmin(tenant.id) },
    );
    await server.request(
      `{ viewerTenant { id } }`,
      {},
      { as: tenantAdmin(tenant.id), headers: { "x-operator-override": tenant.id } },
    );
    const logs = server.logs.join("");
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // no bearer token either
  });
});
