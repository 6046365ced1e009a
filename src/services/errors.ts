import type { UserError, UserErrorCode } from "../domain/user-errors.ts";

export type Outcome<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };

export const succeed = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (code: UserErrorCode, message: string, field?: string[]): Outcome<never> => ({
  ok: false,
  errors: [{ code, message, ...(field ? { field } : {}) }],
});

/** The caller is authenticated but lacks the capability (top-level FORBIDDEN). */
export class ForbiddenError extends Error {
  constructor(
    message: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = "ForbiddenError";
  }
}

/** An argument of a query is malformed or out of range (top-level BAD_USER_INPUT). */
export class InvalidArgumentError extends Error {
  constructor(
    message: string,
    readonly argument?: string,
  ) {
    super(message);
    this.name = "InvalidArgumentError";
  }
}

/** Which execution bound stopped a request. */
export type RequestLimit = "executionTime" | "resolvedItems";

/** The request exceeded an execution bound and was stopped (a client-class error, not a crash). */
export class RequestLimitError extends Error {
  constructor(
    readonly limit: RequestLimit,
    message: string,
  ) {
    super(message);
    this.name = "RequestLimitError";
  }
}

/**
 * The request could not get the resources it needed in time (no database connection was free):
 * the service is busy, not broken — retry, unlike an outage, is expected to succeed soon.
 */
export class OverloadedError extends Error {
  constructor(message = "The service is overloaded (no database connection was free in time); retry shortly") {
    super(message);
    this.name = "OverloadedError";
  }
}
