// Statement spans are named by what a statement does, not by its prepared-statement hash (design §6 "Tracing").
import { describe, expect, it } from "vitest";
import { statementLabel } from "../../src/telemetry/statement-label.ts";

describe("a statement's span name", () => {
  it.each([
    ["SELECT id, slug FROM tenants WHERE id = $1", "SELECT tenants", "tenants"],
    [
      "  select t.id from public.tenants t join audit_events a on a.tenant_id = t.id",
      "SELECT public.tenants",
      "public.tenants",
    ],
    ["INSERT INTO audit_events (id, tenant_id) VALUES ($1, $2) RETURNING id", "INSERT audit_events", "audit_events"],
    ['UPDATE "tenants" SET status = $2 WHERE id = $1', "UPDATE tenants", "tenants"],
    ["DELETE FROM idempotency_records WHERE expires_at < now()", "DELETE idempotency_records", "idempotency_records"],
    ["SELECT x FROM unnest($1::uuid[]) AS x JOIN tenants ON tenants.id = x", "SELECT tenants", "tenants"],
    ["SELECT * FROM (SELECT id FROM operation_runs) runs", "SELECT operation_runs", "operation_runs"],
    [
      "WITH page AS (SELECT id FROM tenants WHERE status = $1) UPDATE onboarding_steps SET done = true FROM page",
      "UPDATE onboarding_steps",
      "onboarding_steps",
    ],
    [
      "WITH event AS (INSERT INTO audit_events (id) VALUES ($1) RETURNING *), head AS (INSERT INTO audit_chain_heads " +
        "(tenant_id) VALUES ($2) ON CONFLICT (tenant_id) DO UPDATE SET sequence = 1) SELECT * FROM event",
      "INSERT audit_events",
      "audit_events",
    ],
    [
      // A lock clause is no write: named by its main statement, as any read with a WITH list.
      "WITH locked AS (SELECT id FROM webhook_deliveries FOR UPDATE SKIP LOCKED) SELECT * FROM locked",
      "SELECT locked",
      "locked",
    ],
    [
      "-- the next sequence\nSELECT sequence FROM audit_events /* latest */ WHERE tenant_id = $1",
      "SELECT audit_events",
      "audit_events",
    ],
    ["SELECT 1", "SELECT", undefined],
    ["BEGIN ISOLATION LEVEL READ COMMITTED", "BEGIN", undefined],
  ])("%s → %s", (text, summary, table) => {
    const label = statementLabel(text);
    expect(label.summary).toBe(summary);
    expect(label.table).toBe(table);
  });

  it("never contains a value written into the text", () => {
    expect(statementLabel("SELECT id FROM tenants WHERE slug = 'secret-slug'").summary).toBe("SELECT tenants");
  });
});
