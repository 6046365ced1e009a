// docs/design.md §3: who sees which slice of the data (viewer), the operator override and remembered tenant
// context headers, membership per §2's visibility column, and the one masking rule.
import { describe, expect, it } from "vitest";
import { TENANT_WRITES, type TenantWrite } from "../../src/domain/capabilities.ts";
import {
  mayReadTenant as canSeeTenant,
  mayWriteTenant,
  seesAllTenants,
} from "../../src/services/authorization/tenant-access.ts";
import {
  presentAuditEvent,
  presentRun,
  presentTenant,
  type Presented,
} from "../../src/services/authorization/presentation.ts";
import type { Principal } from "../../src/domain/principal.ts";
import {
  createViewer,
  masksInternalFields,
  OperatorOverrideNotAllowedError,
  requirePlatformReader,
  type Viewer,
} from "../../src/services/authorization/viewer.ts";
import {
  TenantStatus,
  type AuditEventRecord,
  type OperationRunRecord,
  type TenantRecord,
} from "../../src/domain/vocabulary.ts";

const OWN = "0b6f5e2a-1d3c-4b7a-8e9f-a1b2c3d4e5f6";
const OTHER = "9c8d7e6f-5a4b-4c3d-8e2f-1a0b9c8d7e6f";

const principal = (scopes: string[], tenantId: string | null = null): Principal => ({
  sub: `sub:${scopes.join("+") || "none"}`,
  scopes,
  tenantId,
});
const noHeaders = { operatorOverrideTenantId: null, contextTenantId: null };
const overriding = (tenantId: string) => ({ operatorOverrideTenantId: tenantId, contextTenantId: null });

const operator = principal(["platform:operator"]);
const supportRead = principal(["support:read"]);
const supportAll = principal(["support:*"]);
const supportLifecycle = principal(["support:lifecycle"]);
const worker = principal(["operations:write"]);
const ownAdmin = principal(["tenant:admin"], OWN);
const ownMember = principal(["tenant:member"], OWN);
const adminWithoutTenant = principal(["tenant:admin"]);
const nobody = principal([]);

