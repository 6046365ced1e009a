// Issue 22, "one tenant cannot starve the others" (docs/design.md §3, §4): a caller's write to a
// tenant it may not see is judged before the tenant's row lock, so it answers as an unknown
// tenant does, never queues behind that lock and never holds a pooled connection while another
// transaction holds the row; by-id reads cost the same statements for a hidden record as for an
// unknown one; idempotency records are stored only for changes, under a per-principal quota.
// Each finding came from outside, over HTTP, and is tested the same way.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTenant, onboardingTenant, queuedRun, type TenantFixture } from "../support/fixtures.ts";
import type { SqlTransaction } from "../../src/services/database/sql.ts";
import { isIdempotencyQuotaReached } from "../../src/services/idempotency/idempotency-store.ts";
import { personas, tenantAdmin, type Persona } from "../support/personas.ts";
import { countStatements } from "../support/statement-counter.ts";
import { startTestServer, type GraphQLResponseBody, type TestServer } from "../support/test-server.ts";

/** An answer without `extensions.cost`, which reports the caller's budget as it is at that moment. */
const answerOf = <Body extends { extensions?: unknown }>({ extensions: _budget, ...answer }: Body) => answer;

const UPDATE_TENANT = `mutation($input: UpdateTenantInput!) {
  updateTenant(input: $input) { tenant { id name } auditEvent { id } userErrors { code message field } }
}`;
const COMPLETE_STEP = `mutation($input: CompleteOnboardingStepInput!) {
  completeOnboardingStep(input: $input) { tenant { id } onboarding { completedSteps } userErrors { code message field } }
}`;
const LOCK_TIMEOUT_MS = 10_000;

let server: TestServer;
let own: TenantFixture;
let other: TenantFixture;
let bystander: TenantFixture;

