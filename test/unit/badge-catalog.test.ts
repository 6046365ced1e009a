// docs/design.md §2 "Badges": one catalog with an entry for every TenantStatus and OperationRunStatus;
// nothing renders "Unknown". Exhaustive over the persistence enums AND the public contract's enums,
// so a status added to either without a badge fails here.
import { describe, expect, it } from "vitest";
import { OperationRunStatus, TenantStatus } from "../../src/domain/vocabulary.ts";
import {
  BadgeTone,
  OPERATION_RUN_STATUS_BADGES,
  TENANT_STATUS_BADGES,
  type StatusBadge,
} from "../../src/domain/badge-catalog.ts";
import { contractEnumValues, loadContractSchema } from "./contract-sdl.ts";

const contract = loadContractSchema();

const catalogs: [string, string[], Readonly<Record<string, StatusBadge>>][] = [
  ["TenantStatus", Object.values(TenantStatus), TENANT_STATUS_BADGES],
  ["OperationRunStatus", Object.values(OperationRunStatus), OPERATION_RUN_STATUS_BADGES],
];

function badgeOf(catalog: Readonly<Record<string, StatusBadge>>, status: string): StatusBadge | undefined {
  return Object.prototype.hasOwnProperty.call(catalog, status) ? catalog[status] : undefined;
}

function expectRenderable(badge: StatusBadge | undefined): void {
  expect(badge).toBeDefined();
  if (!badge) return;
  expect(badge.label.trim()).not.toBe("");
  expect(badge.label).not.toMatch(/unknown/i);
  expect(badge.icon.trim()).not.toBe("");
  expect(Object.values(BadgeTone)).toContain(badge.tone);
}

describe("the badge catalog", () => {
  it("uses exactly the contract's BadgeTone values", () => {
    expect(Object.values(BadgeTone).sort()).toEqual(contractEnumValues(contract, "BadgeTone").sort());
  });

  describe.each(catalogs)("for %s", (enumName, domainValues, catalog) => {
    const contractValues = contractEnumValues(contract, enumName);

    it("the domain enum and the contract enum name the same statuses", () => {
      expect([...domainValues].sort()).toEqual([...contractValues].sort());
    });

    it.each(domainValues)("has a renderable badge for the domain's %s", (status) => {
      expectRenderable(badgeOf(catalog, status));
    });

    it.each(contractValues)("has a renderable badge for the contract's %s", (status) => {
      expectRenderable(badgeOf(catalog, status));
    });

    it("has no entry for a status that does not exist", () => {
      expect(Object.keys(catalog).sort()).toEqual([...new Set([...domainValues, ...contractValues])].sort());
    });

    it("gives each status its own label, so two statuses never render alike", () => {
      const labels = Object.values(catalog).map((badge) => badge.label);
      expect(new Set(labels).size).toBe(labels.length);
    });
  });
});
