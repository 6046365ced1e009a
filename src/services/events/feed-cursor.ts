// Cursors of the tenant event feed (docs/design.md §9): where a reader stands, as opaque text.
import type { FeedPosition } from "../audit/audit-store.ts";
import { InvalidArgumentError } from "../errors.ts";

const CURSOR_NAME = "tenantEvents";
/** xid8 and int8 as PostgreSQL prints them: unsigned 64-bit / non-negative 63-bit decimals. */
const XID8 = /^(0|[1-9][0-9]{0,19})$/;
const INT8 = /^(0|[1-9][0-9]{0,18})$/;
const INT4 = /^(0|[1-9][0-9]{0,9})$/;

export function encodeFeedCursor(row: FeedPosition, scope: string): string {
  return Buffer.from(
    JSON.stringify([CURSOR_NAME, scope, row.feedXid, row.feedPosition, row.sequence]),
    "utf8",
  ).toString("base64url");
}

/** The position a cursor of this feed (and this tenant scope) names; anything else is BAD_USER_INPUT. */
export function decodeFeedCursor(cursor: string, scope: string): FeedPosition {
  const refuse = () => new InvalidArgumentError("after is not a cursor returned by this API", "after");
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(decoded) || decoded.length !== 5) throw refuse();
  const [name, cursorScope, feedXid, feedPosition, sequence] = decoded as unknown[];
  if (name !== CURSOR_NAME || cursorScope !== scope) throw refuse();
  if (typeof feedXid !== "string" || !XID8.test(feedXid) || BigInt(feedXid) >= 2n ** 64n) throw refuse();
  if (typeof feedPosition !== "string" || !INT8.test(feedPosition) || BigInt(feedPosition) >= 2n ** 63n) {
    throw refuse();
  }
  if (typeof sequence !== "number" || !INT4.test(String(sequence)) || sequence > 2_147_483_647) throw refuse();
  return { feedXid, feedPosition, sequence };
}