beforeAll(async () => {
  // A small pool, so that connections held by lock waits would show as refusals of everyone else.
  server = await startTestServer({
    env: {
      DATABASE_POOL_MAX: "3",
      DATABASE_CONNECT_TIMEOUT_MS: "3000",
      LIMIT_REQUEST_TIMEOUT_MS: String(LOCK_TIMEOUT_MS),
    },
  });
  own = await activeTenant(server);
  other = await onboardingTenant(server);
  bystander = await activeTenant(server);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

/** Runs `during` while another connection holds the tenant's row lock, as an operator's psql did. */
async function whileLocked<T>(tenantId: string, during: () => Promise<T>): Promise<T> {
  const holder = new pg.Client({ connectionString: server.databaseUrl });
  await holder.connect();
  try {
    await holder.query("BEGIN");
    await holder.query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE", [tenantId]);
    return await during();
  } finally {
    await holder.query("ROLLBACK");
    await holder.end();
  }
}

async function timed(call: () => Promise<{ body: GraphQLResponseBody }>) {
  const startedAt = Date.now();
  const { body } = await call();
  return { body, elapsedMs: Date.now() - startedAt };
}

const as = (persona: Persona) => ({ as: persona });

describe("a write to another tenant while that tenant's row is locked", () => {
  it.each([
    ["updateTenant", UPDATE_TENANT, (tenantId: string) => ({ tenantId, name: "Taken Over" })],
    ["completeOnboardingStep", COMPLETE_STEP, (tenantId: string) => ({ tenantId, step: "PROFILE" })],
  ])("%s answers NOT_FOUND at once, exactly as for an unknown id", async (_name, mutation, input) => {
    const admin = tenantAdmin(own.id);
    const unknown = await server.request(mutation, { input: input(randomUUID()) }, as(admin));
    const hidden = await whileLocked(other.id, () =>
      timed(() => server.request(mutation, { input: input(other.id) }, as(admin))),
    );
    expect(hidden.body.errors).toBeUndefined();
    // Not REQUEST_LIMIT_EXCEEDED after the lock timeout: that would tell the tenant exists.
    expect(answerOf(hidden.body)).toEqual(answerOf(unknown.body));
    expect(JSON.stringify(hidden.body)).toContain('"code":"NOT_FOUND"');
    expect(hidden.elapsedMs).toBeLessThan(LOCK_TIMEOUT_MS / 2);
  });

  it("does not hold pooled connections: other tenants are served while many such writes are sent", async () => {
    // Twelve writes to the locked tenant, more than the pool's connections: eight from one tenant's
    // admin (a caller may have 8 requests in flight; a ninth could be refused with 429 while they
    // run) and four from the bystander's, whose own write must still be served.
    const writers = [
      ...Array.from({ length: 8 }, () => tenantAdmin(own.id)),
      ...Array.from({ length: 4 }, () => tenantAdmin(bystander.id)),
    ];
    const { bystanderAnswer, hiddenAnswers } = await whileLocked(other.id, async () => {
      const hiddenCalls = writers.map((writer) =>
        server.request(UPDATE_TENANT, { input: { tenantId: other.id, name: "Taken Over" } }, as(writer)),
      );
      const bystanderAnswer = await server.request(
        UPDATE_TENANT,
        { input: { tenantId: bystander.id, name: "Still Served" } },
        as(tenantAdmin(bystander.id)),
      );
      return { bystanderAnswer, hiddenAnswers: await Promise.all(hiddenCalls) };
    });
    expect(bystanderAnswer.body.errors).toBeUndefined();
    expect(bystanderAnswer.body.data).toMatchObject({
      updateTenant: { tenant: { id: bystander.id, name: "Still Served" }, userErrors: [] },
    });
    for (const answer of hiddenAnswers) {
      expect(answer.body.errors).toBeUndefined();
      expect(JSON.stringify(answer.body)).toContain('"code":"NOT_FOUND"');
    }
  });

  it("still waits for the lock of a tenant the caller may write (and then writes)", async () => {
    const admin = tenantAdmin(own.id);
    const holder = new pg.Client({ connectionString: server.databaseUrl });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE", [own.id]);
    const pending = server.request(UPDATE_TENANT, { input: { tenantId: own.id, name: "After The Lock" } }, as(admin));
    // The write is queued on the row until the holder lets go; it must not have answered yet.
    const early = await Promise.race([pending.then(() => "answered"), sleep(300).then(() => "waiting")]);
    await holder.query("ROLLBACK");
    await holder.end();
    const { body } = await pending;
    expect(early).toBe("waiting");
    expect(body.data).toMatchObject({ updateTenant: { tenant: { name: "After The Lock" }, userErrors: [] } });
  });
});

describe("a write that waited for its tenant's lock", () => {
  it("is judged again under the lock: a tenant hidden meanwhile is NOT_FOUND, as an unknown one", async () => {
    const tenant = await activeTenant(server);
    const admin = tenantAdmin(tenant.id);
    const unknown = await server.request(UPDATE_TENANT, { input: { tenantId: randomUUID(), name: "Late" } }, as(admin));
    const holder = new pg.Client({ connectionString: server.databaseUrl });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE", [tenant.id]);
      const pending = server.request(UPDATE_TENANT, { input: { tenantId: tenant.id, name: "Late" } }, as(admin));
      await sleep(300);
      // Hidden from its users while the write waited (as an operator's archive would).
      await holder.query("UPDATE tenants SET status = 'ARCHIVED', version = version + 1 WHERE id = $1", [tenant.id]);
      await holder.query("COMMIT");
      const { body } = await pending;
      expect(answerOf(body)).toEqual(answerOf(unknown.body));
    } finally {
      await holder.end();
    }
  });
});

describe("by-id lookups cost the same statements for a hidden record as for an unknown one", () => {
  it("operationRun(id) of another tenant's run runs exactly the statements of an unknown id", async () => {
    const otherRun = await queuedRun(server, bystander.id);
    const admin = tenantAdmin(own.id);
    const query = `query($id: ID!) { operationRun(id: $id) { id status } }`;
    const hidden = await countStatements(() => server.request(query, { id: otherRun }, as(admin)));
    const unknown = await countStatements(() => server.request(query, { id: randomUUID() }, as(admin)));
    for (const { result } of [hidden, unknown]) {
      expect(result.body.data).toEqual({ operationRun: null });
      expect(result.body.errors).toBeUndefined();
    }
    expect(hidden.statements).toEqual(unknown.statements);
  });

  it("_entities for another tenant's run runs exactly the statements of an unknown id", async () => {
    const otherRun = await queuedRun(server, bystander.id);
    const admin = tenantAdmin(own.id);
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on OperationRun { id } } }`;
    const representation = (id: string) => ({ r: [{ __typename: "OperationRun", id }] });
    const hidden = await countStatements(() => server.request(query, representation(otherRun), as(admin)));
    const unknown = await countStatements(() => server.request(query, representation(randomUUID()), as(admin)));
    expect(hidden.result.body.data).toEqual({ _entities: [null] });
    expect(hidden.result.body.errors).toBeUndefined();
    expect(hidden.statements).toEqual(unknown.statements);
  });

  it.each([
    ["tenant(id)", `query($id: ID!) { tenant(id: $id) { id } }`, (id: string) => ({ id })],
    [
      "_entities of a Tenant",
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id } } }`,
      (id: string) => ({ r: [{ __typename: "Tenant", id }] }),
    ],
  ])("%s of another tenant runs exactly the statements of an unknown id", async (_name, query, variables) => {
    const admin = tenantAdmin(own.id);
    const hidden = await countStatements(() => server.request(query, variables(bystander.id), as(admin)));
    const unknown = await countStatements(() => server.request(query, variables(randomUUID()), as(admin)));
    expect(answerOf(hidden.result.body)).toEqual(answerOf(unknown.result.body));
    expect(hidden.statements).toEqual(unknown.statements);
  });

  it("updateTenant on another tenant runs exactly the statements of an unknown id", async () => {
    const admin = tenantAdmin(own.id);
    const update = (tenantId: string) => server.request(UPDATE_TENANT, { input: { tenantId, name: "X" } }, as(admin));
    const hidden = await countStatements(() => update(bystander.id));
    const unknown = await countStatements(() => update(randomUUID()));
    expect(answerOf(hidden.result.body)).toEqual(answerOf(unknown.result.body));
    expect(hidden.statements).toEqual(unknown.statements);
  });
});

