// The one owner of `event_sink_cursors` (docs/design.md §9): where each broker sink stands in the
// event feed, and the lease that lets one process publish for a sink at a time.
import type { FeedPosition } from "../audit/audit-store.ts";
import type { SqlRows } from "../database/sql.ts";

export type SinkPosition = Pick<FeedPosition, "feedXid" | "feedPosition">;

/**
 * Takes the sink's lease when it is free or expired (a new sink starts at the feed's end as it
 * is now: `start`); null while another process holds it.
 */
export async function claimSinkCursor(
  sql: SqlRows,
  name: string,
  start: SinkPosition,
  leaseToken: string,
  leaseSeconds: number,
): Promise<SinkPosition | null> {
  await sql.rows(
    `INSERT INTO event_sink_cursors (name, feed_xid, position) VALUES ($1, $2::xid8, $3::int8) ON CONFLICT (name) DO NOTHING`,
    [name, start.feedXid, start.feedPosition],
  );
  const [claimed] = await sql.rows<SinkPosition>(
    `UPDATE event_sink_cursors SET lease_token = $2, lease_until = now() + make_interval(secs => $3)
     WHERE name = $1 AND (lease_until IS NULL OR lease_until < now() OR lease_token = $2)
     RETURNING feed_xid::text AS "feedXid", position::text AS "feedPosition"`,
    [name, leaseToken, leaseSeconds],
  );
  return claimed ?? null;
}

/** Moves the cursor past acknowledged events, while the lease is still this process's. */
export async function advanceSinkCursor(
  sql: SqlRows,
  name: string,
  leaseToken: string,
  to: SinkPosition,
  published: number,
): Promise<boolean> {
  const rows = await sql.rows<{ name: string }>(
    `UPDATE event_sink_cursors SET feed_xid = $3::xid8, position = $4::int8, published = published + $5, updated_at = now()
     WHERE name = $1 AND lease_token = $2 RETURNING name`,
    [name, leaseToken, to.feedXid, to.feedPosition, published],
  );
  return rows.length > 0;
}

export async function releaseSinkCursor(sql: SqlRows, name: string, leaseToken: string): Promise<void> {
  await sql.rows(
    "UPDATE event_sink_cursors SET lease_token = NULL, lease_until = NULL WHERE name = $1 AND lease_token = $2",
    [name, leaseToken],
  );
}

/** Where these sinks stand (those that have a cursor yet). */
export function sinkPositions(sql: SqlRows, names: readonly string[]): Promise<(SinkPosition & { name: string })[]> {
  return sql.rows<SinkPosition & { name: string }>(
    `SELECT name, feed_xid::text AS "feedXid", position::text AS "feedPosition" FROM event_sink_cursors
     WHERE name = ANY($1::text[]) ORDER BY name`,
    [[...names]],
  );
}
