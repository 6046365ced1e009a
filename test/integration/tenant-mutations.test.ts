import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { personas } from "../support/personas.ts";
import {
  AUDIT_CHAIN,
  CREATE_TENANT,
  TRANSITION_TENANT,
  UPDATE_TENANT,
  type MutationPayload,
} from "../support/operations.ts";
import { startTestServer, type CallOptions, type TestServer } from "../support/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const asOperator: CallOptions = { as: personas.operator };

async function create(input: Record<string, unknown>, options = asOperator): Promise<MutationPayload> {
  return (await server.data<{ createTenant: MutationPayload }>(CREATE_TENANT, { input }, options)).createTenant;
}
async function update(input: Record<string, unknown>, options = asOperator): Promise<MutationPayload> {
  return (await server.data<{ updateTenant: MutationPayload }>(UPDATE_TENANT, { input }, options)).updateTenant;
}
async function transition(input: Record<string, unknown>, options = asOperator): Promise<MutationPayload> {
  return (await server.data<{ transitionTenant: MutationPayload }>(TRANSITION_TENANT, { input }, options))
    .transitionTenant;
}
let slugCounter = 0;
const uniqueSlug = (prefix = "t") => `${prefix}-${process.pid}-${++slugCounter}`;

async function countRows(table: string, tenantId?: string): Promise<number> {
  const { rows } = await server.database.pool.query<{ count: string }>(
    `SELECT count(*) FROM ${table}${tenantId ? " WHERE tenant_id = $1" : ""}`,
    tenantId ? [tenantId] : [],
  );
  return Number(rows[0]?.count);
}

describe("createTenant", () => {
  it("creates a DRAFT tenant at version 1 with its tenant.created event in one payload", async () => {
    const slug = uniqueSlug("acme");
    const payload = await create(
      { slug, name: "  Acme Corp  " },
      { as: personas.operator, headers: { "x-request-id": "req-create-1" } },
    );
    expect(payload.userErrors).toEqual([]);
    expect(payload.tenant).toMatchObject({
      slug,
      name: "Acme Corp",
      status: "DRAFT",
      lifecycle: { version: 1, status: "DRAFT" },
    });
    expect(payload.auditEvent).toMatchObject({
      sequence: 1,
      action: "tenant.created",
      previousHash: null,
      requestId: "req-create-1",
      operatorOverride: false,
      actor: { type: "OPERATOR", id: personas.operator.sub, user: { id: personas.operator.sub } },
      changes: {
        slug: { from: null, to: slug },
        name: { from: null, to: "Acme Corp" },
        status: { from: null, to: "DRAFT" },
      },
    });
    expect(payload.auditEvent?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ["Uppercase", "INVALID_INPUT"],
    ["ab", "INVALID_INPUT"],
    ["-leading", "INVALID_INPUT"],
    ["trailing-", "INVALID_INPUT"],
    ["has_underscore", "INVALID_INPUT"],
    ["x".repeat(64), "INVALID_INPUT"],
    ["admin", "SLUG_RESERVED"],
    ["www", "SLUG_RESERVED"],
  ])("refuses the slug %j with %s on the slug field and writes nothing", async (slug, code) => {
    const before = await countRows("tenants");
    const payload = await create({ slug, name: "Name" });
    expect(payload.tenant).toBeNull();
    expect(payload.userErrors).toEqual([expect.objectContaining({ code, field: ["input", "slug"] })]);
    expect(await countRows("tenants")).toBe(before);
  });

  it.each([["   "], ["x".repeat(201)], ["bad\u0000name"]])("refuses the name %j with INVALID_INPUT", async (name) => {
    const payload = await create({ slug: uniqueSlug(), name });
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: "INVALID_INPUT", field: ["input", "name"] })]);
  });

  it("counts name length in characters: 200 emoji are accepted", async () => {
    const payload = await create({ slug: uniqueSlug(), name: "🚀".repeat(200) });
    expect(payload.userErrors).toEqual([]);
    expect([...(payload.tenant?.name ?? "")]).toHaveLength(200);
  });

  it("reports SLUG_TAKEN for an existing slug", async () => {
    const slug = uniqueSlug();
    await create({ slug, name: "First" });
    const payload = await create({ slug, name: "Second" });
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: "SLUG_TAKEN", field: ["input", "slug"] })]);
  });
});

