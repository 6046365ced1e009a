// docs/design.md §2's lifecycle table, written out here by hand, held against the one table in code.
import { lifecycleAuditAction } from "../../src/domain/audit-actions.ts";
import { describe, expect, it } from "vitest";
import { LifecycleTransition, OnboardingStep, OperationRunStatus, TenantStatus } from "../../src/domain/vocabulary.ts";
import {
  checkGuard,
  GUARD_DESCRIPTIONS,
  TRANSITION_RULES,
  TRANSITION_TABLE,
  transitionsLeaving,
  type GuardFacts,
  type TransitionRule,
} from "../../src/domain/transition-table.ts";
import { contractEnumValues, loadContractSchema } from "./contract-sdl.ts";

type ExpectedRule = Omit<TransitionRule, "transition">;

/**
 * | transition | from | to | reason | guard | side effects |   (docs/design.md §2)
 * Guards and side effects are spelled in the table's vocabulary; the prose they stand for is beside them.
 */
const DESIGN_TABLE: Record<LifecycleTransition, ExpectedRule> = {
  START_ONBOARDING: {
    from: ["DRAFT"],
    to: "ONBOARDING",
    reasonRequired: false,
    guard: null,
    // opens OnboardingSession (IN_PROGRESS) and an ONBOARDING run (RUNNING)
    sideEffects: [
      { kind: "openOnboardingSession" },
      { kind: "openOperationRun", runKind: "ONBOARDING", status: "RUNNING" },
    ],
  },
  ACTIVATE: {
    from: ["ONBOARDING"],
    to: "ACTIVE",
    reasonRequired: false,
    // every OnboardingStep completed
    guard: "allOnboardingStepsCompleted",
    // session COMPLETED, ONBOARDING run SUCCEEDED
    sideEffects: [{ kind: "completeOnboardingSession" }, { kind: "succeedOpenRuns", runKind: "ONBOARDING" }],
  },
  SUSPEND: { from: ["ACTIVE"], to: "SUSPENDED", reasonRequired: true, guard: null, sideEffects: [] },
  // REACTIVATE clears statusReason/statusMessage: every transition sets them from its input (§8), no extra effect.
  REACTIVATE: { from: ["SUSPENDED"], to: "ACTIVE", reasonRequired: false, guard: null, sideEffects: [] },
  BEGIN_DEPROVISION: {
    from: ["ACTIVE", "SUSPENDED"],
    to: "DEPROVISIONING",
    reasonRequired: true,
    guard: null,
    // opens a DEPROVISION run (QUEUED)
    sideEffects: [{ kind: "openOperationRun", runKind: "DEPROVISION", status: "QUEUED" }],
  },
  FINALIZE_DEPROVISION: {
    from: ["DEPROVISIONING"],
    to: "DEPROVISIONED",
    reasonRequired: false,
    // the latest DEPROVISION run is SUCCEEDED
    guard: "latestDeprovisionRunSucceeded",
    sideEffects: [],
  },
  ARCHIVE: {
    from: ["DRAFT", "ONBOARDING", "DEPROVISIONED"],
    to: "ARCHIVED",
    reasonRequired: true,
    guard: null,
    // open session ABANDONED, open runs CANCELLED
    sideEffects: [{ kind: "abandonOnboardingSession" }, { kind: "cancelOpenRuns" }],
  },
};

/** The same table read by rows: which transitions leave each status (the "from" column inverted by hand). */
const LEAVING: Record<TenantStatus, LifecycleTransition[]> = {
  DRAFT: ["START_ONBOARDING", "ARCHIVE"],
  ONBOARDING: ["ACTIVATE", "ARCHIVE"],
  ACTIVE: ["SUSPEND", "BEGIN_DEPROVISION"],
  SUSPENDED: ["REACTIVATE", "BEGIN_DEPROVISION"],
  DEPROVISIONING: ["FINALIZE_DEPROVISION"],
  DEPROVISIONED: ["ARCHIVE"],
  ARCHIVED: [],
};

const STATUSES = Object.values(TenantStatus);
const TRANSITIONS = Object.values(LifecycleTransition);
const ALL_STEPS = Object.values(OnboardingStep);

const facts = (overrides: Partial<GuardFacts> = {}): GuardFacts => ({
  completedOnboardingSteps: [],
  latestDeprovisionRunStatus: null,
  ...overrides,
});

