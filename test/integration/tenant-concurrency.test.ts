import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteExpiredIdempotencyKeys } from "../../src/services/idempotency/idempotency-store.ts";
import fc from "fast-check";
import { TRANSITION_TABLE } from "../../src/domain/transition-table.ts";
import { personas } from "../support/personas.ts";
import { statusCountsAndRows } from "../support/status-counts.ts";
import { AUDIT_CHAIN, CREATE_TENANT, TRANSITION_TENANT, type MutationPayload } from "../support/operations.ts";
import { startTestServer, type CallOptions, type TestServer } from "../support/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const asOperator: CallOptions = { as: personas.operator };
let slugCounter = 0;
const uniqueSlug = () => `race-${process.pid}-${++slugCounter}`;

async function createTenant(slug: string, extra: Record<string, unknown> = {}) {
  return server.request<{ createTenant: MutationPayload }>(
    CREATE_TENANT,
    { input: { slug, name: "Race", ...extra } },
    asOperator,
  );
}

async function auditSequences(tenantId: string): Promise<number[]> {
  const { rows } = await server.database.pool.query<{ sequence: number }>(
    "SELECT sequence FROM audit_events WHERE tenant_id = $1 ORDER BY sequence",
    [tenantId],
  );
  return rows.map((row) => row.sequence);
}

describe("races", () => {
  it("50 parallel creates of one slug: exactly 1 success and 49 SLUG_TAKEN, no top-level errors", async () => {
    const slug = uniqueSlug();
    const startedAt = performance.now();
    const responses = await Promise.all(Array.from({ length: 50 }, () => createTenant(slug)));
    const elapsedMs = performance.now() - startedAt;
    expect(responses.flatMap((response) => response.body.errors ?? [])).toEqual([]);
    const payloads = responses.map((response) => response.body.data?.createTenant as MutationPayload);
    const successes = payloads.filter((payload) => payload.tenant !== null);
    const codes = payloads.flatMap((payload) => payload.userErrors.map((error) => error.code));
    expect(successes).toHaveLength(1);
    expect(codes).toEqual(Array(49).fill("SLUG_TAKEN"));
    const { rows } = await server.database.pool.query("SELECT id FROM tenants WHERE slug = $1", [slug]);
    expect(rows).toHaveLength(1);
    expect(await auditSequences(rows[0].id)).toEqual([1]);
    console.info(`[race] 50 creates of one slug: 1 success, 49 SLUG_TAKEN in ${elapsedMs.toFixed(0)} ms`);
  });

  it("50 parallel transitions on one tenant: version = 1 + successes, sequences gapless, chain valid", async () => {
    const created = await createTenant(uniqueSlug());
    const tenantId = created.body.data?.createTenant.tenant?.id as string;
    await server.data(TRANSITION_TENANT, { input: { tenantId, transition: "START_ONBOARDING" } }, asOperator);
    // ACTIVE ⇄ SUSPENDED needs steps done; START/ARCHIVE flip-flop is impossible, so race SUSPEND/REACTIVATE
    // on an active tenant: finish onboarding first.
    for (const step of ["PROFILE", "BILLING", "DOMAIN"]) {
      await server.data(
        `mutation($input: CompleteOnboardingStepInput!) { completeOnboardingStep(input: $input) { userErrors { code } } }`,
        { input: { tenantId, step } },
        asOperator,
      );
    }
    await server.data(TRANSITION_TENANT, { input: { tenantId, transition: "ACTIVATE" } }, asOperator);
    const versionBefore = 3;

    const startedAt = performance.now();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        server.request<{ transitionTenant: MutationPayload }>(
          TRANSITION_TENANT,
          { input: { tenantId, transition: index % 2 === 0 ? "SUSPEND" : "REACTIVATE", reason: `race ${index}` } },
          asOperator,
        ),
      ),
    );
    const elapsedMs = performance.now() - startedAt;
    expect(responses.flatMap((response) => response.body.errors ?? [])).toEqual([]);
    const payloads = responses.map((response) => response.body.data?.transitionTenant as MutationPayload);
    const successes = payloads.filter((payload) => payload.userErrors.length === 0).length;
    const conflicts = payloads.filter((payload) => payload.userErrors[0]?.code === "INVALID_TRANSITION").length;
    expect(successes + conflicts).toBe(50);
    expect(successes).toBeGreaterThan(0);

    const { rows } = await server.database.pool.query<{ version: number }>(
      "SELECT version FROM tenants WHERE id = $1",
      [tenantId],
    );
    expect(rows[0]?.version).toBe(versionBefore + successes);
    const sequences = await auditSequences(tenantId);
    expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, index) => index + 1));
    const chain = await server.data<{ auditChain: { valid: boolean; eventCount: number } }>(
      AUDIT_CHAIN,
      { tenantId },
      asOperator,
    );
    expect(chain.auditChain).toMatchObject({ valid: true, eventCount: sequences.length });
    console.info(
      `[race] 50 transitions on one tenant: ${successes} successes, ${conflicts} INVALID_TRANSITION in ${elapsedMs.toFixed(0)} ms`,
    );
  });
});

