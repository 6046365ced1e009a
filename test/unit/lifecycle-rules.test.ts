// The lifecycle rules of DESIGN.md §2, written out independently of the implementation's table.
import { describe, expect, it } from "vitest";
import {
  LifecycleTransition,
  OnboardingStatus,
  OperationRunStatus,
  TenantStatus,
} from "../../src/services/domain-types.ts";
import {
  OPERATION_RUN_STATUS_BADGES,
  TENANT_STATUS_BADGES,
  BadgeTone,
} from "../../src/services/lifecycle/badge-catalog.ts";
import { deriveOperability, isVisibleToTenantUsers } from "../../src/services/lifecycle/operability.ts";
import {
  checkGuard,
  lifecycleAuditAction,
  TRANSITION_TABLE,
  transitionsLeaving,
} from "../../src/services/lifecycle/transition-table.ts";
import { readFileSync } from "node:fs";

/** DESIGN.md §2: transition → [from, to, reason required]. */
const DESIGN_TABLE: Record<string, [string[], string, boolean]> = {
  START_ONBOARDING: [["DRAFT"], "ONBOARDING", false],
  ACTIVATE: [["ONBOARDING"], "ACTIVE", false],
  SUSPEND: [["ACTIVE"], "SUSPENDED", true],
  REACTIVATE: [["SUSPENDED"], "ACTIVE", false],
  BEGIN_DEPROVISION: [["ACTIVE", "SUSPENDED"], "DEPROVISIONING", true],
  FINALIZE_DEPROVISION: [["DEPROVISIONING"], "DEPROVISIONED", false],
  ARCHIVE: [["DRAFT", "ONBOARDING", "DEPROVISIONED"], "ARCHIVED", true],
};

describe("transition table", () => {
  it.each(
    Object.values(TenantStatus).flatMap((status) =>
      Object.values(LifecycleTransition).map((transition) => [status, transition] as const),
    ),
  )("%s × %s leaves the status exactly as DESIGN.md says", (status, transition) => {
    const [from, to, reasonRequired] = DESIGN_TABLE[transition] as [string[], string, boolean];
    const rule = TRANSITION_TABLE[transition];
    expect(rule.from.includes(status)).toBe(from.includes(status));
    expect(rule.to).toBe(to);
    expect(rule.reasonRequired).toBe(reasonRequired);
  });

  it("guards exactly ACTIVATE (onboarding complete) and FINALIZE_DEPROVISION (deprovision run succeeded)", () => {
    const guarded = Object.values(TRANSITION_TABLE)
      .filter((rule) => rule.guard !== null)
      .map((rule) => [rule.transition, rule.guard]);
    expect(guarded).toEqual([
      ["ACTIVATE", "allOnboardingStepsCompleted"],
      ["FINALIZE_DEPROVISION", "latestDeprovisionRunSucceeded"],
    ]);
  });

  it("declares the side effects of DESIGN.md §2", () => {
    const effects = Object.fromEntries(
      Object.values(TRANSITION_TABLE).map((rule) => [rule.transition, rule.sideEffects.map((effect) => effect.kind)]),
    );
    expect(effects).toEqual({
      START_ONBOARDING: ["openOnboardingSession", "openOperationRun"],
      ACTIVATE: ["completeOnboardingSession", "succeedOpenRuns"],
      SUSPEND: [],
      REACTIVATE: [],
      BEGIN_DEPROVISION: ["openOperationRun"],
      FINALIZE_DEPROVISION: [],
      ARCHIVE: ["abandonOnboardingSession", "cancelOpenRuns"],
    });
  });

  it("lists the transitions leaving a status", () => {
    expect(transitionsLeaving(TenantStatus.ACTIVE).map((rule) => rule.transition)).toEqual([
      "SUSPEND",
      "BEGIN_DEPROVISION",
    ]);
    expect(transitionsLeaving(TenantStatus.ARCHIVED)).toEqual([]);
  });

  it("names the missing onboarding steps and the state of the latest deprovision run", () => {
    const facts = { completedOnboardingSteps: ["BILLING" as const], latestDeprovisionRunStatus: null };
    expect(checkGuard("allOnboardingStepsCompleted", facts)).toBe("Onboarding steps not completed: PROFILE, DOMAIN");
    expect(
      checkGuard("allOnboardingStepsCompleted", {
        ...facts,
        completedOnboardingSteps: ["PROFILE", "BILLING", "DOMAIN"],
      }),
    ).toBeNull();
    expect(checkGuard("latestDeprovisionRunSucceeded", facts)).toMatch(/No DEPROVISION/);
    expect(
      checkGuard("latestDeprovisionRunSucceeded", { ...facts, latestDeprovisionRunStatus: OperationRunStatus.FAILED }),
    ).toMatch(/FAILED/);
    expect(
      checkGuard("latestDeprovisionRunSucceeded", {
        ...facts,
        latestDeprovisionRunStatus: OperationRunStatus.SUCCEEDED,
      }),
    ).toBeNull();
    expect(checkGuard(null, facts)).toBeNull();
  });

  it("names audit actions tenant.lifecycle.<transition in lower snake case>", () => {
    expect(lifecycleAuditAction(LifecycleTransition.BEGIN_DEPROVISION)).toBe("tenant.lifecycle.begin_deprovision");
  });
});

describe("operability", () => {
  // DESIGN.md §2: status → selectable, actionable, tenant users see it.
  const DESIGN_OPERABILITY: Record<string, [boolean, boolean, boolean]> = {
    DRAFT: [false, false, false],
    ONBOARDING: [false, false, true],
    ACTIVE: [true, true, true],
    SUSPENDED: [false, false, true],
    DEPROVISIONING: [false, false, true],
    DEPROVISIONED: [false, false, false],
    ARCHIVED: [false, false, false],
  };

  it.each(Object.values(TenantStatus))("derives %s's row of the table", (status) => {
    const [selectable, actionable, visible] = DESIGN_OPERABILITY[status] as [boolean, boolean, boolean];
    for (const session of [
      null,
      OnboardingStatus.IN_PROGRESS,
      OnboardingStatus.COMPLETED,
      OnboardingStatus.ABANDONED,
    ]) {
      expect(deriveOperability(status, session)).toEqual({
        viewable: true,
        selectable,
        actionable,
        onboardingResumable: status === "ONBOARDING" && session === "IN_PROGRESS",
        monitoringReferenceable: true,
      });
    }
    expect(isVisibleToTenantUsers(status)).toBe(visible);
  });
});

describe("badge catalog", () => {
  const contract = readFileSync(new URL("../../../shared/contract/schema.graphql", import.meta.url), "utf8");
  const enumValues = (name: string) =>
    (new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(contract)?.[1] ?? "")
      .split(/\s+/)
      .filter((value) => /^[A-Z_]+$/.test(value));

  it("has a badge for every TenantStatus and OperationRunStatus of the contract, none 'Unknown'", () => {
    expect(enumValues("TenantStatus").length).toBe(7);
    expect(Object.keys(TENANT_STATUS_BADGES).sort()).toEqual(enumValues("TenantStatus").sort());
    expect(Object.keys(OPERATION_RUN_STATUS_BADGES).sort()).toEqual(enumValues("OperationRunStatus").sort());
    for (const badge of [...Object.values(TENANT_STATUS_BADGES), ...Object.values(OPERATION_RUN_STATUS_BADGES)]) {
      expect(badge.label).not.toMatch(/unknown/i);
      expect(Object.values(BadgeTone)).toContain(badge.tone);
      expect(badge.icon).not.toBe("");
    }
  });
});