describe("the transition table (docs/design.md §2)", () => {
  it("has exactly one rule per LifecycleTransition of the domain and of the contract", () => {
    const contractTransitions = contractEnumValues(loadContractSchema(), "LifecycleTransition");
    expect(Object.keys(TRANSITION_TABLE).sort()).toEqual([...TRANSITIONS].sort());
    expect(Object.keys(TRANSITION_TABLE).sort()).toEqual([...contractTransitions].sort());
    expect(TRANSITION_RULES).toHaveLength(contractTransitions.length);
  });

  it.each(TRANSITIONS)("%s has docs/design.md's from, to, reason, guard and side effects", (transition) => {
    const rule = TRANSITION_TABLE[transition];
    expect(rule.transition).toBe(transition);
    const { transition: _name, ...rest } = rule;
    expect({ ...rest, from: [...rest.from].sort() }).toEqual({
      ...DESIGN_TABLE[transition],
      from: [...DESIGN_TABLE[transition].from].sort(),
    });
  });

  describe.each(STATUSES)("from %s", (status) => {
    it.each(TRANSITIONS)(
      `%s is allowed exactly when docs/design.md lists ${status} in its "from" column`,
      (transition) => {
        const allowed = LEAVING[status].includes(transition);
        expect(TRANSITION_TABLE[transition].from.includes(status)).toBe(allowed);
        expect(transitionsLeaving(status).some((rule) => rule.transition === transition)).toBe(allowed);
      },
    );

    it("transitionsLeaving returns exactly the rules leaving it", () => {
      const leaving = transitionsLeaving(status);
      expect(leaving.map((rule) => rule.transition).sort()).toEqual([...LEAVING[status]].sort());
      for (const rule of leaving) expect(rule).toBe(TRANSITION_TABLE[rule.transition]);
    });
  });

  it("never leaves ARCHIVED and never re-enters DRAFT", () => {
    expect(transitionsLeaving(TenantStatus.ARCHIVED)).toEqual([]);
    expect(TRANSITION_RULES.filter((rule) => rule.to === TenantStatus.DRAFT)).toEqual([]);
  });

  it("requires a reason exactly for SUSPEND, BEGIN_DEPROVISION and ARCHIVE", () => {
    const required = TRANSITION_RULES.filter((rule) => rule.reasonRequired).map((rule) => rule.transition);
    expect(required.sort()).toEqual(["ARCHIVE", "BEGIN_DEPROVISION", "SUSPEND"]);
  });

  it("describes each guard in words a dashboard can show", () => {
    for (const step of ALL_STEPS) expect(GUARD_DESCRIPTIONS.allOnboardingStepsCompleted).toContain(step);
    expect(GUARD_DESCRIPTIONS.latestDeprovisionRunSucceeded).toMatch(/DEPROVISION/);
    expect(GUARD_DESCRIPTIONS.latestDeprovisionRunSucceeded).toMatch(/SUCCEEDED/);
  });
});

describe("checkGuard", () => {
  it("passes a transition without a guard whatever the facts", () => {
    expect(checkGuard(null, facts())).toBeNull();
    expect(checkGuard(null, facts({ latestDeprovisionRunStatus: "FAILED" }))).toBeNull();
  });

  describe("every onboarding step completed (ACTIVATE)", () => {
    it("passes when PROFILE, BILLING and DOMAIN are all completed, in any order", () => {
      expect(checkGuard("allOnboardingStepsCompleted", facts({ completedOnboardingSteps: ALL_STEPS }))).toBeNull();
      expect(
        checkGuard(
          "allOnboardingStepsCompleted",
          facts({ completedOnboardingSteps: ["DOMAIN", "PROFILE", "BILLING"] }),
        ),
      ).toBeNull();
    });

    it("names every step when none is completed", () => {
      const message = checkGuard("allOnboardingStepsCompleted", facts());
      expect(message).not.toBeNull();
      for (const step of ["PROFILE", "BILLING", "DOMAIN"]) expect(message).toContain(step);
    });

    it.each([
      [["PROFILE"], ["BILLING", "DOMAIN"]],
      [["BILLING"], ["PROFILE", "DOMAIN"]],
      [["PROFILE", "BILLING"], ["DOMAIN"]],
      [["DOMAIN", "BILLING"], ["PROFILE"]],
    ] as [OnboardingStep[], OnboardingStep[]][])(
      "with %j completed names the missing %j and not the completed ones",
      (completed, missing) => {
        const message = checkGuard("allOnboardingStepsCompleted", facts({ completedOnboardingSteps: completed }));
        expect(message).not.toBeNull();
        for (const step of missing) expect(message).toContain(step);
        for (const step of completed) expect(message).not.toContain(step);
      },
    );
  });

  describe("the latest DEPROVISION run succeeded (FINALIZE_DEPROVISION)", () => {
    it("passes when the latest DEPROVISION run is SUCCEEDED", () => {
      expect(
        checkGuard("latestDeprovisionRunSucceeded", facts({ latestDeprovisionRunStatus: "SUCCEEDED" })),
      ).toBeNull();
    });

    it("fails when there is no DEPROVISION run, and says so", () => {
      const message = checkGuard("latestDeprovisionRunSucceeded", facts({ latestDeprovisionRunStatus: null }));
      expect(message).toMatch(/DEPROVISION/);
      expect(message).toMatch(/\bno\b/i);
    });

    it.each([
      OperationRunStatus.QUEUED,
      OperationRunStatus.RUNNING,
      OperationRunStatus.FAILED,
      OperationRunStatus.CANCELLED,
    ])("fails when the latest DEPROVISION run is %s, naming that status", (status) => {
      const message = checkGuard("latestDeprovisionRunSucceeded", facts({ latestDeprovisionRunStatus: status }));
      expect(message).toMatch(/DEPROVISION/);
      expect(message).toContain(status);
    });

    it("is judged on the deprovision run only, not on onboarding", () => {
      expect(
        checkGuard(
          "latestDeprovisionRunSucceeded",
          facts({ completedOnboardingSteps: ALL_STEPS, latestDeprovisionRunStatus: "FAILED" }),
        ),
      ).not.toBeNull();
    });
  });
});

describe("lifecycleAuditAction", () => {
  // "tenant.lifecycle.<transition in lower snake case>" (contract, AuditEvent.action)
  it.each([
    ["START_ONBOARDING", "tenant.lifecycle.start_onboarding"],
    ["ACTIVATE", "tenant.lifecycle.activate"],
    ["SUSPEND", "tenant.lifecycle.suspend"],
    ["REACTIVATE", "tenant.lifecycle.reactivate"],
    ["BEGIN_DEPROVISION", "tenant.lifecycle.begin_deprovision"],
    ["FINALIZE_DEPROVISION", "tenant.lifecycle.finalize_deprovision"],
    ["ARCHIVE", "tenant.lifecycle.archive"],
  ] as [LifecycleTransition, string][])("%s is audited as %s", (transition, action) => {
    expect(lifecycleAuditAction(transition)).toBe(action);
  });
});