describe("idempotency", () => {
  it("replays the stored payload for the same key and input, writing nothing the second time", async () => {
    const slug = uniqueSlug();
    const first = await createTenant(slug, { idempotencyKey: "key-replay" });
    const again = await createTenant(slug, { idempotencyKey: "key-replay" });
    // The same answer; only extensions.cost (the caller's budget as it is now) may differ.
    expect(again.body.data).toEqual(first.body.data);
    expect(again.body.errors).toEqual(first.body.errors);
    const tenantId = first.body.data?.createTenant.tenant?.id as string;
    expect(await auditSequences(tenantId)).toEqual([1]);
  });

  it("answers IDEMPOTENCY_KEY_REUSED for the same key with a different input", async () => {
    await createTenant(uniqueSlug(), { idempotencyKey: "key-reused" });
    const other = await createTenant(uniqueSlug(), { idempotencyKey: "key-reused" });
    expect(other.body.data?.createTenant.userErrors).toEqual([
      expect.objectContaining({ code: "IDEMPOTENCY_KEY_REUSED", field: ["input", "idempotencyKey"] }),
    ]);
  });

  it("scopes keys per principal: another caller's identical key is a new request", async () => {
    const slug = uniqueSlug();
    await createTenant(slug, { idempotencyKey: "key-per-principal" });
    const otherOperator = await server.request<{ createTenant: MutationPayload }>(
      CREATE_TENANT,
      { input: { slug, name: "Race", idempotencyKey: "key-per-principal" } },
      { as: { sub: "operator-2", scope: "platform:operator" } },
    );
    expect(otherOperator.body.data?.createTenant.userErrors).toEqual([expect.objectContaining({ code: "SLUG_TAKEN" })]);
  });

  it("makes one change for two identical requests in flight at once", async () => {
    const created = await createTenant(uniqueSlug());
    const tenantId = created.body.data?.createTenant.tenant?.id as string;
    const input = { tenantId, transition: "ARCHIVE", reason: "twice", idempotencyKey: "key-concurrent" };
    const [one, two] = await Promise.all([
      server.request<{ transitionTenant: MutationPayload }>(TRANSITION_TENANT, { input }, asOperator),
      server.request<{ transitionTenant: MutationPayload }>(TRANSITION_TENANT, { input }, asOperator),
    ]);
    expect(one.body.data?.transitionTenant.userErrors).toEqual([]);
    expect(two.body.data?.transitionTenant.userErrors).toEqual([]);
    expect(one.body.data?.transitionTenant.auditEvent?.id).toBe(two.body.data?.transitionTenant.auditEvent?.id);
    expect(await auditSequences(tenantId)).toEqual([1, 2]);
  });

  it("does not keep a key whose mutation failed: the corrected retry with the same input fails the same way", async () => {
    const created = await createTenant(uniqueSlug());
    const tenantId = created.body.data?.createTenant.tenant?.id as string;
    const input = { tenantId, transition: "SUSPEND", reason: "no", idempotencyKey: "key-failed" };
    const first = await server.data<{ transitionTenant: MutationPayload }>(TRANSITION_TENANT, { input }, asOperator);
    const second = await server.data<{ transitionTenant: MutationPayload }>(TRANSITION_TENANT, { input }, asOperator);
    expect(first.transitionTenant.userErrors[0]?.code).toBe("INVALID_TRANSITION");
    expect(second.transitionTenant.userErrors[0]?.code).toBe("INVALID_TRANSITION");
    const { rows } = await server.database.pool.query("SELECT 1 FROM idempotency_records WHERE key = 'key-failed'");
    expect(rows).toHaveLength(0);
  });
});

