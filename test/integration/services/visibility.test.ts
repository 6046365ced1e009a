// docs/design.md §2 (visible to tenant users) and §3 (who may do what, masking), against the tenant
// service and the authorization modules: a tenant-scoped principal sees its own tenant only, and
// only in the statuses tenant users may see; platform readers see every tenant; statusReason is
// masked for tenant viewers; scopes outside the closed set, or platform scopes on a tenant token,
// grant nothing.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCOPES } from "../../../src/domain/capabilities.ts";
import { TenantStatus, type TenantRecord } from "../../../src/domain/vocabulary.ts";
import { OperatorOverrideNotAllowedError } from "../../../src/services/authorization/viewer.ts";
import { ForbiddenError } from "../../../src/services/errors.ts";
import { getTenant, getViewerTenant, listTenants, updateTenant } from "../../../src/services/tenants/tenant-service.ts";
import { personas, tenantAdmin, tenantMember, type Persona } from "../../support/personas.ts";
import { openServiceDatabase, type Caller, type ServiceDatabase } from "../../support/service-context.ts";
import { ALL_STATUSES, footprint, ok, refusal, tenantIn, transition } from "../../support/service-fixtures.ts";

let db: ServiceDatabase;

beforeAll(async () => {
  db = await openServiceDatabase();
});
afterAll(async () => {
  await db?.close();
});

const MISSING_ID = "00000000-0000-4000-8000-000000000000";

/** docs/design.md §2's last column, restated by hand. */
const VISIBLE_TO_TENANT_USERS: Record<TenantStatus, boolean> = {
  DRAFT: false,
  ONBOARDING: true,
  ACTIVE: true,
  SUSPENDED: true,
  DEPROVISIONING: true,
  DEPROVISIONED: false,
  ARCHIVED: false,
};

const PLATFORM_READERS: [string, Persona][] = [
  ["platform:operator", personas.operator],
  ["support:read", personas.supportRead],
  ["support:lifecycle", personas.supportLifecycle],
  ["support:*", personas.supportAll],
];

async function seen(caller: Caller, tenant: Pick<TenantRecord, "id" | "slug">) {
  const byId = await getTenant(db.context(caller), { id: tenant.id });
  const bySlug = await getTenant(db.context(caller), { slug: tenant.slug });
  // One decision whichever key names the tenant.
  expect(bySlug).toEqual(byId);
  return byId;
}

describe("tenant users", () => {
  it.each(ALL_STATUSES)(
    "see their own %s tenant exactly when tenant users may see that status, with statusReason masked",
    async (status) => {
      const tenant = await tenantIn(db, status, { reason: `internal note for ${status}` });
      for (const caller of [tenantAdmin(tenant.id), tenantMember(tenant.id)]) {
        const view = await seen(caller, tenant);
        if (!VISIBLE_TO_TENANT_USERS[status]) {
          expect(view).toBeNull();
          expect(await getViewerTenant(db.context(caller))).toBeNull();
          continue;
        }
        expect(view).toEqual({ ...tenant, statusReason: null });
        expect(await getViewerTenant(db.context(caller))).toEqual(view);
      }
    },
  );

  it("never see another tenant, in any status: exactly as if it did not exist", async () => {
    const own = await tenantIn(db, TenantStatus.ACTIVE);
    const others = await Promise.all(ALL_STATUSES.map((status) => tenantIn(db, status)));
    for (const caller of [tenantAdmin(own.id), tenantMember(own.id)]) {
      for (const other of others) expect(await seen(caller, other)).toBeNull();
      expect(await getTenant(db.context(caller), { id: MISSING_ID })).toBeNull();
      expect(await getTenant(db.context(caller), { slug: "no-such-tenant" })).toBeNull();
    }
  });

  it("may not list tenants: FORBIDDEN", async () => {
    const own = await tenantIn(db, TenantStatus.ACTIVE);
    for (const caller of [tenantAdmin(own.id), tenantMember(own.id)]) {
      await expect(listTenants(db.context(caller), {})).rejects.toThrow(ForbiddenError);
    }
  });

  it("keep the statusMessage, which is written for them; only the internal reason is masked", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    await transition(db, tenant.id, "SUSPEND", { reason: "internal: chargeback", statusMessage: "Payment needed" });
    const view = await getTenant(db.context(tenantMember(tenant.id)), { id: tenant.id });
    expect(view).toMatchObject({ status: "SUSPENDED", statusReason: null, statusMessage: "Payment needed" });
    const operatorView = await getTenant(db.context(personas.operator), { id: tenant.id });
    expect(operatorView).toMatchObject({ statusReason: "internal: chargeback", statusMessage: "Payment needed" });
  });

  it("a tenant admin's rename payload is masked like any read", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE, { reason: "internal: churn risk" });
    const payload = ok(await updateTenant(db.context(tenantAdmin(tenant.id)), { tenantId: tenant.id, name: "Ours" }));
    expect(payload.tenant).toMatchObject({ name: "Ours", statusReason: null });
    expect(payload.auditEvent).toMatchObject({ action: "tenant.updated", reason: null });
  });

  it("cannot write a tenant they cannot see: NOT_FOUND, the same as for a missing one", async () => {
    const own = await tenantIn(db, TenantStatus.ACTIVE);
    const other = await tenantIn(db, TenantStatus.ACTIVE);
    const before = await footprint(db, other.id);
    const admin = tenantAdmin(own.id);
    const intoOther = refusal(await updateTenant(db.context(admin), { tenantId: other.id, name: "Hijacked" }));
    const intoNothing = refusal(await updateTenant(db.context(admin), { tenantId: MISSING_ID, name: "Hijacked" }));
    expect(intoOther).toEqual(intoNothing);
    expect(intoOther[0]?.code).toBe("NOT_FOUND");
    expect(await footprint(db, other.id)).toEqual(before);
  });
});

