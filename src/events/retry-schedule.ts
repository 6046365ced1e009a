// When a failed delivery is tried again (docs/design.md §9): the Standard Webhooks schedule —
// at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (~3 days in all) — each
// wait spread by ±10 % so that endpoints recovering together are not hit together.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The wait after the n-th failed attempt (index n - 1); after the last, the delivery FAILED. */
export const RETRY_DELAYS_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
const JITTER = 0.1;
/** A Retry-After longer than this is read as this. */
const LONGEST_RETRY_AFTER_MS = 24 * HOUR;

/** The wait after `attempts` failed attempts, or null when there is no further attempt. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** A Retry-After header (seconds or an HTTP date) as a wait, or null when it says nothing usable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  const wait = /^\d+$/.test(trimmed) ? Number(trimmed) * SECOND : Date.parse(trimmed) - now;
  if (!Number.isFinite(wait)) return null;
  return Math.min(Math.max(wait, 0), LONGEST_RETRY_AFTER_MS);
}
