import { OnboardingStatus, TenantStatus } from "./vocabulary.ts";

export interface TenantOperability {
  viewable: boolean;
  selectable: boolean;
  actionable: boolean;
  onboardingResumable: boolean;
  monitoringReferenceable: boolean;
}

/** Statuses in which tenant users may see their tenant (docs/design.md §2, last column). */
const VISIBLE_TO_TENANT_USERS: Readonly<Record<TenantStatus, boolean>> = {
  DRAFT: false,
  ONBOARDING: true,
  ACTIVE: true,
  SUSPENDED: true,
  DEPROVISIONING: true,
  DEPROVISIONED: false,
  ARCHIVED: false,
};

export function isVisibleToTenantUsers(status: TenantStatus): boolean {
  return VISIBLE_TO_TENANT_USERS[status];
}

/**
 * Derived, never stored. `viewable` is true because it is only ever computed for a viewer
 * who received the tenant; invisibility is expressed by not returning the tenant at all.
 */
export function deriveOperability(status: TenantStatus, onboardingStatus: OnboardingStatus | null): TenantOperability {
  return {
    viewable: true,
    selectable: status === TenantStatus.ACTIVE,
    actionable: status === TenantStatus.ACTIVE,
    onboardingResumable: status === TenantStatus.ONBOARDING && onboardingStatus === OnboardingStatus.IN_PROGRESS,
    monitoringReferenceable: true,
  };
}
