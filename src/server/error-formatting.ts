import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLError, GraphQLFormattedError } from "graphql";
import { isDatabaseUnavailable } from "../services/database/failures.ts";
import { ForbiddenError, InvalidArgumentError, OverloadedError, RequestLimitError } from "../services/errors.ts";

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
  "REQUEST_LIMIT_EXCEEDED",
  "SERVICE_UNAVAILABLE",
  "RATE_LIMITED",
]);

/**
 * A request error Apollo raises with an HTTP 4xx status and no code — a persisted query whose
 * hash does not match its text, an unsupported persisted-query version: the client's mistake.
 */
function isCodelessBadRequest(error: unknown): boolean {
  const extensions = (error as { extensions?: { code?: unknown; http?: { status?: unknown } } } | null)?.extensions;
  const status = extensions?.http?.status;
  return extensions?.code === undefined && typeof status === "number" && status >= 400 && status < 500;
}

/** Whether an error is one the client caused or may know about (else it is logged as unexpected). */
export function isExpectedError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (
    isCodelessBadRequest(original) ||
    original instanceof ForbiddenError ||
    original instanceof InvalidArgumentError ||
    original instanceof RequestLimitError ||
    original instanceof OverloadedError ||
    isDatabaseUnavailable(original)
  ) {
    return true;
  }
  const code = (original as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === "string" && CLIENT_FACING_CODES.has(code);
}

/** The code a client sees for this error (what formatError makes of it). */
export function clientCodeOf(error: GraphQLError): string {
  const formatted = formatError({ message: error.message, extensions: error.extensions }, error);
  const code = formatted.extensions?.["code"];
  return typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
}

/** graphql-js suggests names ("Did you mean …?") for mistyped fields, arguments and enum values. */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * The one place errors become responses. In production, no message suggests schema names: a
 * client without introspection must not recover the schema by guessing.
 */
export function errorFormatter(options: { hideSuggestions: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = formatError(formatted, error);
    if (!options.hideSuggestions) return result;
    const message = result.message.replace(SUGGESTION, "");
    return message === result.message ? result : { ...result, message };
  };
}

/**
 * Domain errors get their contract codes; anything unexpected becomes INTERNAL_SERVER_ERROR with
 * no internals (no SQL, no stack, no data).
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
  if (original instanceof RequestLimitError) {
    return {
      message: original.message,
      path: formatted.path,
      extensions: { code: "REQUEST_LIMIT_EXCEEDED", limit: original.limit },
    };
  }
  if (original instanceof OverloadedError) {
    return {
      message: original.message,
      path: formatted.path,
      extensions: { code: "SERVICE_UNAVAILABLE", reason: "OVERLOADED" },
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
  if (isCodelessBadRequest(original)) {
    return { message: formatted.message, path: formatted.path, extensions: { code: "BAD_REQUEST" } };
  }
  return { message: "Internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}
