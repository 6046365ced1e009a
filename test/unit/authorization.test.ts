import { describe, expect, it } from "vitest";
import {
  actorTypeOf,
  CAPABILITY_GRANTS,
  hasCapability,
  requiredScopeAlternatives,
  type Capability,
} from "../../src/services/authorization/capabilities.ts";
import { maskAuditEvent, maskOperationRun, maskTenant } from "../../src/services/authorization/masking.ts";
import type { Principal } from "../../src/services/authorization/principal.ts";
import {
  canSeeTenant,
  createViewer,
  OperatorOverrideNotAllowedError,
} from "../../src/services/authorization/viewer.ts";
import { TenantStatus } from "../../src/services/domain-types.ts";

const TENANT = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";
const principal = (scope: string, tenantId: string | null = null): Principal => ({
  sub: `sub-${scope}`,
  scopes: scope.split(" ").filter(Boolean),
  tenantId,
});
const noHeaders = { operatorOverrideTenantId: null, contextTenantId: null };

/** DESIGN.md §3, written out per persona. */
const EXPECTED: [string, Principal, Capability[]][] = [
  [
    "platform:operator",
    principal("platform:operator"),
    ["readPlatform", "administerTenants", "transitionLifecycle", "operateRuns"],
  ],
  ["support:read", principal("support:read"), ["readPlatform"]],
  ["support:lifecycle", principal("support:lifecycle"), ["readPlatform", "transitionLifecycle"]],
  ["support:*", principal("support:*"), ["readPlatform", "transitionLifecycle"]],
  ["support:billing (any support: scope)", principal("support:billing"), ["readPlatform"]],
  ["operations:write", principal("operations:write"), ["operateRuns"]],
  ["tenant:admin + tenant_id", principal("tenant:admin", TENANT), ["readOwnTenant", "administerOwnTenant"]],
  ["tenant:member + tenant_id", principal("tenant:member", TENANT), ["readOwnTenant"]],
  ["tenant:admin without tenant_id", principal("tenant:admin"), []],
  ["no scopes", principal(""), []],
];

describe("capability table", () => {
  it.each(EXPECTED)("%s holds exactly its capabilities", (_name, who, capabilities) => {
    const held = (Object.keys(CAPABILITY_GRANTS) as Capability[]).filter((capability) =>
      hasCapability(who, capability),
    );
    expect(held.sort()).toEqual([...capabilities].sort());
  });

  it("prints the contract's @requiresScopes lists", () => {
    const platform = [["platform:operator"], ["support:read"], ["support:lifecycle"], ["support:*"]];
    expect(requiredScopeAlternatives(["readPlatform"])).toEqual(platform);
    expect(requiredScopeAlternatives(["readPlatform", "operateRuns"])).toEqual([...platform, ["operations:write"]]);
    expect(requiredScopeAlternatives(["transitionLifecycle"])).toEqual([
      ["platform:operator"],
      ["support:lifecycle"],
      ["support:*"],
    ]);
    expect(requiredScopeAlternatives(["administerTenants"])).toEqual([["platform:operator"]]);
    expect(requiredScopeAlternatives(["operateRuns"])).toEqual([["platform:operator"], ["operations:write"]]);
  });

  it("derives the actor type, first match in DESIGN.md's order", () => {
    expect(actorTypeOf(principal("tenant:admin support:read platform:operator", TENANT))).toBe("OPERATOR");
    expect(actorTypeOf(principal("operations:write support:lifecycle"))).toBe("SUPPORT");
    expect(actorTypeOf(principal("tenant:admin operations:write", TENANT))).toBe("SERVICE_ACCOUNT");
    expect(actorTypeOf(principal("tenant:member", TENANT))).toBe("TENANT_USER");
    expect(actorTypeOf(principal("openid"))).toBe("SYSTEM");
  });
});

describe("viewer", () => {
  it("scopes tenant users to their tenant, and platform callers to nothing", () => {
    expect(createViewer(principal("tenant:member", TENANT), noHeaders).tenantScope).toEqual({
      tenantId: TENANT,
      isAdmin: false,
      viaOperatorOverride: false,
    });
    expect(createViewer(principal("platform:operator"), noHeaders).tenantScope).toBeNull();
    expect(createViewer(principal("operations:write"), noHeaders).tenantScope).toBeNull();
  });

  it("turns an override from a platform reader into a read-only admin view; refuses it from anyone else", () => {
    const viewer = createViewer(principal("support:read"), {
      operatorOverrideTenantId: TENANT,
      contextTenantId: OTHER,
    });
    expect(viewer.tenantScope).toEqual({ tenantId: TENANT, isAdmin: true, viaOperatorOverride: true });
    expect(viewer.contextTenantId).toBe(OTHER);
    expect(() =>
      createViewer(principal("tenant:admin", TENANT), { operatorOverrideTenantId: TENANT, contextTenantId: null }),
    ).toThrow(OperatorOverrideNotAllowedError);
    expect(() =>
      createViewer(principal("operations:write"), { operatorOverrideTenantId: TENANT, contextTenantId: null }),
    ).toThrow(OperatorOverrideNotAllowedError);
  });

  it.each(Object.values(TenantStatus))(
    "lets tenant users see their own %s tenant only where DESIGN.md §2 says",
    (status) => {
      const member = createViewer(principal("tenant:member", TENANT), noHeaders);
      const visible = ["ONBOARDING", "ACTIVE", "SUSPENDED", "DEPROVISIONING"].includes(status);
      expect(canSeeTenant(member, { id: TENANT, status })).toBe(visible);
      expect(canSeeTenant(member, { id: OTHER, status })).toBe(false);
      expect(canSeeTenant(createViewer(principal("support:read"), noHeaders), { id: OTHER, status })).toBe(true);
    },
  );
});

describe("masking", () => {
  const tenantViewer = createViewer(principal("tenant:admin", TENANT), noHeaders);
  const operator = createViewer(principal("platform:operator"), noHeaders);
  const event = {
    reason: "internal",
    changes: {
      status: { from: "ACTIVE", to: "SUSPENDED" },
      statusReason: { from: null, to: "internal" },
      failureReason: { from: null, to: "x" },
    },
  };

  it("nulls internal notes for tenant-scoped viewers without touching the input", () => {
    expect(maskTenant(tenantViewer, { statusReason: "internal" }).statusReason).toBeNull();
    expect(maskOperationRun(tenantViewer, { failureReason: "disk" }).failureReason).toBeNull();
    expect(maskAuditEvent(tenantViewer, event)).toEqual({
      reason: null,
      changes: { status: { from: "ACTIVE", to: "SUSPENDED" } },
    });
    expect(event.reason).toBe("internal");
    expect(Object.keys(event.changes)).toHaveLength(3);
  });

  it("leaves everything to platform viewers", () => {
    expect(maskTenant(operator, { statusReason: "internal" }).statusReason).toBe("internal");
    expect(maskAuditEvent(operator, event)).toBe(event);
  });
});
