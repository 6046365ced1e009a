// docs/design.md §3 "Scopes → capabilities", written out per persona, and the contract's @requiresScopes
// lists, which must be exactly what the capability table prints.
import { describe, expect, it } from "vitest";
import {
  actorTypeOf,
  CAPABILITY_GRANTS,
  hasAnyCapability,
  hasCapability,
  requiredScopeAlternatives,
  type Capability,
} from "../../src/domain/capabilities.ts";
import type { Principal } from "../../src/domain/principal.ts";
import { contractRequiresScopes, loadContractSchema } from "./contract-sdl.ts";

const TENANT_ID = "3f9a2c1e-7b4d-4e8f-9a6b-1c2d3e4f5a6b";

const principal = (scopes: string[], tenantId: string | null = null): Principal => ({
  sub: `sub:${scopes.join("+") || "none"}`,
  scopes,
  tenantId,
});

/**
 * The rows of docs/design.md §3's table, as capability names:
 *   readPlatform        platform read: any tenant, runs, audit, internal fields
 *   administerTenants   create tenants, rename, change slug, start runs
 *   transitionLifecycle lifecycle transitions
 *   operateRuns         read any operation run (and its tenant); update runs
 *   checkpointAudit     take a signed audit checkpoint on demand
 *   readOwnTenant       read own tenant, its runs and onboarding (+ tenant_id)
 *   administerOwnTenant rename own tenant, complete onboarding steps, own audit/history (+ tenant_id)
 *   manageWebhooks      create, change, rotate, delete and replay webhook endpoints
 */
const CAPABILITIES: Capability[] = [
  "readPlatform",
  "administerTenants",
  "transitionLifecycle",
  "operateRuns",
  "checkpointAudit",
  "readOwnTenant",
  "administerOwnTenant",
  "manageWebhooks",
];

type Grid = Record<Capability, boolean>;
const none: Grid = {
  readPlatform: false,
  administerTenants: false,
  transitionLifecycle: false,
  operateRuns: false,
  checkpointAudit: false,
  readOwnTenant: false,
  administerOwnTenant: false,
  manageWebhooks: false,
};

const PERSONAS: [string, Principal, Grid][] = [
  [
    "platform:operator",
    principal(["platform:operator"]),
    {
      ...none,
      readPlatform: true,
      administerTenants: true,
      transitionLifecycle: true,
      operateRuns: true,
      manageWebhooks: true,
      checkpointAudit: true,
    },
  ],
  ["support:read", principal(["support:read"]), { ...none, readPlatform: true }],
  // support:* matches every support: scope, support:lifecycle included
  ["support:*", principal(["support:*"]), { ...none, readPlatform: true, transitionLifecycle: true }],
  ["support:lifecycle", principal(["support:lifecycle"]), { ...none, readPlatform: true, transitionLifecycle: true }],
  // The scope set is closed: a support scope outside it grants nothing.
  ["support:billing (not a scope)", principal(["support:billing"]), none],
  ["operations:write", principal(["operations:write"]), { ...none, operateRuns: true }],
  [
    "tenant:admin with tenant_id",
    principal(["tenant:admin"], TENANT_ID),
    { ...none, readOwnTenant: true, administerOwnTenant: true },
  ],
  ["tenant:member with tenant_id", principal(["tenant:member"], TENANT_ID), { ...none, readOwnTenant: true }],
  ["tenant:admin without tenant_id", principal(["tenant:admin"]), none],
  // A token with tenant_id is a user of that tenant: its platform scopes grant nothing.
  [
    "tenant:admin platform:operator with tenant_id",
    principal(["tenant:admin", "platform:operator"], TENANT_ID),
    { ...none, readOwnTenant: true, administerOwnTenant: true },
  ],
  [
    "tenant:member support:* operations:write with tenant_id",
    principal(["tenant:member", "support:*", "operations:write"], TENANT_ID),
    { ...none, readOwnTenant: true },
  ],
  ["platform:operator with tenant_id", principal(["platform:operator"], TENANT_ID), none],
  ["tenant:member without tenant_id", principal(["tenant:member"]), none],
  ["no scopes", principal([]), none],
];

