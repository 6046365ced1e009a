/** Codes of the contract's UserErrorCode: failures the caller can fix, returned in payloads. */
export const UserErrorCode = {
  INVALID_INPUT: "INVALID_INPUT",
  SLUG_TAKEN: "SLUG_TAKEN",
  SLUG_RESERVED: "SLUG_RESERVED",
  NOT_FOUND: "NOT_FOUND",
  INVALID_TRANSITION: "INVALID_TRANSITION",
  REASON_REQUIRED: "REASON_REQUIRED",
  PRECONDITION_FAILED: "PRECONDITION_FAILED",
  VERSION_CONFLICT: "VERSION_CONFLICT",
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
  IDEMPOTENCY_QUOTA_EXCEEDED: "IDEMPOTENCY_QUOTA_EXCEEDED",
} as const;
export type UserErrorCode = (typeof UserErrorCode)[keyof typeof UserErrorCode];

export interface UserError {
  code: UserErrorCode;
  message: string;
  field?: string[];
}
