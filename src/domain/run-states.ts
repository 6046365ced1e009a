import { OperationRunStatus } from "./vocabulary.ts";

/**
 * The operation run state machine (docs/design.md §2): which status may follow which. Every
 * other status change is INVALID_TRANSITION; statuses with no successor are final.
 */
export const RUN_STATUS_TRANSITIONS: Readonly<Record<OperationRunStatus, readonly OperationRunStatus[]>> = {
  QUEUED: [OperationRunStatus.RUNNING, OperationRunStatus.FAILED, OperationRunStatus.CANCELLED],
  RUNNING: [OperationRunStatus.SUCCEEDED, OperationRunStatus.FAILED, OperationRunStatus.CANCELLED],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

/** A run is open while it may still change; side effects of transitions only ever close open runs. */
export const OPEN_RUN_STATUSES: readonly OperationRunStatus[] = (
  Object.keys(RUN_STATUS_TRANSITIONS) as OperationRunStatus[]
).filter((status) => RUN_STATUS_TRANSITIONS[status].length > 0);

export function isFinalRunStatus(status: OperationRunStatus): boolean {
  return RUN_STATUS_TRANSITIONS[status].length === 0;
}

export function mayRunMoveTo(from: OperationRunStatus, to: OperationRunStatus): boolean {
  return RUN_STATUS_TRANSITIONS[from].includes(to);
}