/** docs/design.md §2, "tenant users see it" column. */
const VISIBLE_TO_TENANT_USERS: TenantStatus[] = ["ONBOARDING", "ACTIVE", "SUSPENDED", "DEPROVISIONING"];
const STATUSES = Object.values(TenantStatus);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe("createViewer", () => {
  it.each([
    ["platform:operator", operator],
    ["support:read", supportRead],
    ["support:*", supportAll],
    ["support:lifecycle", supportLifecycle],
    ["operations:write", worker],
  ])("makes %s a platform-wide viewer", (_name, who) => {
    const viewer = createViewer(who, noHeaders);
    expect(viewer).toEqual({ principal: who, tenantScope: null, contextTenantId: null });
    expect(seesAllTenants(viewer)).toBe(true);
  });

  it("scopes a tenant admin to the tenant of its tenant_id, as admin", () => {
    expect(createViewer(ownAdmin, noHeaders).tenantScope).toEqual({
      tenantId: OWN,
      isAdmin: true,
      viaOperatorOverride: false,
    });
  });

  it("scopes a tenant member to the tenant of its tenant_id, not as admin", () => {
    expect(createViewer(ownMember, noHeaders).tenantScope).toEqual({
      tenantId: OWN,
      isAdmin: false,
      viaOperatorOverride: false,
    });
  });

  it("gives a tenant:admin token without tenant_id no tenant and no platform view", () => {
    const viewer = createViewer(adminWithoutTenant, noHeaders);
    expect(viewer.tenantScope).toBeNull();
    expect(seesAllTenants(viewer)).toBe(false);
    for (const status of STATUSES) expect(canSeeTenant(viewer, { id: OWN, status })).toBe(false);
  });

  describe("X-Operator-Override", () => {
    it.each([
      ["platform:operator", operator],
      ["support:read", supportRead],
      ["support:*", supportAll],
      ["support:lifecycle", supportLifecycle],
    ])("from %s makes a read-only view of that tenant as its admin would see it", (_name, who) => {
      const viewer = createViewer(who, overriding(OTHER));
      expect(viewer.tenantScope).toEqual({ tenantId: OTHER, isAdmin: true, viaOperatorOverride: true });
      expect(viewer.principal).toBe(who);
      expect(seesAllTenants(viewer)).toBe(false);
      expect(masksInternalFields(viewer)).toBe(true);
    });

    it.each([
      ["operations:write (not a platform reader)", worker],
      ["tenant:admin with tenant_id", ownAdmin],
      ["tenant:member with tenant_id", ownMember],
      ["tenant:admin without tenant_id", adminWithoutTenant],
      ["no scopes", nobody],
    ])("from %s is refused", (_name, who) => {
      expect(() => createViewer(who, overriding(OTHER))).toThrow(OperatorOverrideNotAllowedError);
      // not even naming the caller's own tenant
      expect(() => createViewer(who, overriding(OWN))).toThrow(OperatorOverrideNotAllowedError);
    });
  });

  describe("X-Tenant-Context is only recorded", () => {
    it("leaves a platform viewer platform-wide and able to see any tenant", () => {
      const viewer = createViewer(operator, { operatorOverrideTenantId: null, contextTenantId: OWN });
      expect(viewer.contextTenantId).toBe(OWN);
      expect(viewer.tenantScope).toBeNull();
      expect(masksInternalFields(viewer)).toBe(false);
      expect(canSeeTenant(viewer, { id: OTHER, status: "ACTIVE" })).toBe(true);
    });

    it("neither widens nor moves a tenant user's scope", () => {
      const viewer = createViewer(ownAdmin, { operatorOverrideTenantId: null, contextTenantId: OTHER });
      expect(viewer.contextTenantId).toBe(OTHER);
      expect(viewer.tenantScope).toEqual({ tenantId: OWN, isAdmin: true, viaOperatorOverride: false });
      expect(canSeeTenant(viewer, { id: OTHER, status: "ACTIVE" })).toBe(false);
      expect(canSeeTenant(viewer, { id: OWN, status: "ACTIVE" })).toBe(true);
    });

    it("is kept beside an operator override without changing its target", () => {
      const viewer = createViewer(supportRead, { operatorOverrideTenantId: OTHER, contextTenantId: OWN });
      expect(viewer.contextTenantId).toBe(OWN);
      expect(viewer.tenantScope?.tenantId).toBe(OTHER);
    });
  });
});

describe("canSeeTenant", () => {
  describe.each(STATUSES)("a %s tenant", (status) => {
    const visible = VISIBLE_TO_TENANT_USERS.includes(status);

    it.each([
      ["tenant:admin", ownAdmin],
      ["tenant:member", ownMember],
    ])(`is ${visible ? "visible" : "absent"} to its own %s`, (_name, who) => {
      expect(canSeeTenant(createViewer(who, noHeaders), { id: OWN, status })).toBe(visible);
    });

    it.each([
      ["tenant:admin", ownAdmin],
      ["tenant:member", ownMember],
    ])("is absent to another tenant's %s", (_name, who) => {
      expect(canSeeTenant(createViewer(who, noHeaders), { id: OTHER, status })).toBe(false);
    });

    it.each([
      ["platform:operator", operator],
      ["support:read", supportRead],
      ["support:*", supportAll],
      ["operations:write", worker],
    ])("is visible to %s", (_name, who) => {
      const viewer = createViewer(who, noHeaders);
      expect(canSeeTenant(viewer, { id: OWN, status })).toBe(true);
      expect(canSeeTenant(viewer, { id: OTHER, status })).toBe(true);
    });

    it(`is ${visible ? "visible" : "absent"} under an operator override naming it, as to its admin`, () => {
      const viewer = createViewer(operator, overriding(OTHER));
      expect(canSeeTenant(viewer, { id: OTHER, status })).toBe(visible);
      expect(canSeeTenant(viewer, { id: OWN, status })).toBe(false);
    });

    it("is absent to a token without scopes", () => {
      expect(canSeeTenant(createViewer(nobody, noHeaders), { id: OWN, status })).toBe(false);
    });
  });
});