describe("idempotency records (docs/design.md §4)", () => {
  const QUOTA = 3;
  let quoted: TestServer;
  beforeAll(async () => {
    quoted = await startTestServer({
      databaseUrl: server.databaseUrl,
      env: { LIMIT_IDEMPOTENCY_RECORDS: String(QUOTA) },
    });
  });
  afterAll(async () => {
    await quoted?.close();
  });

  const recordsOf = async (persona: Persona) =>
    Number(
      (
        await server.database.pool.query<{ count: string }>(
          "SELECT count(*) AS count FROM idempotency_records WHERE principal_sub = $1",
          [persona.sub],
        )
      ).rows[0]?.count,
    );
  const eventsOf = async (tenantId: string) =>
    Number(
      (
        await server.database.pool.query<{ count: string }>("SELECT count(*) FROM audit_events WHERE tenant_id = $1", [
          tenantId,
        ])
      ).rows[0]?.count,
    );
  const rename = (on: TestServer, persona: Persona, tenantId: string, name: string, idempotencyKey?: string) =>
    on.request(UPDATE_TENANT, { input: { tenantId, name, idempotencyKey } }, as(persona));

  it("counts a principal's records on idempotency_records_principal_created_at_idx, never a scan", async () => {
    await server.database.pool.query(
      `INSERT INTO idempotency_records (principal_sub, principal_scope, mutation, key, request_hash, payload, expires_at)
       SELECT 'seeded-' || (n % 50), '', 'updateTenant', 'key-' || n, repeat('0', 64), '{}', now() + interval '1 day'
       FROM generate_series(1, 50000) AS n`,
    );
    await server.database.pool.query("ANALYZE idempotency_records");
    const sent: { text: string; values: readonly unknown[] }[] = [];
    const recording: SqlTransaction = {
      async rows<Row>(text: string, values: readonly unknown[] = []) {
        sent.push({ text, values });
        return [{ stored: "0" }] as Row[];
      },
    };
    await isIdempotencyQuotaReached(recording, { principalSub: "seeded-7", principalScope: "" }, 10_000);
    const [statement] = sent;
    const { rows } = await server.database.pool.query<{ "QUERY PLAN": unknown }>(
      `EXPLAIN (FORMAT JSON) ${statement?.text}`,
      [...(statement?.values ?? [])],
    );
    const plan = JSON.stringify(rows[0]?.["QUERY PLAN"]);
    expect(plan).toContain("idempotency_records_principal_created_at_idx");
    expect(plan).not.toContain("Seq Scan");
  });

  it("a no-op with a fresh key stores nothing, however often it is sent", async () => {
    const tenant = await activeTenant(server);
    const admin = tenantAdmin(tenant.id);
    await server.data(UPDATE_TENANT, { input: { tenantId: tenant.id, name: "Same Name" } }, as(admin));
    // One after another: a tenant user may have 8 requests in flight (design §6).
    const answers = [];
    for (let index = 0; index < 10; index += 1) {
      answers.push(await rename(server, admin, tenant.id, "Same Name", randomUUID()));
    }
    for (const { body } of answers) {
      expect(body.data).toMatchObject({ updateTenant: { auditEvent: null, userErrors: [] } });
    }
    expect(await recordsOf(admin)).toBe(0);
  });

  it("a no-op's key sent again runs again: a no-op again, or the change it has become", async () => {
    const tenant = await activeTenant(server);
    const admin = tenantAdmin(tenant.id);
    await rename(server, admin, tenant.id, "Before");
    const key = randomUUID();
    const noOp = await rename(server, admin, tenant.id, "Before", key);
    expect(noOp.body.data).toMatchObject({ updateTenant: { tenant: { name: "Before" }, auditEvent: null } });
    await rename(server, personas.operator, tenant.id, "Changed Meanwhile");
    const again = await rename(server, admin, tenant.id, "Before", key);
    // A change now, made and recorded — not a replay of the no-op's stale answer.
    expect(again.body.data).toMatchObject({
      updateTenant: { tenant: { name: "Before" }, auditEvent: { id: expect.any(String) }, userErrors: [] },
    });
    expect(await recordsOf(admin)).toBe(1);
  });

  it(`refuses a change that would store more than ${QUOTA} records per principal, changing nothing`, async () => {
    const tenant = await activeTenant(quoted);
    const admin = tenantAdmin(tenant.id);
    const keys = Array.from({ length: QUOTA }, () => randomUUID());
    for (const [index, key] of keys.entries()) {
      const { body } = await rename(quoted, admin, tenant.id, `Name ${index}`, key);
      expect(body.data).toMatchObject({ updateTenant: { userErrors: [] } });
    }
    const eventsBefore = await eventsOf(tenant.id);
    const refused = await rename(quoted, admin, tenant.id, "One Too Many", randomUUID());
    expect(refused.body.errors).toBeUndefined();
    expect(refused.body.data).toMatchObject({
      updateTenant: {
        tenant: null,
        auditEvent: null,
        userErrors: [{ code: "IDEMPOTENCY_QUOTA_EXCEEDED", field: ["input", "idempotencyKey"] }],
      },
    });
    // Nothing of it was written: not the change, its event, nor a record.
    const { tenant: current } = await quoted.data<{ tenant: { name: string } }>(
      `query($id: ID!) { tenant(id: $id) { name } }`,
      { id: tenant.id },
      as(admin),
    );
    expect(current.name).toBe(`Name ${QUOTA - 1}`);
    expect(await eventsOf(tenant.id)).toBe(eventsBefore);
    expect(await recordsOf(admin)).toBe(QUOTA);
    // Replays of stored keys, changes without a key and other principals are unaffected.
    const replay = await rename(quoted, admin, tenant.id, "Name 0", keys[0]);
    expect(replay.body.data).toMatchObject({ updateTenant: { tenant: { name: "Name 0" }, userErrors: [] } });
    const unkeyed = await rename(quoted, admin, tenant.id, "Without A Key");
    expect(unkeyed.body.data).toMatchObject({ updateTenant: { tenant: { name: "Without A Key" }, userErrors: [] } });
    const operator = await rename(quoted, personas.operator, tenant.id, "By The Operator", randomUUID());
    expect(operator.body.data).toMatchObject({ updateTenant: { tenant: { name: "By The Operator" }, userErrors: [] } });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
