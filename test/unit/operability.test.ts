// docs/design.md §2's operability table, row by row: derived from status and onboarding session, never stored.
import { describe, expect, it } from "vitest";
import { OnboardingStatus, TenantStatus } from "../../src/domain/vocabulary.ts";
import { deriveOperability, isVisibleToTenantUsers } from "../../src/domain/operability.ts";

type Cell = "yes" | "no";

interface DesignRow {
  selectable: Cell;
  actionable: Cell;
  onboardingResumable: Cell | "session IN_PROGRESS";
  monitoringReferenceable: Cell;
  tenantUsersSeeIt: Cell;
}

/** | status | selectable | actionable | onboardingResumable | monitoringReferenceable | tenant users see it | */
const DESIGN_OPERABILITY: Record<TenantStatus, DesignRow> = {
  DRAFT: {
    selectable: "no",
    actionable: "no",
    onboardingResumable: "no",
    monitoringReferenceable: "yes",
    tenantUsersSeeIt: "no",
  },
  ONBOARDING: {
    selectable: "no",
    actionable: "no",
    onboardingResumable: "session IN_PROGRESS",
    monitoringReferenceable: "yes",
    tenantUsersSeeIt: "yes",
  },
  ACTIVE: {
    selectable: "yes",
    actionable: "yes",
    onboardingResumable: "no",
    monitoringReferenceable: "yes",
    tenantUsersSeeIt: "yes",
  },
  SUSPENDED: {
    selectable: "no",
    actionable: "no",
    onboardingResumable: "no",
    monitoringReferenceable: "yes",
    tenantUsersSeeIt: "yes",
  },
  DEPROVISIONING: {
    selectable: "no",
    actionable: "no",
    onboardingResumable: "no",
    monitoringReferenceable: "yes",
    tenantUsersSeeIt: "yes",
  },
  DEPROVISIONED: {
    selectable: "no",
    actionable: "no",
    onboardingResumable: "no",
    monitoringReferenceable: "yes",
    tenantUsersSeeIt: "no",
  },
  ARCHIVED: {
    selectable: "no",
    actionable: "no",
    onboardingResumable: "no",
    monitoringReferenceable: "yes",
    tenantUsersSeeIt: "no",
  },
};

const SESSIONS: (OnboardingStatus | null)[] = [
  OnboardingStatus.IN_PROGRESS,
  OnboardingStatus.COMPLETED,
  OnboardingStatus.ABANDONED,
  null,
];

const yes = (cell: Cell): boolean => cell === "yes";

describe("operability (docs/design.md §2)", () => {
  it("has a row for every TenantStatus", () => {
    expect(Object.keys(DESIGN_OPERABILITY).sort()).toEqual(Object.values(TenantStatus).sort());
  });

  describe.each(Object.values(TenantStatus))("a %s tenant", (status) => {
    const row = DESIGN_OPERABILITY[status];

    it.each(SESSIONS)("with onboarding session %s derives the table's row", (session) => {
      const resumable =
        row.onboardingResumable === "session IN_PROGRESS"
          ? session === OnboardingStatus.IN_PROGRESS
          : yes(row.onboardingResumable);
      expect(deriveOperability(status, session)).toEqual({
        // §8: viewable is true for whoever receives the tenant
        viewable: true,
        selectable: yes(row.selectable),
        actionable: yes(row.actionable),
        onboardingResumable: resumable,
        monitoringReferenceable: yes(row.monitoringReferenceable),
      });
    });

    it(`is ${row.tenantUsersSeeIt === "yes" ? "visible" : "hidden"} to tenant users`, () => {
      expect(isVisibleToTenantUsers(status)).toBe(yes(row.tenantUsersSeeIt));
    });
  });

  it("lets onboarding be resumed only while ONBOARDING with the session IN_PROGRESS", () => {
    expect(deriveOperability("ONBOARDING", "IN_PROGRESS").onboardingResumable).toBe(true);
    expect(deriveOperability("ONBOARDING", "COMPLETED").onboardingResumable).toBe(false);
    expect(deriveOperability("ONBOARDING", "ABANDONED").onboardingResumable).toBe(false);
    expect(deriveOperability("ONBOARDING", null).onboardingResumable).toBe(false);
    // a leftover IN_PROGRESS session does not make any other status resumable
    expect(deriveOperability("ACTIVE", "IN_PROGRESS").onboardingResumable).toBe(false);
    expect(deriveOperability("DRAFT", "IN_PROGRESS").onboardingResumable).toBe(false);
  });

  it("makes only ACTIVE tenants selectable and actionable, whatever the onboarding session", () => {
    for (const status of Object.values(TenantStatus)) {
      for (const session of SESSIONS) {
        const { selectable, actionable } = deriveOperability(status, session);
        expect([status, session, selectable, actionable]).toEqual([
          status,
          session,
          status === "ACTIVE",
          status === "ACTIVE",
        ]);
      }
    }
  });
});