describe("tenant-scoped tokens with platform scopes", () => {
  const PLATFORM_SCOPES = ["platform:operator", "support:read", "support:lifecycle", "support:*", "operations:write"];
  const mixed = PLATFORM_SCOPES.flatMap((scope) =>
    ["tenant:admin", "tenant:member"].map((tenantScope): [string, Principal] => [
      `${tenantScope} ${scope}`,
      principal([tenantScope, scope], OWN),
    ]),
  );

  it.each(mixed)("%s with a tenant_id is a user of that tenant only", (_name, who) => {
    const viewer = createViewer(who, noHeaders);
    expect(viewer.tenantScope?.tenantId).toBe(OWN);
    expect(seesAllTenants(viewer)).toBe(false);
    expect(masksInternalFields(viewer)).toBe(true);
    expect(canSeeTenant(viewer, { id: OTHER, status: "ACTIVE" })).toBe(false);
    expect(canSeeTenant(viewer, { id: OTHER, status: "DRAFT" })).toBe(false);
    expect(canSeeTenant(viewer, { id: OWN, status: "DRAFT" })).toBe(false);
    expect(() => requirePlatformReader(viewer)).toThrow();
    for (const write of Object.keys(TENANT_WRITES) as TenantWrite[]) {
      expect([write, mayWriteTenant(viewer, { id: OTHER, status: "ACTIVE" }, write)]).toEqual([write, false]);
    }
  });

  it.each(mixed)("%s with a tenant_id writes its own tenant only as its tenant role allows", (name, who) => {
    const viewer = createViewer(who, noHeaders);
    const own = { id: OWN, status: "ACTIVE" as const };
    const admin = name.startsWith("tenant:admin");
    expect(mayWriteTenant(viewer, own, "updateTenant")).toBe(admin);
    expect(mayWriteTenant(viewer, own, "completeOnboardingStep")).toBe(admin);
    for (const platformOnly of [
      "createTenant",
      "changeSlug",
      "transitionTenant",
      "startOperationRun",
      "updateOperationRun",
      "manageWebhooks",
    ] as const) {
      expect([platformOnly, mayWriteTenant(viewer, own, platformOnly)]).toEqual([platformOnly, false]);
    }
  });

  it("a platform scope with tenant_id and no tenant scope is nobody", () => {
    const viewer = createViewer(principal(["platform:operator"], OWN), noHeaders);
    expect(viewer.tenantScope).toBeNull();
    expect(seesAllTenants(viewer)).toBe(false);
    for (const status of STATUSES) expect(canSeeTenant(viewer, { id: OWN, status })).toBe(false);
  });
});

