import { ActorType } from "./vocabulary.ts";
import type { Principal } from "./principal.ts";

/**
 * The closed set of scopes (docs/design.md §3). A scope not listed grants nothing, so a router
 * enforcing the SDL's directives — which match scopes literally — decides as this service does.
 */
export const SCOPES = [
  "platform:operator",
  "support:read",
  "support:lifecycle",
  "support:*",
  "operations:write",
  "tenant:admin",
  "tenant:member",
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Scopes → capabilities: the only place that says which scope may do what. Scope-auth rules,
 * the SDL's @authenticated/@requiresScopes, the read and write decisions below and the
 * authorization tests all read it. `support:*` is a literal scope, listed wherever a support
 * scope grants.
 */
export const CAPABILITY_GRANTS = {
  /** Any tenant, its runs, audit trail and internal fields (statusReason, failureReason). */
  readPlatform: ["platform:operator", "support:read", "support:lifecycle", "support:*"],
  /** Create tenants, rename, change slug, start runs. */
  administerTenants: ["platform:operator"],
  transitionLifecycle: ["platform:operator", "support:lifecycle", "support:*"],
  /** Read any operation run (and its tenant, as a platform reader); update runs. */
  operateRuns: ["platform:operator", "operations:write"],
  /** Create, change, rotate, delete and replay webhook endpoints (docs/design.md §9). */
  manageWebhooks: ["platform:operator"],
  /** Take a signed audit checkpoint on demand (docs/design.md §4 "Audit evidence"). */
  checkpointAudit: ["platform:operator"],
  /** Own tenant (when visible to tenant users), its runs and onboarding: tenant-scoped tokens only. */
  readOwnTenant: ["tenant:member", "tenant:admin"],
  /** Rename own tenant, complete onboarding steps, read own audit trail (masked): tenant-scoped tokens only. */
  administerOwnTenant: ["tenant:admin"],
} as const satisfies Record<string, readonly Scope[]>;

export type Capability = keyof typeof CAPABILITY_GRANTS;

/** Capabilities a tenant-scoped token (one with `tenant_id`) may hold — and the only ones it may. */
const TENANT_CAPABILITIES: ReadonlySet<Capability> = new Set(["readOwnTenant", "administerOwnTenant"]);

/** Whether the principal acts as a user of one tenant (its token carries `tenant_id`). */
export function isTenantScoped(principal: Principal): boolean {
  return principal.tenantId !== null;
}

const TENANT_SCOPES: ReadonlySet<string> = new Set(["tenant:admin", "tenant:member"]);

/**
 * The scopes a principal acts with: those of the closed set, and of them a tenant-scoped
 * principal's tenant scopes only, a platform-wide one's platform scopes only. A router that
 * enforces the SDL's @requiresScopes must read a token's scopes this way to decide as this
 * service does (README, "Federation").
 */
export function effectiveScopes(principal: Pick<Principal, "scopes" | "tenantId">): Scope[] {
  const tenantScoped = principal.tenantId !== null;
  return SCOPES.filter((scope) => principal.scopes.includes(scope) && TENANT_SCOPES.has(scope) === tenantScoped);
}

/**
 * A tenant-scoped principal holds tenant capabilities only, whatever else its token says; a
 * platform-wide one holds platform capabilities only.
 */
export function hasCapability(principal: Principal, capability: Capability): boolean {
  return capabilitiesOf(principal).has(capability);
}

const CAPABILITY_NAMES = Object.keys(CAPABILITY_GRANTS) as Capability[];

/**
 * Every capability the principal holds, computed once per principal object: a page of fifty
 * tenants asks hundreds of times (each field's scopes, each transition), and the token verifier
 * hands out the same principal for the same token. Principals are never changed after
 * verification, so the identity of the object is a safe key.
 */
const heldCapabilities = new WeakMap<Principal, ReadonlySet<Capability>>();

function capabilitiesOf(principal: Principal): ReadonlySet<Capability> {
  const known = heldCapabilities.get(principal);
  if (known) return known;
  const scopes = effectiveScopes(principal);
  const tenantScoped = isTenantScoped(principal);
  const held = new Set(
    CAPABILITY_NAMES.filter(
      (capability) =>
        TENANT_CAPABILITIES.has(capability) === tenantScoped &&
        scopes.some((scope) => (CAPABILITY_GRANTS[capability] as readonly string[]).includes(scope)),
    ),
  );
  heldCapabilities.set(principal, held);
  return held;
}

export function hasAnyCapability(principal: Principal, capabilities: readonly Capability[]): boolean {
  return capabilities.some((capability) => hasCapability(principal, capability));
}

/** The `@requiresScopes` argument for fields needing any of `capabilities`: one alternative per granting scope. */
export function requiredScopeAlternatives(capabilities: readonly Capability[]): string[][] {
  const scopes = new Set(capabilities.flatMap((capability): readonly string[] => CAPABILITY_GRANTS[capability]));
  return SCOPES.filter((scope) => scopes.has(scope)).map((scope) => [scope]);
}

/** Actor type recorded on audit events: a tenant user, else the first match in docs/design.md §3's order. */
export function actorTypeOf(principal: Principal): ActorType {
  if (isTenantScoped(principal)) return ActorType.TENANT_USER;
  if (principal.scopes.includes("platform:operator")) return ActorType.OPERATOR;
  if (
    principal.scopes.some((scope) => scope === "support:read" || scope === "support:lifecycle" || scope === "support:*")
  ) {
    return ActorType.SUPPORT;
  }
  if (principal.scopes.includes("operations:write")) return ActorType.SERVICE_ACCOUNT;
  return ActorType.SYSTEM;
}

/**
 * Every write, and the capability it takes from a platform-wide caller and (where tenant users
 * may do it at all) from a tenant-scoped one.
 */
export const TENANT_WRITES = {
  createTenant: { platform: "administerTenants", tenant: null },
  updateTenant: { platform: "administerTenants", tenant: "administerOwnTenant" },
  changeSlug: { platform: "administerTenants", tenant: null },
  transitionTenant: { platform: "transitionLifecycle", tenant: null },
  completeOnboardingStep: { platform: "administerTenants", tenant: "administerOwnTenant" },
  startOperationRun: { platform: "administerTenants", tenant: null },
  updateOperationRun: { platform: "operateRuns", tenant: null },
  /** Webhook endpoints receive every tenant's events; they belong to none (design §9). */
  manageWebhooks: { platform: "manageWebhooks", tenant: null },
} as const satisfies Record<string, { platform: Capability; tenant: Capability | null }>;

export type TenantWrite = keyof typeof TENANT_WRITES;
