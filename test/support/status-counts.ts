import type pg from "pg";

/** Tenants per status, as the counters say and as the rows say (statuses with none left out). */
export async function statusCountsAndRows(
  pool: pg.Pool | pg.Client,
): Promise<{ counters: Record<string, number>; rows: Record<string, number> }> {
  const counters = await pool.query<{ status: string; count: string }>(
    "SELECT status, sum(count)::int8 AS count FROM tenant_status_counts GROUP BY status HAVING sum(count) <> 0",
  );
  const rows = await pool.query<{ status: string; count: string }>(
    "SELECT status, count(*)::int8 AS count FROM tenants GROUP BY status",
  );
  const byStatus = (result: pg.QueryResult<{ status: string; count: string }>) =>
    Object.fromEntries(result.rows.map((row) => [row.status, Number(row.count)]).sort());
  return { counters: byStatus(counters), rows: byStatus(rows) };
}
