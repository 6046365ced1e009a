import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { ForbiddenError, InvalidArgumentError } from "../services/errors.ts";

/** Codes that are safe to pass through as Apollo or the schema produced them. */
const CLIENT_FACING_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "QUERY_TOO_COMPLEX",
  "SERVICE_UNAVAILABLE",
]);

/** Whether an error is one the client caused or may know about (else it is logged as unexpected). */
export function isExpectedError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (original instanceof ForbiddenError || original instanceof InvalidArgumentError) return true;
  const code = (original as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === "string" && CLIENT_FACING_CODES.has(code);
}

/**
 * The one place errors become responses: domain errors get their contract codes; anything
 * unexpected becomes INTERNAL_SERVER_ERROR with no internals (no SQL, no stack, no data).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof ForbiddenError) {
    return {
      message: original.message,
      path: formatted.path,
      extensions: { code: "FORBIDDEN", ...(original.reason ? { reason: original.reason } : {}) },
    };
  }
  if (original instanceof InvalidArgumentError) {
    return {
      message: original.message,
      path: formatted.path,
      extensions: { code: "BAD_USER_INPUT", ...(original.argument ? { argument: original.argument } : {}) },
    };
  }
  if (isDatabaseUnavailable(original)) {
    return {
      message: "The database is unavailable; retry later",
      path: formatted.path,
      extensions: { code: "SERVICE_UNAVAILABLE" },
    };
  }
  const code = formatted.extensions?.["code"];
  if (typeof code === "string" && CLIENT_FACING_CODES.has(code)) {
    const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return { message: "Internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

const UNAVAILABLE_PATTERNS = [
  /ECONNREFUSED/,
  /ECONNRESET/,
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /the database system is (starting up|shutting down)/i,
  /terminating connection due to administrator command/i,
  /Can't reach database server/i,
  /Server has closed the connection/i,
];

/** Connection-level failures, however the driver or Prisma wrapped them. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const candidate = current as { message?: unknown; code?: unknown; cause?: unknown };
    if (
      typeof candidate.code === "string" &&
      ["P1001", "P1017", "P2024", "ECONNREFUSED", "57P01", "57P03"].includes(candidate.code)
    ) {
      return true;
    }
    if (
      typeof candidate.message === "string" &&
      UNAVAILABLE_PATTERNS.some((pattern) => pattern.test(candidate.message as string))
    ) {
      return true;
    }
    current = candidate.cause;
  }
  return false;
}
