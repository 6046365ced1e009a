/**
 * Cost buckets that a suite or a load generator sending thousands of requests as one caller never
 * empties: for servers whose subject is not the caller's share (the limits' own tests set
 * theirs; `npm start` runs the documented defaults). The limiter still runs on every request.
 */
export const UNSPENDABLE_BUDGETS: Readonly<Record<string, string>> = Object.fromEntries(
  ["TENANT_USER", "TENANT", "PLATFORM", "ANONYMOUS"].flatMap((kind) => [
    [`RATE_LIMIT_${kind}_POINTS`, "1000000000"],
    [`RATE_LIMIT_${kind}_RESTORE_RATE`, "1000000000"],
  ]),
);