describe("platform readers", () => {
  it.each(PLATFORM_READERS)("%s sees every tenant in every status, unmasked", async (_scope, caller) => {
    for (const status of ALL_STATUSES) {
      const tenant = await tenantIn(db, status, { reason: "internal note" });
      expect(await seen(caller, tenant)).toEqual(tenant);
    }
    expect(await getViewerTenant(db.context(caller))).toBeNull();
  });

  it.each(PLATFORM_READERS)("%s lists tenants, archived ones when asked, unmasked", async (_scope, caller) => {
    const archived = await tenantIn(db, TenantStatus.ARCHIVED, { reason: "internal: closed" });
    const active = await tenantIn(db, TenantStatus.ACTIVE, { reason: "internal: fine" });
    const ids = async (filter: Parameters<typeof listTenants>[1]["filter"]) =>
      (await listTenants(db.context(caller), { first: 100, filter })).items.map((item) => item.node.id);
    expect(await ids({ search: active.slug })).toEqual([active.id]);
    expect(await ids({ search: archived.slug })).toEqual([]);
    expect(await ids({ search: archived.slug, includeArchived: true })).toEqual([archived.id]);
    expect(await ids({ search: archived.slug, status: [TenantStatus.ARCHIVED] })).toEqual([archived.id]);
    const [listed] = (await listTenants(db.context(caller), { filter: { search: active.slug } })).items;
    expect(listed?.node.statusReason).toBe("internal: fine");
  });

  it("the worker (operations:write) reads any tenant by id, unmasked, but may not list them", async () => {
    const tenant = await tenantIn(db, TenantStatus.DEPROVISIONED, { reason: "internal" });
    expect(await seen(personas.worker, tenant)).toEqual(tenant);
    await expect(listTenants(db.context(personas.worker), {})).rejects.toThrow(ForbiddenError);
  });

  it("an uppercase id names the same tenant; X-Tenant-Context never narrows a lookup", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    const elsewhere = await tenantIn(db, TenantStatus.ACTIVE);
    const context = db.context(personas.operator, { tenantContext: elsewhere.id });
    expect(await getTenant(context, { id: tenant.id.toUpperCase() })).toEqual(tenant);
  });
});

describe("operator override", () => {
  it("makes a platform reader's request a masked, read-only view of that tenant as its admin sees it", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE, { reason: "internal: watch list" });
    const other = await tenantIn(db, TenantStatus.ACTIVE);
    const override = { operatorOverride: tenant.id.toUpperCase() };
    const viewerTenant = await getViewerTenant(db.context(personas.supportRead, override));
    expect(viewerTenant).toEqual({ ...tenant, statusReason: null });
    expect(await getTenant(db.context(personas.supportRead, override), { id: other.id })).toBeNull();
    await expect(listTenants(db.context(personas.operator, override), {})).rejects.toThrow(ForbiddenError);
    await expect(
      updateTenant(db.context(personas.operator, override), { tenantId: tenant.id, name: "x" }),
    ).rejects.toMatchObject({ name: "ForbiddenError", reason: "OPERATOR_OVERRIDE_READ_ONLY" });
  });

  it("an override naming a hidden tenant behaves as that tenant would: nothing to see", async () => {
    const hidden = await tenantIn(db, TenantStatus.DRAFT);
    expect(await getViewerTenant(db.context(personas.operator, { operatorOverride: hidden.id }))).toBeNull();
    expect(await getViewerTenant(db.context(personas.operator, { operatorOverride: "not-a-uuid" }))).toBeNull();
  });

  it("is refused to anyone but a platform reader", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE);
    for (const caller of [personas.worker, tenantAdmin(tenant.id), tenantMember(tenant.id), { sub: "x", scope: "" }]) {
      expect(() => db.context(caller, { operatorOverride: tenant.id })).toThrow(OperatorOverrideNotAllowedError);
    }
  });
});

