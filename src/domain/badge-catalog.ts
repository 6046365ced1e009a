import type { OperationRunStatus, TenantStatus } from "./vocabulary.ts";

export const BadgeTone = {
  NEUTRAL: "NEUTRAL",
  INFO: "INFO",
  SUCCESS: "SUCCESS",
  WARNING: "WARNING",
  DANGER: "DANGER",
} as const;
export type BadgeTone = (typeof BadgeTone)[keyof typeof BadgeTone];

export interface StatusBadge {
  label: string;
  tone: BadgeTone;
  icon: string;
}

/** Every dashboard renders a status the same way: one entry per status, no fallback. */
export const TENANT_STATUS_BADGES: Readonly<Record<TenantStatus, StatusBadge>> = {
  DRAFT: { label: "Draft", tone: "NEUTRAL", icon: "pencil" },
  ONBOARDING: { label: "Onboarding", tone: "INFO", icon: "rocket" },
  ACTIVE: { label: "Active", tone: "SUCCESS", icon: "check-circle" },
  SUSPENDED: { label: "Suspended", tone: "WARNING", icon: "pause-circle" },
  DEPROVISIONING: { label: "Deprovisioning", tone: "WARNING", icon: "hourglass" },
  DEPROVISIONED: { label: "Deprovisioned", tone: "DANGER", icon: "power-off" },
  ARCHIVED: { label: "Archived", tone: "NEUTRAL", icon: "archive" },
};

export const OPERATION_RUN_STATUS_BADGES: Readonly<Record<OperationRunStatus, StatusBadge>> = {
  QUEUED: { label: "Queued", tone: "NEUTRAL", icon: "clock" },
  RUNNING: { label: "Running", tone: "INFO", icon: "spinner" },
  SUCCEEDED: { label: "Succeeded", tone: "SUCCESS", icon: "check-circle" },
  FAILED: { label: "Failed", tone: "DANGER", icon: "x-circle" },
  CANCELLED: { label: "Cancelled", tone: "NEUTRAL", icon: "slash-circle" },
};