describe("masking (docs/design.md §3)", () => {
  const tenantScoped: [string, Viewer][] = [
    ["a tenant admin", createViewer(ownAdmin, noHeaders)],
    ["a tenant member", createViewer(ownMember, noHeaders)],
    ["an operator under X-Operator-Override", createViewer(operator, overriding(OWN))],
  ];
  const platformWide: [string, Viewer][] = [
    ["a platform operator", createViewer(operator, noHeaders)],
    ["a support reader", createViewer(supportRead, noHeaders)],
    ["a service account (operations:write)", createViewer(worker, noHeaders)],
    ["a platform operator with X-Tenant-Context", createViewer(operator, { ...noHeaders, contextTenantId: OWN })],
  ];

  const tenant = () =>
    deepFreeze({
      id: OWN,
      status: "SUSPENDED",
      statusReason: "chargeback investigation #4411",
      statusMessage: "Your account is paused; contact billing.",
      version: 4,
    } as TenantRecord);
  const run = () =>
    deepFreeze({
      id: OTHER,
      tenantId: OWN,
      status: "FAILED",
      summary: "export failed",
      failureReason: "s3 AccessDenied on bucket internal-exports",
    } as OperationRunRecord);
  const event = () =>
    deepFreeze({
      id: "e1",
      tenantId: OWN,
      action: "tenant.lifecycle.suspend",
      reason: "chargeback investigation #4411",
      changes: {
        status: { from: "ACTIVE", to: "SUSPENDED" },
        statusReason: { from: null, to: "chargeback investigation #4411" },
        statusMessage: { from: null, to: "Your account is paused; contact billing." },
        failureReason: { from: null, to: "s3 AccessDenied" },
        version: { from: 3, to: 4 },
      },
    } as unknown as AuditEventRecord);
  const maskTenant = (viewer: Viewer, input: TenantRecord) => presentTenant(viewer, input) as Presented<TenantRecord>;
  const maskOperationRun = (viewer: Viewer, input: OperationRunRecord) =>
    presentRun(viewer, input, tenant()) as Presented<OperationRunRecord>;
  const maskAuditEvent = (viewer: Viewer, input: AuditEventRecord) =>
    presentAuditEvent(viewer, maskTenant(viewer, tenant()), input);

  describe.each(tenantScoped)("for %s", (_name, viewer) => {
    it("nulls TenantLifecycle.statusReason and keeps the tenant-facing statusMessage", () => {
      const input = tenant();
      const snapshot = structuredClone(input);
      expect(maskTenant(viewer, input)).toEqual({ ...snapshot, statusReason: null });
      expect(input).toEqual(snapshot);
    });

    it("nulls OperationRun.failureReason", () => {
      const input = run();
      const snapshot = structuredClone(input);
      expect(maskOperationRun(viewer, input)).toEqual({ ...snapshot, failureReason: null });
      expect(input).toEqual(snapshot);
    });

    it("nulls AuditEvent.reason and strips statusReason/failureReason from its changes", () => {
      const input = event();
      const snapshot = structuredClone(input);
      expect(maskAuditEvent(viewer, input)).toEqual({
        id: "e1",
        tenantId: OWN,
        action: "tenant.lifecycle.suspend",
        reason: null,
        changes: {
          status: { from: "ACTIVE", to: "SUSPENDED" },
          statusMessage: { from: null, to: "Your account is paused; contact billing." },
          version: { from: 3, to: 4 },
        },
      });
      expect(input).toEqual(snapshot);
    });

    it("leaves changes without internal fields as they are", () => {
      const input = deepFreeze({
        tenantId: OWN,
        reason: null,
        changes: { name: { from: "Acme", to: "Acme Inc" } },
      } as unknown as AuditEventRecord);
      expect(maskAuditEvent(viewer, input)).toEqual({
        tenantId: OWN,
        reason: null,
        changes: { name: { from: "Acme", to: "Acme Inc" } },
      });
    });
  });

  describe.each(platformWide)("for %s", (_name, viewer) => {
    it("leaves every internal field untouched", () => {
      const [t, r, e] = [tenant(), run(), event()];
      expect(maskTenant(viewer, t)).toEqual(structuredClone(t));
      expect(maskOperationRun(viewer, r)).toEqual(structuredClone(r));
      expect(maskAuditEvent(viewer, e)).toEqual(structuredClone(e));
      expect(maskTenant(viewer, t).statusReason).toBe("chargeback investigation #4411");
      expect(maskOperationRun(viewer, r).failureReason).toBe("s3 AccessDenied on bucket internal-exports");
      expect(Object.keys(maskAuditEvent(viewer, e).changes ?? {})).toContain("statusReason");
    });
  });
});