describe("a token with extra scopes gains nothing", () => {
  const UNKNOWN_SCOPES = ["platform:*", "admin", "tenant:owner", "support:write", "*", "PLATFORM:OPERATOR", ""];

  it("a tenant token carrying every platform scope is still only a user of its tenant", async () => {
    const own = await tenantIn(db, TenantStatus.ACTIVE, { reason: "internal: own" });
    const other = await tenantIn(db, TenantStatus.ACTIVE);
    const hiddenOwn = await tenantIn(db, TenantStatus.DRAFT);
    const loaded: Persona = { sub: "loaded", scope: [...SCOPES, ...UNKNOWN_SCOPES].join(" "), tenantId: own.id };
    expect(await seen(loaded, own)).toEqual({ ...own, statusReason: null });
    expect(await seen(loaded, other)).toBeNull();
    await expect(listTenants(db.context(loaded), {})).rejects.toThrow(ForbiddenError);
    const loadedOnHidden: Persona = { ...loaded, tenantId: hiddenOwn.id };
    expect(await seen(loadedOnHidden, hiddenOwn)).toBeNull();
  });

  it("tenant scopes on a token without tenant_id grant nothing, and do not narrow a platform token", async () => {
    const tenant = await tenantIn(db, TenantStatus.ACTIVE, { reason: "internal" });
    const tenantScopesOnly: Persona = { sub: "t", scope: "tenant:admin tenant:member" };
    expect(await seen(tenantScopesOnly, tenant)).toBeNull();
    await expect(listTenants(db.context(tenantScopesOnly), {})).rejects.toThrow(ForbiddenError);
    const operatorWithTenantScope: Persona = { sub: "o", scope: "platform:operator tenant:member" };
    expect(await seen(operatorWithTenantScope, tenant)).toEqual(tenant);
  });

  it("for any set of scopes, what a tenant token sees depends only on its tenant scopes", async () => {
    const tenant = await tenantIn(db, TenantStatus.SUSPENDED, { reason: "internal: dunning" });
    const neighbour = await tenantIn(db, TenantStatus.ACTIVE);
    const scope = fc.constantFrom(...SCOPES, ...UNKNOWN_SCOPES.filter(Boolean), "tenant:admin:extra", "support:read ");
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(scope, { maxLength: 8 }), async (scopes) => {
        const caller: Persona = { sub: "prop", scope: scopes.join(" "), tenantId: tenant.id };
        const isTenantUser = scopes.some((candidate) => candidate === "tenant:admin" || candidate === "tenant:member");
        expect(await seen(caller, tenant)).toEqual(isTenantUser ? { ...tenant, statusReason: null } : null);
        expect(await seen(caller, neighbour)).toBeNull();
        await expect(listTenants(db.context(caller), {})).rejects.toThrow(ForbiddenError);
      }),
      { numRuns: 40 },
    );
  });

  it("for any set of scopes without tenant_id, only the closed set's platform scopes open the platform view", async () => {
    const tenant = await tenantIn(db, TenantStatus.DEPROVISIONED, { reason: "internal: closed" });
    const scope = fc.constantFrom(...SCOPES, ...UNKNOWN_SCOPES.filter(Boolean));
    const readers = new Set(["platform:operator", "support:read", "support:lifecycle", "support:*"]);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(scope, { maxLength: 6 }), async (scopes) => {
        const caller: Persona = { sub: "prop-platform", scope: scopes.join(" ") };
        const reads = scopes.some((candidate) => readers.has(candidate));
        const readsById = reads || scopes.includes("operations:write");
        expect(await seen(caller, tenant)).toEqual(readsById ? tenant : null);
        const listing = listTenants(db.context(caller), { filter: { search: tenant.slug, includeArchived: true } });
        if (reads) expect((await listing).items.map((item) => item.node.id)).toEqual([tenant.id]);
        else await expect(listing).rejects.toThrow(ForbiddenError);
      }),
      { numRuns: 40 },
    );
  });
});