describe("one transaction per mutation (fault injection)", () => {
  /** Makes every write to `table` of the given kind fail inside the database, for one test. */
  async function withFailingWrites(table: string, operation: "INSERT" | "UPDATE", run: () => Promise<void>) {
    const name = `inject_${table}_${operation.toLowerCase()}`;
    await server.database.pool.query(`
      CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected fault on ${table}'; END $$;
      CREATE TRIGGER ${name} BEFORE ${operation} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}();`);
    try {
      await run();
    } finally {
      await server.database.pool.query(`DROP TRIGGER ${name} ON ${table}; DROP FUNCTION ${name}();`);
    }
  }

  function expectInternalError(body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) {
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("INTERNAL_SERVER_ERROR");
    expect(JSON.stringify(body)).not.toMatch(/injected|audit_events|tenants|SQL|at .*\.ts/);
  }

  it("leaves no tenant behind when its tenant.created event cannot be written", async () => {
    const slug = uniqueSlug();
    await withFailingWrites("audit_events", "INSERT", async () => {
      const response = await createTenant(slug);
      expectInternalError(response.body);
    });
    const { rows } = await server.database.pool.query("SELECT 1 FROM tenants WHERE slug = $1", [slug]);
    expect(rows).toHaveLength(0);
  });

  it("leaves no tenant behind when the idempotency record cannot be stored", async () => {
    const slug = uniqueSlug();
    await withFailingWrites("idempotency_records", "UPDATE", async () => {
      expectInternalError((await createTenant(slug, { idempotencyKey: "key-fault" })).body);
    });
    const { rows } = await server.database.pool.query("SELECT 1 FROM tenants WHERE slug = $1", [slug]);
    expect(rows).toHaveLength(0);
    const keys = await server.database.pool.query("SELECT 1 FROM idempotency_records WHERE key = 'key-fault'");
    expect(keys.rows).toHaveLength(0);
  });

  it.each([
    ["audit_events", "INSERT"],
    ["onboarding_sessions", "INSERT"],
    ["operation_runs", "INSERT"],
  ] as const)("changes no status when the transition's write to %s fails", async (table, operation) => {
    const created = await createTenant(uniqueSlug());
    const tenantId = created.body.data?.createTenant.tenant?.id as string;
    await withFailingWrites(table, operation, async () => {
      const response = await server.request(
        TRANSITION_TENANT,
        { input: { tenantId, transition: "START_ONBOARDING" } },
        asOperator,
      );
      expectInternalError(response.body);
    });
    const tenant = await server.database.pool.query("SELECT status, version FROM tenants WHERE id = $1", [tenantId]);
    expect(tenant.rows[0]).toEqual({ status: "DRAFT", version: 1 });
    expect(await auditSequences(tenantId)).toEqual([1]);
    const sessions = await server.database.pool.query("SELECT 1 FROM onboarding_sessions WHERE tenant_id = $1", [
      tenantId,
    ]);
    const runs = await server.database.pool.query("SELECT 1 FROM operation_runs WHERE tenant_id = $1", [tenantId]);
    expect(sessions.rows).toHaveLength(0);
    expect(runs.rows).toHaveLength(0);
  });

  it("changes no status when the tenant update itself fails", async () => {
    const created = await createTenant(uniqueSlug());
    const tenantId = created.body.data?.createTenant.tenant?.id as string;
    await withFailingWrites("tenants", "UPDATE", async () => {
      expectInternalError(
        (
          await server.request(
            TRANSITION_TENANT,
            { input: { tenantId, transition: "ARCHIVE", reason: "x" } },
            asOperator,
          )
        ).body,
      );
    });
    expect(await auditSequences(tenantId)).toEqual([1]);
  });
});

describe("idempotency key expiry", () => {
  it("treats an expired key as new and sweeps expired keys", async () => {
    const slug = uniqueSlug();
    await createTenant(slug, { idempotencyKey: "key-expiring" });
    await server.database.pool.query(
      `UPDATE idempotency_records SET expires_at = now() - interval '1 second' WHERE key = 'key-expiring'`,
    );
    const reused = await createTenant(uniqueSlug(), { idempotencyKey: "key-expiring" });
    expect(reused.body.data?.createTenant.userErrors).toEqual([]);
    await server.database.pool.query(
      `UPDATE idempotency_records SET expires_at = now() - interval '1 second' WHERE key = 'key-expiring'`,
    );
    expect(await deleteExpiredIdempotencyKeys(server.database.pool)).toBeGreaterThanOrEqual(1);
    const { rows } = await server.database.pool.query("SELECT 1 FROM idempotency_records WHERE key = 'key-expiring'");
    expect(rows).toHaveLength(0);
  });
});

describe("per-status counters (tenant_status_counts)", () => {
  const TRANSITIONS = Object.keys(TRANSITION_TABLE);

  it("equal the rows after every race above", async () => {
    const { counters, rows } = await statusCountsAndRows(server.database.pool);
    expect(Object.keys(rows).length).toBeGreaterThan(0);
    expect(counters).toEqual(rows);
  });

  it("equal the rows after generated bursts of concurrent creates and transitions, and give the exact totals", async () => {
    const created: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.constant({ kind: "create" as const }),
            fc.record({
              kind: fc.constant("transition" as const),
              tenant: fc.nat(),
              transition: fc.constantFrom(...TRANSITIONS),
            }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        async (burst) => {
          await Promise.all(
            burst.map(async (operation) => {
              if (operation.kind === "create" || created.length === 0) {
                const response = await createTenant(uniqueSlug());
                const id = response.body.data?.createTenant.tenant?.id;
                if (id) created.push(id);
                return;
              }
              const tenantId = created[operation.tenant % created.length] as string;
              await server.request(
                TRANSITION_TENANT,
                { input: { tenantId, transition: operation.transition, reason: "counted" } },
                asOperator,
              );
            }),
          );
          const { counters, rows } = await statusCountsAndRows(server.database.pool);
          expect(counters).toEqual(rows);
          const data = await server.data<{ tenants: { totalCount: number; totalCountPrecision: string } }>(
            `{ tenants(filter: { includeArchived: true }) { totalCount totalCountPrecision } }`,
            {},
            asOperator,
          );
          const total = Object.values(rows).reduce((sum, count) => sum + count, 0);
          expect(data.tenants).toEqual({ totalCount: total, totalCountPrecision: "EXACT" });
        },
      ),
      { numRuns: 25 },
    );
  });
});