describe("updateTenant", () => {
  it("renames, bumps the version by one and records the change", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Before" });
    const payload = await update({ tenantId: tenant?.id, name: "After", expectedVersion: 1 });
    expect(payload.userErrors).toEqual([]);
    expect(payload.tenant).toMatchObject({ name: "After", lifecycle: { version: 2 } });
    expect(payload.auditEvent).toMatchObject({
      sequence: 2,
      action: "tenant.updated",
      changes: { name: { from: "Before", to: "After" }, version: { from: 1, to: 2 } },
    });
  });

  it("changes the slug for an operator, refusing a taken one", async () => {
    const first = await create({ slug: uniqueSlug(), name: "One" });
    const second = await create({ slug: uniqueSlug(), name: "Two" });
    const taken = await update({ tenantId: second.tenant?.id, slug: first.tenant?.slug });
    expect(taken.userErrors).toEqual([expect.objectContaining({ code: "SLUG_TAKEN" })]);
    const newSlug = uniqueSlug("renamed");
    const renamed = await update({ tenantId: second.tenant?.id, slug: newSlug });
    expect(renamed.tenant?.slug).toBe(newSlug);
  });

  it("answers VERSION_CONFLICT for a stale expectedVersion and changes nothing", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Versioned" });
    await update({ tenantId: tenant?.id, name: "Second" });
    const stale = await update({ tenantId: tenant?.id, name: "Third", expectedVersion: 1 });
    expect(stale.userErrors).toEqual([
      expect.objectContaining({ code: "VERSION_CONFLICT", field: ["input", "expectedVersion"] }),
    ]);
    expect(await countRows("audit_events", tenant?.id)).toBe(2);
  });

  it("is a success without an event when nothing changes", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Same" });
    const payload = await update({ tenantId: tenant?.id, name: "  Same " });
    expect(payload.userErrors).toEqual([]);
    expect(payload.auditEvent).toBeNull();
    expect(payload.tenant?.lifecycle.version).toBe(1);
  });

  it.each([["00000000-0000-4000-8000-000000000000"], ["not-a-uuid"]])(
    "answers NOT_FOUND for tenant %j",
    async (tenantId) => {
      const payload = await update({ tenantId, name: "X" });
      expect(payload.userErrors).toEqual([
        expect.objectContaining({ code: "NOT_FOUND", field: ["input", "tenantId"] }),
      ]);
    },
  );

  it("requires something to change", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Nothing" });
    const payload = await update({ tenantId: tenant?.id });
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: "INVALID_INPUT" })]);
  });
});

