// docs/design.md §3: every entry of the tenant-action table, in every status, for a tenant user
// and an operator, with and without the write's capability — against the rules as §2/§3 state
// them, written out here independently of the table.
import { describe, expect, it } from "vitest";
import {
  factsNeeded,
  judgeTenantActions,
  missingPermission,
  TENANT_ACTION_KINDS,
  TENANT_ACTIONS,
  type TenantActionFacts,
} from "../../src/domain/tenant-actions.ts";
import { TENANT_WRITES } from "../../src/domain/capabilities.ts";
import {
  OnboardingStatus,
  OnboardingStep,
  OperationKind,
  OperationRunStatus,
  TenantStatus,
} from "../../src/domain/vocabulary.ts";

const STATUSES = Object.values(TenantStatus);
const RUN_STATUSES = [null, ...Object.values(OperationRunStatus)];
const SESSION_STATUSES = [null, ...Object.values(OnboardingStatus)];

/** Whether the rule (capability aside) lets the action through, as the design states it. */
function allowedByRule(action: string, facts: TenantActionFacts): boolean {
  if (action === "RENAME") return !facts.tenantUser || facts.status === TenantStatus.ACTIVE;
  if (action === "CHANGE_SLUG") return true;
  if (action === "START_RUN_ONBOARDING") return false;
  if (action === "START_RUN_DEPROVISION") {
    const latest = facts.latestDeprovisionRunStatus;
    return (
      facts.status === TenantStatus.DEPROVISIONING &&
      (latest === null || latest === OperationRunStatus.FAILED || latest === OperationRunStatus.CANCELLED)
    );
  }
  if (action.startsWith("START_RUN_")) return facts.status === TenantStatus.ACTIVE;
  if (action === "MANAGE_WEBHOOKS") return true;
  if (action.startsWith("COMPLETE_ONBOARDING_STEP_")) {
    return facts.status === TenantStatus.ONBOARDING && facts.onboardingStatus === OnboardingStatus.IN_PROGRESS;
  }
  throw new Error(`no rule written for ${action}`);
}

describe("the tenant-action table", () => {
  it("has one action per run kind and per onboarding step, besides rename, change slug and manage webhooks", () => {
    expect(TENANT_ACTION_KINDS).toEqual([
      "RENAME",
      "CHANGE_SLUG",
      ...Object.values(OperationKind).map((kind) => `START_RUN_${kind}`),
      ...Object.values(OnboardingStep).map((step) => `COMPLETE_ONBOARDING_STEP_${step}`),
      "MANAGE_WEBHOOKS",
    ]);
  });

  it("judges every entry in every status by its rule, and by the capability first", () => {
    let cases = 0;
    for (const status of STATUSES) {
      for (const tenantUser of [false, true]) {
        for (const latestDeprovisionRunStatus of RUN_STATUSES) {
          for (const onboardingStatus of SESSION_STATUSES) {
            const facts = { status, tenantUser, latestDeprovisionRunStatus, onboardingStatus };
            for (const judgement of judgeTenantActions(() => true, facts)) {
              const where = `${judgement.action} ${JSON.stringify(facts)}`;
              expect(judgement.permitted, where).toBe(allowedByRule(judgement.action, facts));
              expect(judgement.blockedReason === null, where).toBe(judgement.permitted);
              cases += 1;
            }
            for (const judgement of judgeTenantActions(() => false, facts)) {
              expect(judgement).toEqual({
                action: judgement.action,
                permitted: false,
                blockedReason: missingPermission(TENANT_ACTIONS[judgement.action].write),
              });
            }
          }
        }
      }
    }
    expect(cases).toBe(
      STATUSES.length * 2 * RUN_STATUSES.length * SESSION_STATUSES.length * TENANT_ACTION_KINDS.length,
    );
  });

  it("asks only for the write that the mutation itself takes", () => {
    for (const action of TENANT_ACTION_KINDS) {
      const { write } = TENANT_ACTIONS[action];
      expect(Object.keys(TENANT_WRITES)).toContain(write);
    }
    expect(TENANT_ACTIONS.CHANGE_SLUG.write).toBe("changeSlug");
    expect(TENANT_ACTIONS.RENAME.write).toBe("updateTenant");
    expect(TENANT_ACTIONS.MANAGE_WEBHOOKS.write).toBe("manageWebhooks");
  });

  it("names the facts a status's rules read, and no fact in a status where none is read", () => {
    expect(factsNeeded(TenantStatus.ONBOARDING)).toEqual(new Set(["onboardingSession"]));
    expect(factsNeeded(TenantStatus.DEPROVISIONING)).toEqual(new Set(["latestDeprovisionRun"]));
    for (const status of [TenantStatus.DRAFT, TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.ARCHIVED]) {
      expect(factsNeeded(status).size).toBe(0);
    }
  });
});