describe("hasCapability (docs/design.md §3)", () => {
  it("knows exactly the six capabilities of the table", () => {
    expect(Object.keys(CAPABILITY_GRANTS).sort()).toEqual([...CAPABILITIES].sort());
  });

  describe.each(PERSONAS)("%s", (_name, who, expected) => {
    it.each(CAPABILITIES)("%s as docs/design.md's table says", (capability) => {
      expect(hasCapability(who, capability)).toBe(expected[capability]);
    });

    it("hasAnyCapability is true exactly when one of the capabilities is held", () => {
      expect(hasAnyCapability(who, CAPABILITIES)).toBe(Object.values(expected).some(Boolean));
      expect(hasAnyCapability(who, [])).toBe(false);
    });
  });

  it("matches scopes literally apart from support:*", () => {
    for (const lookalike of [
      "support",
      "supportread",
      "supporter:read",
      "platform:operators",
      "platform:*",
      "operations:*",
      "tenant:*",
      "PLATFORM:OPERATOR",
    ]) {
      for (const capability of CAPABILITIES) {
        expect([lookalike, capability, hasCapability(principal([lookalike], TENANT_ID), capability)]).toEqual([
          lookalike,
          capability,
          false,
        ]);
      }
    }
  });

  it("grants support capabilities to the three support scopes only, support:* being every one of them", () => {
    for (const scope of ["support:*", "support:read", "support:lifecycle"]) {
      expect(hasCapability(principal([scope]), "readPlatform")).toBe(true);
    }
    for (const scope of ["support:billing", "support:", "support:**", "support:read "]) {
      expect([scope, hasCapability(principal([scope]), "readPlatform")]).toEqual([scope, false]);
    }
    expect(hasCapability(principal(["support:*"]), "transitionLifecycle")).toBe(true);
    expect(hasCapability(principal(["support:read"]), "transitionLifecycle")).toBe(false);
    // support:* never reaches beyond support:
    expect(hasCapability(principal(["support:*"]), "administerTenants")).toBe(false);
    expect(hasCapability(principal(["support:*"]), "operateRuns")).toBe(false);
  });

  it("adds up the capabilities of several scopes", () => {
    const who = principal(["support:read", "operations:write"]);
    expect(CAPABILITIES.filter((capability) => hasCapability(who, capability)).sort()).toEqual([
      "operateRuns",
      "readPlatform",
    ]);
  });
});

describe("requiredScopeAlternatives against the contract's @requiresScopes", () => {
  const contract = loadContractSchema();

  // Which capabilities docs/design.md §3 says each field needs.
  const FIELDS: [string, string, Capability[]][] = [
    ["Query", "tenants", ["readPlatform"]],
    ["Query", "auditEvents", ["readPlatform"]],
    ["Query", "auditChain", ["readPlatform"]],
    ["Mutation", "createTenant", ["administerTenants"]],
    ["Mutation", "transitionTenant", ["transitionLifecycle"]],
    ["Mutation", "startOperationRun", ["administerTenants"]],
    ["Mutation", "updateOperationRun", ["operateRuns"]],
    ["Mutation", "createAuditCheckpoint", ["checkpointAudit"]],
    ["Query", "auditPublicKey", ["readPlatform"]],
  ];

  // Masked for tenant viewers (null, no error): a directive would make a router answer with an error.
  it.each([
    ["TenantLifecycle", "statusReason"],
    ["OperationRun", "failureReason"],
    ["AuditEvent", "reason"],
  ])("%s.%s, a masked field, carries no @requiresScopes", (typeName, fieldName) => {
    expect(contractRequiresScopes(contract, typeName, fieldName)).toBeNull();
  });

  it.each(FIELDS)("%s.%s requires exactly the scopes of %j", (typeName, fieldName, capabilities) => {
    const published = contractRequiresScopes(contract, typeName, fieldName);
    expect(published).not.toBeNull();
    expect(requiredScopeAlternatives(capabilities)).toEqual(published);
  });

  it.each(FIELDS)("%s.%s: each listed scope alone holds one of its capabilities", (_type, _field, capabilities) => {
    for (const [scope, ...rest] of requiredScopeAlternatives(capabilities)) {
      expect(rest).toEqual([]);
      expect([scope, hasAnyCapability(principal([scope ?? ""]), capabilities)]).toEqual([scope, true]);
    }
  });

  it("lists support:* wherever a narrower support: scope grants, since a router matches literally", () => {
    expect(requiredScopeAlternatives(["transitionLifecycle"]).flat()).toContain("support:*");
    expect(requiredScopeAlternatives(["administerTenants"]).flat()).not.toContain("support:*");
    expect(requiredScopeAlternatives(["operateRuns"]).flat()).not.toContain("support:*");
  });
});

describe("actorTypeOf (tenant-scoped: TENANT_USER; else first match: OPERATOR, SUPPORT, SERVICE_ACCOUNT, else SYSTEM)", () => {
  it.each([
    [["platform:operator"], "OPERATOR", null],
    [["tenant:admin", "operations:write", "support:read", "platform:operator"], "TENANT_USER", TENANT_ID],
    [["support:read"], "SUPPORT", null],
    [["support:*"], "SUPPORT", null],
    [["support:anything-else"], "SYSTEM", null],
    [["tenant:admin", "operations:write", "support:lifecycle"], "TENANT_USER", TENANT_ID],
    [["operations:write"], "SERVICE_ACCOUNT", null],
    [["tenant:member", "operations:write"], "TENANT_USER", TENANT_ID],
    [["tenant:admin"], "TENANT_USER", TENANT_ID],
    [["tenant:member"], "TENANT_USER", TENANT_ID],
    [[], "SYSTEM", null],
    [["openid", "profile"], "SYSTEM", null],
  ] as [string[], string, string | null][])("%j → %s", (scopes, actorType, tenantId) => {
    expect(actorTypeOf(principal(scopes, tenantId))).toBe(actorType);
  });
});