describe("transitionTenant", () => {
  it("walks DRAFT → ONBOARDING and opens the onboarding session and ONBOARDING run in the same change", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Walker" });
    const payload = await transition({
      tenantId: tenant?.id,
      transition: "START_ONBOARDING",
      statusMessage: "Welcome",
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.tenant).toMatchObject({ status: "ONBOARDING", lifecycle: { version: 2, statusMessage: "Welcome" } });
    expect(payload.operationRun).toMatchObject({ kind: "ONBOARDING", status: "RUNNING" });
    expect(payload.auditEvent).toMatchObject({ sequence: 2, action: "tenant.lifecycle.start_onboarding" });
    expect(payload.auditEvent?.changes).toMatchObject({
      status: { from: "DRAFT", to: "ONBOARDING" },
      onboardingSession: { from: null, to: { status: "IN_PROGRESS" } },
      operationRuns: [{ kind: "ONBOARDING", from: null, to: "RUNNING" }],
    });
    expect(await countRows("onboarding_sessions", tenant?.id)).toBe(1);
  });

  it("answers INVALID_TRANSITION for a transition that does not leave the current status", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Draft" });
    const payload = await transition({ tenantId: tenant?.id, transition: "SUSPEND", reason: "why" });
    expect(payload.userErrors).toEqual([
      expect.objectContaining({ code: "INVALID_TRANSITION", field: ["input", "transition"] }),
    ]);
  });

  it("answers REASON_REQUIRED where the rule requires a reason", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Archive me" });
    const payload = await transition({ tenantId: tenant?.id, transition: "ARCHIVE", reason: "   " });
    expect(payload.userErrors).toEqual([
      expect.objectContaining({ code: "REASON_REQUIRED", field: ["input", "reason"] }),
    ]);
  });

  it("answers PRECONDITION_FAILED naming the missing onboarding steps", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Early" });
    await transition({ tenantId: tenant?.id, transition: "START_ONBOARDING" });
    const payload = await transition({ tenantId: tenant?.id, transition: "ACTIVATE" });
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: "PRECONDITION_FAILED" })]);
    expect(payload.userErrors[0]?.message).toContain("PROFILE, BILLING, DOMAIN");
  });

  it("refuses too long reasons and status messages with INVALID_INPUT", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Long" });
    const payload = await transition({
      tenantId: tenant?.id,
      transition: "ARCHIVE",
      reason: "r".repeat(1001),
      statusMessage: "m".repeat(501),
    });
    expect(payload.userErrors.map((error) => error.field)).toEqual([
      ["input", "reason"],
      ["input", "statusMessage"],
    ]);
  });

  it("archives a DRAFT tenant with its reason as statusReason, and VERSION_CONFLICT guards stale writers", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "To archive" });
    const stale = await transition({ tenantId: tenant?.id, transition: "ARCHIVE", reason: "dup", expectedVersion: 7 });
    expect(stale.userErrors).toEqual([expect.objectContaining({ code: "VERSION_CONFLICT" })]);
    const archived = await transition({
      tenantId: tenant?.id,
      transition: "ARCHIVE",
      reason: "duplicate signup",
      expectedVersion: 1,
    });
    expect(archived.tenant).toMatchObject({
      status: "ARCHIVED",
      lifecycle: { statusReason: "duplicate signup", version: 2 },
    });
    expect(archived.auditEvent?.reason).toBe("duplicate signup");
  });

  it("keeps every tenant's audit chain valid, and auditChain finds a corrupted row", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Chain" });
    await update({ tenantId: tenant?.id, name: "Chain 2" });
    await transition({ tenantId: tenant?.id, transition: "START_ONBOARDING" });
    const valid = await server.data<{ auditChain: Record<string, unknown> }>(
      AUDIT_CHAIN,
      { tenantId: tenant?.id },
      asOperator,
    );
    expect(valid.auditChain).toEqual({ valid: true, eventCount: 3, firstBrokenSequence: null });

    const client = await server.database.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
      await client.query(`UPDATE audit_events SET reason = 'tampered' WHERE tenant_id = $1 AND sequence = 2`, [
        tenant?.id,
      ]);
      await client.query("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only");
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    const broken = await server.data<{ auditChain: Record<string, unknown> }>(
      AUDIT_CHAIN,
      { tenantId: tenant?.id },
      asOperator,
    );
    expect(broken.auditChain).toEqual({ valid: false, eventCount: 3, firstBrokenSequence: 2 });
  });

  it("rejects UPDATE and DELETE of audit events in the database itself", async () => {
    const { tenant } = await create({ slug: uniqueSlug(), name: "Immutable" });
    await expect(
      server.database.pool.query(`UPDATE audit_events SET action = 'x' WHERE tenant_id = $1`, [tenant?.id]),
    ).rejects.toThrow(/append-only/);
    await expect(
      server.database.pool.query(`DELETE FROM audit_events WHERE tenant_id = $1`, [tenant?.id]),
    ).rejects.toThrow(/append-only/);
  });
});
