// Words for the API's enum values, in one place.

const TRANSITIONS: Readonly<Record<string, string>> = {
  START_ONBOARDING: "Start onboarding",
  ACTIVATE: "Activate",
  SUSPEND: "Suspend",
  REACTIVATE: "Reactivate",
  BEGIN_DEPROVISION: "Begin deprovisioning",
  FINALIZE_DEPROVISION: "Finalize deprovisioning",
  ARCHIVE: "Archive",
};

export function transitionLabel(transition: string): string {
  return TRANSITIONS[transition] ?? transition;
}

function words(value: string): string {
  const text = value.toLowerCase().replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function kindLabel(kind: string): string {
  return words(kind);
}

export function actionLabel(action: string): string {
  if (action === "RENAME") return "Rename";
  if (action === "CHANGE_SLUG") return "Change slug";
  if (action === "MANAGE_WEBHOOKS") return "Manage webhooks";
  if (action.startsWith("START_RUN_")) return `Start ${words(action.slice("START_RUN_".length)).toLowerCase()} run`;
  if (action.startsWith("COMPLETE_ONBOARDING_STEP_")) {
    return `Complete ${words(action.slice("COMPLETE_ONBOARDING_STEP_".length)).toLowerCase()} step`;
  }
  return words(action);
}

export function statusLabel(status: string): string {
  return words(status);
}

export function yesNo(value: boolean | null | undefined): string {
  return value === null || value === undefined ? "—" : value ? "Yes" : "No";
}
