import { ActorType } from "../domain-types.ts";
import type { Principal } from "./principal.ts";

/**
 * Scopes → capabilities (docs/design.md §3): the only place that says which scope may do what.
 * The resolvers' scope-auth rules, the SDL's @authenticated/@requiresScopes and the
 * authorization tests all read this table.
 *
 * Matching: a grant of `support:*` is held by any `support:` scope, and a held `support:*`
 * holds every `support:` grant.
 */
export const CAPABILITY_GRANTS = {
  /** Any tenant, its runs, audit trail and internal fields (statusReason, failureReason). */
  readPlatform: ["platform:operator", "support:read", "support:lifecycle", "support:*"],
  /** Create tenants, rename, change slug, start runs. */
  administerTenants: ["platform:operator"],
  transitionLifecycle: ["platform:operator", "support:lifecycle"],
  /** Read any operation run (and its tenant, as a platform reader); update runs. */
  operateRuns: ["platform:operator", "operations:write"],
  /** Own tenant (when visible to tenant users), its runs and onboarding; needs `tenant_id`. */
  readOwnTenant: ["tenant:member", "tenant:admin"],
  /** Rename own tenant, complete onboarding steps, read own audit trail (masked); needs `tenant_id`. */
  administerOwnTenant: ["tenant:admin"],
} as const satisfies Record<string, readonly string[]>;

export type Capability = keyof typeof CAPABILITY_GRANTS;

const SUPPORT_PREFIX = "support:";
const SUPPORT_WILDCARD = "support:*";
const TENANT_CAPABILITIES: ReadonlySet<Capability> = new Set(["readOwnTenant", "administerOwnTenant"]);

function scopeGrants(heldScope: string, grantedScope: string): boolean {
  if (heldScope === grantedScope) return true;
  if (heldScope === SUPPORT_WILDCARD) return grantedScope.startsWith(SUPPORT_PREFIX);
  if (grantedScope === SUPPORT_WILDCARD) return heldScope.startsWith(SUPPORT_PREFIX);
  return false;
}

export function hasCapability(principal: Principal, capability: Capability): boolean {
  if (TENANT_CAPABILITIES.has(capability) && principal.tenantId === null) return false;
  const granted: readonly string[] = CAPABILITY_GRANTS[capability];
  return principal.scopes.some((held) => granted.some((grantedScope) => scopeGrants(held, grantedScope)));
}

export function hasAnyCapability(principal: Principal, capabilities: readonly Capability[]): boolean {
  return capabilities.some((capability) => hasCapability(principal, capability));
}

/**
 * The `@requiresScopes` argument for fields needing any of `capabilities`: one alternative per
 * granting scope. A router matches scopes literally, so `support:*` is listed wherever a
 * narrower `support:` scope grants (a held `support:*` holds it).
 */
export function requiredScopeAlternatives(capabilities: readonly Capability[]): string[][] {
  const scopes = [...new Set(capabilities.flatMap((capability): readonly string[] => CAPABILITY_GRANTS[capability]))];
  const lastSupportIndex = scopes.findLastIndex((scope) => scope.startsWith(SUPPORT_PREFIX));
  if (lastSupportIndex >= 0 && !scopes.includes(SUPPORT_WILDCARD))
    scopes.splice(lastSupportIndex + 1, 0, SUPPORT_WILDCARD);
  return scopes.map((scope) => [scope]);
}

/** Actor type recorded on audit events: first match in docs/design.md §3's order. */
export function actorTypeOf(principal: Principal): ActorType {
  if (principal.scopes.includes("platform:operator")) return ActorType.OPERATOR;
  if (principal.scopes.some((scope) => scope.startsWith(SUPPORT_PREFIX))) return ActorType.SUPPORT;
  if (principal.scopes.includes("operations:write")) return ActorType.SERVICE_ACCOUNT;
  if (principal.scopes.some((scope) => scope.startsWith("tenant:"))) return ActorType.TENANT_USER;
  return ActorType.SYSTEM;
}
