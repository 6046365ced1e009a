// How the driver reports the failures the service treats specially.

/** Messages and codes by which the driver (or a wrapper) says the database could not be reached. */
const UNAVAILABLE_PATTERNS = [
  /ECONNREFUSED/,
  /ECONNRESET/,
  /Connection terminated/i,
  /the database system is (starting up|shutting down)/i,
  /terminating connection due to administrator command/i,
  /Can't reach database server/i,
  /Server has closed the connection/i,
];

/**
 * pg-pool's wait for a free connection ran out: every connection was busy. (A connection that
 * could not be opened in time fails as "Connection terminated due to connection timeout".)
 */
export function isPoolExhausted(error: unknown): boolean {
  return error instanceof Error && /timeout exceeded when trying to connect/i.test(error.message);
}

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

/**
 * A statement PostgreSQL stopped for taking too long: a lock wait past `lock_timeout`
 * (lock_not_available) or a statement past `statement_timeout` (query_canceled).
 */
export function isOutOfTime(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "55P03" || code === "57014";
}

/** A statement that failed on the named unique index (PostgreSQL's unique_violation). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === "23505" && violated === constraint;
}
