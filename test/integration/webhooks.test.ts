// docs/design.md §9, webhooks end to end against a real PostgreSQL and a real local HTTP
// receiver: Standard Webhooks signatures checked by the reference verifier (`standardwebhooks`)
// across a rotation, CloudEvents bodies, FIFO per (endpoint, tenant) through an outage, two
// delivery loops delivering nothing twice, 410 and Retry-After, and SSRF refusals.
import { createPublicKey, randomUUID, verify } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DestinationPolicy } from "../../src/events/destinations.ts";
import { WebhookDispatcher, type WebhookDispatcherOptions } from "../../src/events/webhook-dispatcher.ts";
import { takeCheckpointIfDue } from "../../src/services/audit/audit-checkpoints.ts";
import { listPlatformAuditEvents, requestAuditCheckpoint } from "../../src/services/audit/audit-service.ts";
import { inTransaction, poolRows } from "../../src/services/database/sql.ts";
import type { ServiceContext } from "../../src/services/service-context.ts";
import { claimDeliveries } from "../../src/services/webhooks/webhook-store.ts";
import { ForbiddenError } from "../../src/services/errors.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  replayWebhookDeliveries,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from "../../src/services/webhooks/webhook-endpoint-service.ts";
import { personas, tenantAdmin, type Persona } from "../support/personas.ts";
import { startTestServer } from "../support/test-server.ts";
import { openServiceDatabase, type ServiceDatabase } from "../support/service-context.ts";
import { createDraft, ok, refusal, transition } from "../support/service-fixtures.ts";

const LOCAL: DestinationPolicy = { allowHttp: true, allowLoopback: true, allowPrivateNetworks: false };
const silent = pino({ level: "silent" });

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 answering with `answer()` (200 unless a test says otherwise). */
class Receiver {
  readonly received: Received[] = [];
  /** The client ports requests came from: one per connection. */
  readonly connections = new Set<number>();
  answer: () => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.connections.add(request.socket.remotePort ?? 0);
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const reply = this.answer();
        if (reply.status >= 200 && reply.status < 300) {
          this.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        }
        response.writeHead(reply.status, reply.headers).end("ok");
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  events(): { id: string; type: string; tenantId: string; sequence: number }[] {
    return this.received.map((entry) => {
      const event = JSON.parse(entry.body) as { id: string; type: string; subject: string; sequence: number };
      return { id: event.id, type: event.type, tenantId: event.subject, sequence: event.sequence };
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

let db: ServiceDatabase;
const receivers: Receiver[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  db = await openServiceDatabase();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const receiver of receivers.splice(0)) await receiver.close();
  // Each test starts with no endpoint (deliveries go with them).
  await db.query("DELETE FROM webhook_endpoints");
});
afterAll(async () => {
  await db?.close();
});

function webhooks(caller: Persona = personas.operator, policy = LOCAL): ServiceContext {
  return { ...db.context(caller), webhookPolicy: policy };
}

async function receiver(): Promise<{ receiver: Receiver; url: string }> {
  const created = new Receiver();
  receivers.push(created);
  return { receiver: created, url: await created.start() };
}

function dispatcher(
  pool: pg.Pool = db.database.pool,
  policy = LOCAL,
  options: Partial<WebhookDispatcherOptions> = {},
): WebhookDispatcher {
  return new WebhookDispatcher({
    pool,
    policy,
    source: "urn:test",
    concurrency: 8,
    pollIntervalMs: 10,
    logger: silent,
    ...options,
  });
}

/** Waits until the feed can read every committed event (the server's xmin passed them). */
async function settled(): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 20) {
    const [row] = await db.query<{ pending: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM audit_events WHERE feed_xid >= pg_snapshot_xmin(pg_current_snapshot()))
         OR EXISTS (SELECT 1 FROM platform_audit_events WHERE feed_xid >= pg_snapshot_xmin(pg_current_snapshot())) AS pending`,
    );
    if (!row?.pending) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the feed did not settle");
}

/** Passes of the loop until one finds nothing to do. */
async function drain(loop: WebhookDispatcher): Promise<void> {
  await settled();
  for (let pass = 0; pass < 200; pass += 1) {
    const done = await loop.pass();
    if (done.fanned === 0 && done.claimed === 0) return;
  }
  throw new Error("the delivery loop did not run dry in 200 passes");
}

/** Time passes: every pending delivery is due now. */
const fastForward = () => db.query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'PENDING'");

const headersOf = (entry: Received) => ({
  "webhook-id": entry.headers["webhook-id"] as string,
  "webhook-timestamp": entry.headers["webhook-timestamp"] as string,
  "webhook-signature": entry.headers["webhook-signature"] as string,
});

describe("a delivered event", () => {
  it("is a structured CloudEvent signed as Standard Webhooks, verifiable by the reference verifier across a rotation", async () => {
    const { receiver: hooks, url } = await receiver();
    const created = ok(await createWebhookEndpoint(webhooks(), { url, eventTypes: [] }));
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const loop = dispatcher();
    const tenant = await createDraft(db);
    await drain(loop);
    expect(hooks.received).toHaveLength(1);
    const [first] = hooks.received as [Received];
    expect(first.headers["content-type"]).toBe("application/cloudevents+json");
    const cloudEvent = new Webhook(created.secret).verify(first.body, headersOf(first)) as Record<string, unknown>;
    expect(cloudEvent).toMatchObject({
      specversion: "1.0",
      id: first.headers["webhook-id"],
      source: "urn:test",
      type: "tenant.created",
      subject: tenant.id,
      sequence: 1,
      data: { tenantId: tenant.id, sequence: 1 },
    });

    // Rotation with an overlap: both secrets sign, so receivers on either verify.
    const rotated = ok(
      await rotateWebhookSecret(webhooks(), { endpointId: created.endpoint.id, previousSecretExpiresInSeconds: 3600 }),
    );
    await transition(db, tenant.id, "START_ONBOARDING");
    await drain(loop);
    const second = hooks.received[1] as Received;
    expect((second.headers["webhook-signature"] as string).split(" ")).toHaveLength(2);
    expect(new Webhook(created.secret).verify(second.body, headersOf(second))).toMatchObject({ sequence: 2 });
    expect(new Webhook(rotated.secret).verify(second.body, headersOf(second))).toMatchObject({ sequence: 2 });

    // Rotation without one: the old secret no longer verifies.
    const again = ok(
      await rotateWebhookSecret(webhooks(), { endpointId: created.endpoint.id, previousSecretExpiresInSeconds: 0 }),
    );
    await transition(db, tenant.id, "ARCHIVE", { reason: "done" });
    await drain(loop);
    const third = hooks.received[2] as Received;
    expect(() => new Webhook(rotated.secret).verify(third.body, headersOf(third))).toThrow();
    expect(new Webhook(again.secret).verify(third.body, headersOf(third))).toMatchObject({ sequence: 3 });
  });

  it("goes only to endpoints taking its type, and not to one deleted", async () => {
    const { receiver: lifecycle, url } = await receiver();
    const { receiver: deleted, url: deletedUrl } = await receiver();
    ok(await createWebhookEndpoint(webhooks(), { url, eventTypes: ["tenant.lifecycle.start_onboarding"] }));
    const gone = ok(await createWebhookEndpoint(webhooks(), { url: deletedUrl }));
    ok(await deleteWebhookEndpoint(webhooks(), { endpointId: gone.endpoint.id }));
    const tenant = await createDraft(db);
    await transition(db, tenant.id, "START_ONBOARDING");
    await drain(dispatcher());
    expect(lifecycle.events().map((event) => event.type)).toEqual(["tenant.lifecycle.start_onboarding"]);
    expect(deleted.received).toEqual([]);
  });
});

describe("delivery", () => {
  it("after a receiver outage delivers everything, each tenant's events in order, none twice", async () => {
    const { receiver: hooks, url } = await receiver();
    const endpoint = ok(await createWebhookEndpoint(webhooks(), { url })).endpoint;
    hooks.answer = () => ({ status: 500 });
    const loop = dispatcher();
    const tenants = [await createDraft(db), await createDraft(db)];
    for (const tenant of tenants) {
      await transition(db, tenant.id, "START_ONBOARDING");
      await transition(db, tenant.id, "ARCHIVE", { reason: "gone" });
    }
    await drain(loop);
    // FIFO per (endpoint, tenant): only each tenant's first event was tried.
    const attempted = await db.query<{ tenant_sequence: number; attempts: number }>(
      "SELECT tenant_sequence, attempts FROM webhook_deliveries WHERE endpoint_id = $1 AND attempts > 0",
      [endpoint.id],
    );
    expect(attempted.map((row) => row.tenant_sequence)).toEqual([1, 1]);
    for (let outage = 0; outage < 3; outage += 1) {
      await fastForward();
      await drain(loop);
    }
    expect(hooks.received).toEqual([]);
    hooks.answer = () => ({ status: 204 });
    for (let round = 0; round < 5; round += 1) {
      await fastForward();
      await drain(loop);
    }
    const events = hooks.events();
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    for (const tenant of tenants) {
      expect(events.filter((event) => event.tenantId === tenant.id).map((event) => event.sequence)).toEqual([1, 2, 3]);
    }
    const [status] = await db.query<{ pending: number; succeeded: number }>(
      `SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS pending, count(*) FILTER (WHERE status = 'SUCCEEDED')::int AS succeeded
       FROM webhook_deliveries WHERE endpoint_id = $1`,
      [endpoint.id],
    );
    expect(status).toEqual({ pending: 0, succeeded: 6 });
  });

  it("by two loops on two pools at once reaches a healthy receiver once per event", async () => {
    const { receiver: hooks, url } = await receiver();
    ok(await createWebhookEndpoint(webhooks(), { url }));
    const otherPool = new pg.Pool({ connectionString: db.url, max: 4 });
    cleanups.push(() => otherPool.end());
    const tenants = await Promise.all(Array.from({ length: 6 }, () => createDraft(db)));
    await Promise.all(tenants.map((tenant) => transition(db, tenant.id, "START_ONBOARDING")));
    await settled();
    const loops = [dispatcher(), dispatcher(otherPool)];
    await Promise.all(loops.map((loop) => drain(loop)));
    await Promise.all(loops.map((loop) => drain(loop)));
    const ids = hooks.events().map((event) => event.id);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    for (const tenant of tenants) {
      expect(
        hooks
          .events()
          .filter((event) => event.tenantId === tenant.id)
          .map((event) => event.sequence),
      ).toEqual([1, 2]);
    }
  });

  it("claims several deliveries per sender in a pass, and sends them over kept-alive connections", async () => {
    const { receiver: hooks, url } = await receiver();
    ok(await createWebhookEndpoint(webhooks(), { url }));
    await Promise.all(Array.from({ length: 12 }, () => createDraft(db)));
    await settled();
    const loop = dispatcher(db.database.pool, LOCAL, { concurrency: 2 });
    cleanups.push(() => loop.stop());
    await loop.fanOut();
    // One pass takes four deliveries for each of its two senders, not two.
    expect((await loop.pass()).claimed).toBe(8);
    await drain(loop);
    expect(hooks.events()).toHaveLength(12);
    // Two senders, so two connections at most: not one per delivery.
    expect(hooks.connections.size).toBeLessThanOrEqual(2);
  });

  it("fails the pass, not the process, when an outcome cannot be written while other deliveries are being sent", async () => {
    const { url } = await receiver();
    ok(await createWebhookEndpoint(webhooks(), { url }));
    await Promise.all(Array.from({ length: 3 }, () => createDraft(db)));
    await settled();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    let answered = 0;
    // The first answer comes at once and its outcome cannot be written (the attempt log is gone);
    // the next ones are held while that write fails, so the sender is still busy sending.
    await db.query("ALTER TABLE webhook_attempts RENAME TO webhook_attempts_away");
    const loop = dispatcher(db.database.pool, LOCAL, { concurrency: 1, timeoutMs: 5_000 });
    cleanups.push(() => loop.stop());
    const slowHooks = createServer((request, response) => {
      request.resume();
      answered += 1;
      setTimeout(() => response.writeHead(200).end("ok"), answered === 1 ? 0 : 300);
    });
    await new Promise<void>((resolve) => slowHooks.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => slowHooks.close(() => resolve())));
    await db.query("UPDATE webhook_endpoints SET url = $1", [
      `http://127.0.0.1:${(slowHooks.address() as AddressInfo).port}/hooks`,
    ]);
    try {
      await loop.fanOut();
      await expect(loop.pass()).rejects.toThrow(/webhook_attempts/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await db.query("ALTER TABLE webhook_attempts_away RENAME TO webhook_attempts");
    }
    // Nothing was lost: once the leases expire, every event is delivered.
    await db.query("UPDATE webhook_deliveries SET lease_until = now() - interval '1 second' WHERE status = 'PENDING'");
    await drain(loop);
    expect(await db.query("SELECT id FROM webhook_deliveries WHERE status <> 'SUCCEEDED'")).toEqual([]);
  });

  it("disables an endpoint answering 410, and waits as long as Retry-After says on 429 and 503", async () => {
    const { receiver: gone, url: goneUrl } = await receiver();
    const { receiver: busy, url: busyUrl } = await receiver();
    gone.answer = () => ({ status: 410 });
    busy.answer = () => ({ status: 429, headers: { "retry-after": "120" } });
    const goneEndpoint = ok(await createWebhookEndpoint(webhooks(), { url: goneUrl })).endpoint;
    const busyEndpoint = ok(await createWebhookEndpoint(webhooks(), { url: busyUrl })).endpoint;
    await createDraft(db);
    await drain(dispatcher());
    const [endpoint] = await db.query<{ enabled: boolean; disabled_reason: string }>(
      "SELECT enabled, disabled_reason FROM webhook_endpoints WHERE id = $1",
      [goneEndpoint.id],
    );
    expect(endpoint).toEqual({ enabled: false, disabled_reason: "the endpoint answered 410 Gone" });
    const [waiting] = await db.query<{ status: string; wait: number; last_http_status: number }>(
      `SELECT status, EXTRACT(EPOCH FROM next_attempt_at - now())::float8 AS wait, last_http_status
       FROM webhook_deliveries WHERE endpoint_id = $1`,
      [busyEndpoint.id],
    );
    expect(waiting?.status).toBe("PENDING");
    expect(waiting?.last_http_status).toBe(429);
    expect(waiting?.wait).toBeGreaterThan(100);
    expect(waiting?.wait).toBeLessThanOrEqual(120);
    // A disabled endpoint's new events are kept for it, and replay schedules the failed ones again.
    await createDraft(db);
    await drain(dispatcher());
    const kept = await db.query<{ status: string }>(
      "SELECT status FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at",
      [goneEndpoint.id],
    );
    expect(kept.map((row) => row.status)).toEqual(["FAILED", "PENDING"]);
    gone.answer = () => ({ status: 200 });
    ok(await updateWebhookEndpoint(webhooks(), { endpointId: goneEndpoint.id, enabled: true }));
    const replayed = ok(
      await replayWebhookDeliveries(webhooks(), { endpointId: goneEndpoint.id, since: new Date(Date.now() - 60_000) }),
    );
    expect(replayed.scheduled).toBe(1);
    await drain(dispatcher());
    expect(gone.events()).toHaveLength(2);
  });

  it("disables an endpoint whose every attempt has failed for 5 days, and a success ends a failing streak", async () => {
    const { receiver: hooks, url } = await receiver();
    hooks.answer = () => ({ status: 500 });
    const endpoint = ok(await createWebhookEndpoint(webhooks(), { url })).endpoint;
    await createDraft(db);
    const loop = dispatcher();
    await drain(loop);
    const streak = () =>
      db.query<{ enabled: boolean; failing: boolean; disabled_reason: string | null }>(
        "SELECT enabled, failing_since IS NOT NULL AS failing, disabled_reason FROM webhook_endpoints WHERE id = $1",
        [endpoint.id],
      );
    expect(await streak()).toEqual([{ enabled: true, failing: true, disabled_reason: null }]);
    // Four days of failing: still enabled.
    await db.query("UPDATE webhook_endpoints SET failing_since = now() - interval '4 days' WHERE id = $1", [
      endpoint.id,
    ]);
    await fastForward();
    await drain(loop);
    expect((await streak())[0]?.enabled).toBe(true);
    // Past five days: the next failure disables it.
    await db.query("UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1", [
      endpoint.id,
    ]);
    await fastForward();
    await drain(loop);
    expect(await streak()).toEqual([
      { enabled: false, failing: true, disabled_reason: "every attempt failed for 5 days" },
    ]);
    // Enabled again by an operator, a success ends the streak.
    hooks.answer = () => ({ status: 200 });
    ok(await updateWebhookEndpoint(webhooks(), { endpointId: endpoint.id, enabled: true }));
    await fastForward();
    await drain(loop);
    expect(await streak()).toEqual([{ enabled: true, failing: false, disabled_reason: null }]);
    expect(hooks.received).toHaveLength(1);
  });

  it("gives up after the Standard Webhooks schedule: FAILED after the tenth attempt", async () => {
    const { receiver: hooks, url } = await receiver();
    hooks.answer = () => ({ status: 500 });
    const endpoint = ok(await createWebhookEndpoint(webhooks(), { url })).endpoint;
    await createDraft(db);
    const loop = dispatcher();
    await drain(loop);
    for (let attempt = 1; attempt < 10; attempt += 1) {
      await fastForward();
      await drain(loop);
    }
    const [delivery] = await db.query<{ status: string; attempts: number }>(
      "SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1",
      [endpoint.id],
    );
    expect(delivery).toEqual({ status: "FAILED", attempts: 10 });
  });
});

describe("a signed checkpoint (docs/design.md §4: copies live outside the database)", () => {
  /** What a subscriber receives: a CloudEvent whose data holds the checkpoint. */
  interface CheckpointCloudEvent {
    id: string;
    type: string;
    subject: string;
    time: string;
    tenantid?: string;
    sequence?: number;
    data: {
      subjectId: string;
      actor: { type: string; id: string };
      requestId: string | null;
      changes: {
        checkpoint: {
          id: string;
          createdAt: string;
          tenantCount: number;
          root: string;
          publicKeyId: string;
          signature: string;
          requestedBy: string | null;
        };
      };
    };
  }

  /** The check an outside party makes with the public key alone (docs/audit-evidence.md's statement). */
  function verifiesWithPublicKey(checkpoint: CheckpointCloudEvent["data"]["changes"]["checkpoint"]): boolean {
    const statement = [
      "tenant-lifecycle audit checkpoint v1",
      checkpoint.id,
      checkpoint.createdAt,
      String(checkpoint.tenantCount),
      checkpoint.root,
      checkpoint.publicKeyId,
      checkpoint.requestedBy ?? "",
    ].join("\n");
    const publicKey = createPublicKey(db.context(personas.operator).auditKeys.signer.publicKeyPem);
    return verify(null, Buffer.from(statement, "utf8"), publicKey, Buffer.from(checkpoint.signature, "base64"));
  }

  it("periodic or asked for by an operator, is delivered as an audit.checkpoint.created event to its subscribers, signed and verifiable", async () => {
    const { receiver: checkpoints, url } = await receiver();
    const { receiver: everything, url: everythingUrl } = await receiver();
    const { receiver: tenantsOnly, url: tenantsUrl } = await receiver();
    const subscribed = ok(await createWebhookEndpoint(webhooks(), { url, eventTypes: ["audit.checkpoint.created"] }));
    ok(await createWebhookEndpoint(webhooks(), { url: everythingUrl, eventTypes: [] }));
    ok(await createWebhookEndpoint(webhooks(), { url: tenantsUrl, eventTypes: ["tenant.created"] }));
    const loop = dispatcher();
    await drain(loop);
    const tenant = await createDraft(db);

    // The periodic one (the system's) and one an operator asks for.
    const periodic = await inTransaction(db.database.pool, (tx) =>
      takeCheckpointIfDue(tx, db.context(personas.operator).auditKeys.signer, 0),
    );
    const asked = await requestAuditCheckpoint(db.context(personas.operator, { requestId: "req-checkpoint" }));
    await drain(loop);

    expect(checkpoints.received).toHaveLength(2);
    // Platform events keep no FIFO order among themselves (design §9): matched by checkpoint id.
    const delivered = checkpoints.received
      .map((entry) => ({
        webhookId: entry.headers["webhook-id"],
        event: new Webhook(subscribed.secret).verify(entry.body, headersOf(entry)) as CheckpointCloudEvent,
      }))
      .sort((a, b) => Number(a.event.subject) - Number(b.event.subject));
    const stored = await db.query<{ id: string; actor_type: string; actor_id: string; request_id: string | null }>(
      `SELECT id, actor_type, actor_id, request_id FROM platform_audit_events
       WHERE action = 'audit.checkpoint.created' ORDER BY position`,
    );
    expect(stored.map((row) => row.actor_type)).toEqual(["SYSTEM", "OPERATOR"]);
    for (const [index, checkpoint] of [periodic, asked].entries()) {
      const event = delivered[index]?.event as CheckpointCloudEvent;
      expect(delivered[index]?.webhookId).toBe(stored[index]?.id);
      expect(event).toMatchObject({
        id: stored[index]?.id,
        type: "audit.checkpoint.created",
        subject: checkpoint?.id,
        data: {
          subjectId: checkpoint?.id,
          actor: { type: stored[index]?.actor_type, id: stored[index]?.actor_id },
          requestId: stored[index]?.request_id ?? null,
          changes: {
            checkpoint: {
              id: checkpoint?.id,
              createdAt: checkpoint?.createdAt.toISOString(),
              tenantCount: checkpoint?.tenantCount,
              root: checkpoint?.root,
              publicKeyId: checkpoint?.publicKeyId,
              signature: checkpoint?.signature,
              requestedBy: checkpoint?.requestedBy ?? null,
            },
          },
        },
      });
      // A platform event belongs to no tenant.
      expect(event.tenantid).toBeUndefined();
      expect(event.sequence).toBeUndefined();
      expect(verifiesWithPublicKey(event.data.changes.checkpoint)).toBe(true);
    }
    expect(delivered[0]?.event.data.actor).toEqual({ type: "SYSTEM", id: "audit-checkpoint-schedule" });
    expect(delivered[1]?.event.data).toMatchObject({
      actor: { type: "OPERATOR", id: personas.operator.sub },
      requestId: "req-checkpoint",
      changes: { checkpoint: { requestedBy: personas.operator.sub } },
    });
    // A tampered copy does not verify.
    const forged = { ...(delivered[1]?.event as CheckpointCloudEvent).data.changes.checkpoint, tenantCount: 0 };
    expect(verifiesWithPublicKey(forged)).toBe(false);

    // Every type: the tenant's event and both checkpoints; tenant.created only: no checkpoint.
    expect(
      everything
        .events()
        .map((event) => event.type)
        .sort(),
    ).toEqual(["audit.checkpoint.created", "audit.checkpoint.created", "tenant.created"]);
    expect(tenantsOnly.events()).toEqual([
      { id: expect.any(String), type: "tenant.created", tenantId: tenant.id, sequence: 1 },
    ]);
  });

  it("committing after a later tenant event, is neither skipped nor repeated: both tables follow one order", async () => {
    const { receiver: hooks, url } = await receiver();
    ok(await createWebhookEndpoint(webhooks(), { url, eventTypes: [] }));
    const loop = dispatcher();
    await drain(loop);
    const signer = db.context(personas.operator).auditKeys.signer;
    let taken!: () => void;
    let commit!: () => void;
    const checkpointTaken = new Promise<void>((resolve) => (taken = resolve));
    const committing = new Promise<void>((resolve) => (commit = resolve));
    const open = inTransaction(db.database.pool, async (tx) => {
      const checkpoint = await takeCheckpointIfDue(tx, signer, 0);
      taken();
      await committing;
      return checkpoint;
    });
    await checkpointTaken;
    // A tenant's event commits first, in a later transaction: the feed holds it back, never skips.
    const tenant = await createDraft(db);
    expect(await loop.fanOut()).toBe(0);
    commit();
    const checkpoint = await open;
    await drain(loop);
    const received = hooks.events();
    expect(received.map((event) => [event.type, event.tenantId]).sort()).toEqual([
      ["audit.checkpoint.created", checkpoint?.id],
      ["tenant.created", tenant.id],
    ]);
    const [cursor] = await db.query<{ at_end: boolean }>(
      `SELECT (c.feed_xid, c.position) = (p.feed_xid, p.position) OR (c.feed_xid, c.position) = (a.feed_xid, a.position) AS at_end
       FROM webhook_dispatch_cursor c,
         (SELECT feed_xid, position FROM platform_audit_events WHERE feed_xid IS NOT NULL ORDER BY feed_xid DESC, position DESC LIMIT 1) p,
         (SELECT feed_xid, position FROM audit_events ORDER BY feed_xid DESC, position DESC LIMIT 1) a`,
    );
    expect(cursor?.at_end).toBe(true);
    await fastForward();
    await drain(loop);
    expect(hooks.events()).toHaveLength(2);
  });

  it("is in the platform audit trail, and a checkpoint rolled back emits nothing", async () => {
    const { receiver: hooks, url } = await receiver();
    ok(await createWebhookEndpoint(webhooks(), { url, eventTypes: ["audit.checkpoint.created"] }));
    const loop = dispatcher();
    await drain(loop);
    const signer = db.context(personas.operator).auditKeys.signer;
    await expect(
      inTransaction(db.database.pool, async (tx) => {
        await takeCheckpointIfDue(tx, signer, 0);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    await drain(loop);
    expect(hooks.received).toEqual([]);

    const checkpoint = await requestAuditCheckpoint(db.context(personas.operator));
    const page = await listPlatformAuditEvents(db.context(personas.supportAll), { first: 5, subjectId: checkpoint.id });
    expect(page.items.map((item) => [item.node.action, item.node.subjectId])).toEqual([
      ["audit.checkpoint.created", checkpoint.id],
    ]);
    await drain(loop);
    expect(hooks.events().map((event) => event.type)).toEqual(["audit.checkpoint.created"]);
  });
});

describe("the fan-out with no endpoint (a deploy on a large fleet)", () => {
  const cursorOf = async () =>
    (
      await db.query<{ feed_xid: string; position: string }>(
        "SELECT feed_xid::text, position::text FROM webhook_dispatch_cursor WHERE id = 1",
      )
    )[0];
  const lastEvent = async () =>
    (
      await db.query<{ feed_xid: string; position: string }>(
        `SELECT feed_xid::text AS feed_xid, position::text AS position FROM audit_events e
         ORDER BY e.feed_xid DESC, e.position DESC LIMIT 1`,
      )
    )[0];

  it("moves the cursor to the feed's end in one pass instead of walking the events", async () => {
    // 1 200 events (more than two fan-out batches of 500) recorded while no endpoint exists.
    const tenant = await createDraft(db);
    await db.query(
      `INSERT INTO audit_events (id, tenant_id, sequence, action, actor_type, actor_id, changes, occurred_at, hash)
       SELECT gen_random_uuid(), $1, n, 'tenant.updated', 'OPERATOR', 'seed', '{}'::jsonb, now(), repeat('0', 64)
       FROM generate_series(2, 1201) AS n`,
      [tenant.id],
    );
    await settled();
    const deliveries = async () => (await db.query("SELECT 1 FROM webhook_deliveries")).length;
    const before = await deliveries();
    const loop = dispatcher();
    expect(await loop.fanOut()).toBe(0);
    expect(await cursorOf()).toEqual(await lastEvent());
    expect(await deliveries()).toBe(before);
  });

  it("never jumps past an event committing later: it stops below the snapshot's xmin", async () => {
    const loop = dispatcher();
    await settled();
    await loop.fanOut();
    const start = await cursorOf();
    // A writing transaction holds the xmin back; an event after it commits meanwhile.
    const writer = await db.database.pool.connect();
    try {
      await writer.query("BEGIN");
      await writer.query("SELECT pg_current_xact_id()");
      await createDraft(db);
      await loop.fanOut();
      expect(await cursorOf()).toEqual(start);
    } finally {
      await writer.query("ROLLBACK");
      writer.release();
    }
    await settled();
    await loop.fanOut();
    expect(await cursorOf()).toEqual(await lastEvent());
  });

  it("an endpoint created waits for the cursor's lock, is stamped after it, and receives every event after its creation", async () => {
    const { receiver: hooks, url } = await receiver();
    const loop = dispatcher();
    const earlier = await createDraft(db);
    // A fan-out pass holds the cursor (it may be moving it past the feed): creation waits for it.
    const pass = await db.database.pool.connect();
    let created = false;
    let endpoint: Promise<Awaited<ReturnType<typeof createWebhookEndpoint>>>;
    let released: Date;
    try {
      await pass.query("BEGIN");
      await pass.query("SELECT 1 FROM webhook_dispatch_cursor WHERE id = 1 FOR UPDATE");
      endpoint = createWebhookEndpoint(webhooks(), { url }).then((outcome) => {
        created = true;
        return outcome;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(created).toBe(false);
      released = (await pass.query<{ now: Date }>("SELECT clock_timestamp() AS now")).rows[0]?.now as Date;
      await pass.query("COMMIT");
    } finally {
      pass.release();
    }
    const { endpoint: made } = ok(await endpoint);
    expect(made.createdAt.getTime()).toBeGreaterThanOrEqual(released.getTime());
    const later = await createDraft(db);
    await drain(loop);
    expect(hooks.events().map((event) => event.tenantId)).toEqual([later.id]);
    expect(hooks.events().map((event) => event.tenantId)).not.toContain(earlier.id);
  });
});

describe("a crash between sending and recording", () => {
  it("leaves the lease to expire, and the event is sent again with the same webhook-id", async () => {
    const { receiver: hooks, url } = await receiver();
    const endpoint = ok(await createWebhookEndpoint(webhooks(), { url })).endpoint;
    const tenant = await createDraft(db);
    const loop = dispatcher();
    await settled();
    await loop.fanOut();
    // A process claims the delivery (and, say, sends it), then dies before recording the outcome.
    const [claimed] = await claimDeliveries(poolRows(db.database.pool), 10, randomUUID(), 60);
    expect(claimed?.endpointId).toBe(endpoint.id);
    await drain(loop);
    expect(hooks.received).toEqual([]);
    // The lease runs out.
    await db.query("UPDATE webhook_deliveries SET lease_until = now() - interval '1 second' WHERE id = $1", [
      claimed?.id,
    ]);
    await drain(loop);
    expect(hooks.received.map((entry) => entry.headers["webhook-id"])).toEqual([claimed?.eventId]);
    const [event] = await db.query<{ id: string }>("SELECT id FROM audit_events WHERE tenant_id = $1", [tenant.id]);
    expect(claimed?.eventId).toBe(event?.id);
    const [delivery] = await db.query<{ attempts: number; status: string }>(
      "SELECT attempts, status FROM webhook_deliveries WHERE id = $1",
      [claimed?.id],
    );
    expect(delivery).toEqual({ attempts: 2, status: "SUCCEEDED" });
  });
});

describe("endpoints", () => {
  it("are managed by platform:operator only, and refuse destinations outside the policy", async () => {
    await expect(
      createWebhookEndpoint(webhooks(personas.supportAll), { url: "https://example.com/h" }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const someTenant = await createDraft(db);
    await expect(
      createWebhookEndpoint(webhooks(tenantAdmin(someTenant.id)), { url: "https://example.com/h" }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const production: DestinationPolicy = { allowHttp: false, allowLoopback: false, allowPrivateNetworks: false };
    for (const [url, message] of [
      ["http://example.com/h", /https/],
      ["https://169.254.169.254/latest/meta-data", /link-local/],
      ["https://10.1.2.3/h", /private/],
      ["https://[::ffff:127.0.0.1]/h", /loopback/],
      ["https://localhost:8443/h", /loopback/],
      ["https://user:pass@example.com/h", /credentials/],
    ] as const) {
      const errors = refusal(await createWebhookEndpoint(webhooks(personas.operator, production), { url }));
      expect(errors[0]?.code, url).toBe("INVALID_INPUT");
      expect(errors[0]?.message, url).toMatch(message);
    }
    expect(
      refusal(await createWebhookEndpoint(webhooks(), { url: "https://example.com/h", eventTypes: ["tenant.gone"] }))[0]
        ?.message,
    ).toMatch(/unknown event types/);
  });

  it("are not reached when the policy refuses the address at send time", async () => {
    const { receiver: hooks, url } = await receiver();
    const endpoint = ok(await createWebhookEndpoint(webhooks(), { url })).endpoint;
    await createDraft(db);
    await drain(dispatcher(db.database.pool, { allowHttp: true, allowLoopback: false, allowPrivateNetworks: false }));
    expect(hooks.received).toEqual([]);
    const [delivery] = await db.query<{ last_error: string; status: string }>(
      "SELECT last_error, status FROM webhook_deliveries WHERE endpoint_id = $1",
      [endpoint.id],
    );
    expect(delivery?.last_error).toMatch(/loopback/);
    expect(delivery?.status).toBe("PENDING");
  });
});

describe("endpoint changes (docs/design.md §9: audited like every change)", () => {
  interface PlatformRow {
    action: string;
    subject_id: string;
    actor_type: string;
    actor_id: string;
    request_id: string;
    changes: Record<string, unknown>;
  }
  const platformRows = () =>
    db.query<PlatformRow>(
      "SELECT action, subject_id, actor_type, actor_id, request_id, changes FROM platform_audit_events ORDER BY occurred_at, id",
    );
  const as = (requestId: string) => ({ ...db.context(personas.operator, { requestId }), webhookPolicy: LOCAL });

  it("write one platform record per change, with actor, request id and the change, and never a secret", async () => {
    const before = (await platformRows()).length;
    const created = ok(
      await createWebhookEndpoint(as("req-create"), { url: "https://example.com/a", eventTypes: ["tenant.created"] }),
    );
    const id = created.endpoint.id;
    ok(await updateWebhookEndpoint(as("req-update"), { endpointId: id, url: "https://example.com/b", enabled: false }));
    const rotated = ok(
      await rotateWebhookSecret(as("req-rotate"), { endpointId: id, previousSecretExpiresInSeconds: 60 }),
    );
    ok(await replayWebhookDeliveries(as("req-replay"), { endpointId: id, since: new Date(Date.now() - 60_000) }));
    ok(await deleteWebhookEndpoint(as("req-delete"), { endpointId: id }));

    const rows = (await platformRows()).slice(before);
    expect(rows.map((row) => [row.action, row.request_id, row.subject_id])).toEqual([
      ["webhook_endpoint.created", "req-create", id],
      ["webhook_endpoint.updated", "req-update", id],
      ["webhook_endpoint.secret_rotated", "req-rotate", id],
      ["webhook_endpoint.deliveries_replayed", "req-replay", id],
      ["webhook_endpoint.deleted", "req-delete", id],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ actor_type: "OPERATOR", actor_id: personas.operator.sub });
    }
    expect(rows[0]?.changes).toMatchObject({
      url: { from: null, to: "https://example.com/a" },
      eventTypes: { from: null, to: ["tenant.created"] },
      version: { from: null, to: 1 },
    });
    expect(rows[1]?.changes).toEqual({
      url: { from: "https://example.com/a", to: "https://example.com/b" },
      enabled: { from: true, to: false },
      disabledReason: { from: null, to: "disabled by an operator" },
      version: { from: 1, to: 2 },
    });
    expect(rows[2]?.changes).toEqual({ version: { from: 2, to: 3 }, previousSecretExpiresInSeconds: 60 });
    expect(rows[3]?.changes).toMatchObject({ onlyFailed: true, scheduled: 0 });
    expect(rows[4]?.changes).toMatchObject({ url: { from: "https://example.com/b", to: null } });
    const everything = JSON.stringify(rows);
    for (const secret of [created.secret, rotated.secret]) {
      expect(everything).not.toContain(secret.slice(6));
    }
  });

  it("made by the delivery loop (410, 5 days failing) are recorded like an operator's, the system as actor", async () => {
    const { receiver: gone, url: goneUrl } = await receiver();
    const { receiver: failing, url: failingUrl } = await receiver();
    gone.answer = () => ({ status: 410 });
    failing.answer = () => ({ status: 500 });
    const goneEndpoint = ok(await createWebhookEndpoint(as("setup-gone"), { url: goneUrl })).endpoint;
    const failingEndpoint = ok(await createWebhookEndpoint(as("setup-failing"), { url: failingUrl })).endpoint;
    const loop = dispatcher();
    await createDraft(db);
    await drain(loop);
    await db.query("UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1", [
      failingEndpoint.id,
    ]);
    await fastForward();
    await drain(loop);
    // Another failure of an endpoint already disabled changes nothing more, and writes nothing.
    await createDraft(db);
    await fastForward();
    await drain(loop);

    const bySubject = async (id: string) =>
      (await platformRows()).filter((row) => row.subject_id === id && row.action !== "webhook_endpoint.created");
    for (const [endpoint, reason] of [
      [goneEndpoint, "the endpoint answered 410 Gone"],
      [failingEndpoint, "every attempt failed for 5 days"],
    ] as const) {
      const rows = await bySubject(endpoint.id);
      expect(rows).toEqual([
        {
          action: "webhook_endpoint.updated",
          subject_id: endpoint.id,
          actor_type: "SYSTEM",
          actor_id: "webhook-delivery-loop",
          request_id: null,
          changes: {
            enabled: { from: true, to: false },
            disabledReason: { from: null, to: reason },
            version: { from: 1, to: 2 },
          },
        },
      ]);
      const [stored] = await db.query<{ enabled: boolean; version: number; disabled_reason: string }>(
        "SELECT enabled, version, disabled_reason FROM webhook_endpoints WHERE id = $1",
        [endpoint.id],
      );
      expect(stored).toEqual({ enabled: false, version: 2, disabled_reason: reason });
    }
    // Listed like every platform change.
    const page = await listPlatformAuditEvents(db.context(personas.supportAll), {
      first: 5,
      subjectId: goneEndpoint.id,
    });
    expect(page.items.map((item) => [item.node.action, item.node.actorType, item.node.actorId])).toEqual([
      ["webhook_endpoint.updated", "SYSTEM", "webhook-delivery-loop"],
      ["webhook_endpoint.created", "OPERATOR", personas.operator.sub],
    ]);
  });

  it("write nothing for a refused change, and nothing is changed when the record cannot be written", async () => {
    const endpoint = ok(await createWebhookEndpoint(as("setup"), { url: "https://example.com/a" })).endpoint;
    const before = (await platformRows()).length;
    await expect(
      createWebhookEndpoint(webhooks(personas.supportAll), { url: "https://example.com/h" }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    refusal(await createWebhookEndpoint(as("bad-url"), { url: "ftp://example.com/h" }));
    refusal(
      await updateWebhookEndpoint(as("stale"), {
        endpointId: endpoint.id,
        url: "https://example.com/z",
        expectedVersion: 7,
      }),
    );
    refusal(await updateWebhookEndpoint(as("unknown"), { endpointId: randomUUID(), url: "https://example.com/z" }));
    refusal(await rotateWebhookSecret(as("overlap"), { endpointId: endpoint.id, previousSecretExpiresInSeconds: -1 }));
    refusal(
      await replayWebhookDeliveries(as("range"), { endpointId: endpoint.id, since: new Date(), until: new Date(0) }),
    );
    refusal(await deleteWebhookEndpoint(as("gone"), { endpointId: randomUUID() }));
    expect(await platformRows()).toHaveLength(before);

    // The record is written in the change's transaction: when it fails, the change is undone.
    await db.query(
      "ALTER TABLE platform_audit_events ADD CONSTRAINT refuse_updates CHECK (action <> 'webhook_endpoint.updated') NOT VALID",
    );
    try {
      await expect(
        updateWebhookEndpoint(as("rolled-back"), { endpointId: endpoint.id, url: "https://example.com/never" }),
      ).rejects.toThrow(/refuse_updates/);
    } finally {
      await db.query("ALTER TABLE platform_audit_events DROP CONSTRAINT refuse_updates");
    }
    const [stored] = await db.query<{ url: string; version: number }>(
      "SELECT url, version FROM webhook_endpoints WHERE id = $1",
      [endpoint.id],
    );
    expect(stored).toEqual({ url: "https://example.com/a", version: 1 });
    expect(await platformRows()).toHaveLength(before);
    await expect(db.query("DELETE FROM platform_audit_events")).rejects.toThrow(/append-only/);
  });
});

describe("the GraphQL API", () => {
  it("creates an endpoint (secret shown once), lists its deliveries with their events and attempts, and logs no secret", async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const { receiver: hooks, url } = await receiver();
    const created = await server.data<{
      createWebhookEndpoint: { endpoint: { id: string; eventTypes: string[]; enabled: boolean }; secret: string };
    }>(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, eventTypes: ["tenant.created"] }) {
        endpoint { id eventTypes enabled } secret userErrors { code } } }`,
      { url },
      { as: personas.operator },
    );
    const { endpoint, secret } = created.createWebhookEndpoint;
    expect(endpoint).toMatchObject({ eventTypes: ["tenant.created"], enabled: true });
    await server.data(
      `mutation { createTenant(input: { slug: "hooked-${Date.now()}", name: "Hooked" }) { tenant { id } } }`,
      {},
      { as: personas.operator },
    );
    const loop = dispatcher(server.database.pool, LOCAL, { concurrency: 4 });
    await settled();
    // The server's own database is another one than db's: wait on its feed too.
    for (let pass = 0; pass < 200 && hooks.received.length === 0; pass += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await loop.pass();
    }
    expect(hooks.received).toHaveLength(1);
    expect(
      new Webhook(secret).verify((hooks.received[0] as Received).body, headersOf(hooks.received[0] as Received)),
    ).toMatchObject({
      type: "tenant.created",
    });
    const read = await server.data<{
      webhookEndpoint: { deliveries: { edges: { node: Record<string, unknown> }[] } };
    }>(
      `query($id: ID!) { webhookEndpoint(id: $id) { deliveries(first: 5, status: [SUCCEEDED]) { edges { node {
        status attempts event { type sequence } lastAttempt { httpStatus durationMs } } } } } }`,
      { id: endpoint.id },
      { as: personas.supportRead },
    );
    expect(read.webhookEndpoint.deliveries.edges.map((edge) => edge.node)).toEqual([
      {
        status: "SUCCEEDED",
        attempts: 1,
        event: { type: "tenant.created", sequence: 1 },
        lastAttempt: { httpStatus: 200, durationMs: expect.any(Number) },
      },
    ]);
    const rotated = await server.data<{ rotateWebhookSecret: { secret: string } }>(
      `mutation($id: ID!) { rotateWebhookSecret(input: { endpointId: $id, previousSecretExpiresInSeconds: 0 }) { secret userErrors { code } } }`,
      { id: endpoint.id },
      { as: personas.operator },
    );
    expect(rotated.rotateWebhookSecret.secret).toMatch(/^whsec_/);
    const trail = await server.data<{
      platformAuditEvents: { edges: { node: { action: string; actor: { type: string }; changes: unknown } }[] };
    }>(
      `query($id: ID!) { platformAuditEvents(subjectId: $id) { edges { node { action actor { type } changes requestId } } } }`,
      { id: endpoint.id },
      { as: personas.supportRead },
    );
    expect(trail.platformAuditEvents.edges.map((edge) => edge.node.action)).toEqual([
      "webhook_endpoint.secret_rotated",
      "webhook_endpoint.created",
    ]);
    expect(JSON.stringify(trail)).not.toContain(secret.slice(6));
    expect(JSON.stringify(trail)).not.toContain(rotated.rotateWebhookSecret.secret.slice(6));
    expect(server.logs.join("\n")).not.toContain(secret.slice(6));
    expect(server.logs.join("\n")).not.toContain(rotated.rotateWebhookSecret.secret.slice(6));
  });

  it("lists a checkpoint's delivery with its platform event under platformEventDeliveries, not deliveries", async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const { receiver: hooks, url } = await receiver();
    const created = await server.data<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, eventTypes: ["audit.checkpoint.created"] }) {
        endpoint { id } userErrors { code } } }`,
      { url },
      { as: personas.operator },
    );
    const endpointId = created.createWebhookEndpoint.endpoint.id;
    const taken = await server.data<{ createAuditCheckpoint: { checkpoint: { id: string; root: string } } }>(
      `mutation { createAuditCheckpoint { checkpoint { id root } userErrors { code } } }`,
      {},
      { as: personas.operator },
    );
    const checkpoint = taken.createAuditCheckpoint.checkpoint;
    const loop = dispatcher(server.database.pool, LOCAL, { concurrency: 4 });
    for (let pass = 0; pass < 200 && hooks.received.length === 0; pass += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await loop.pass();
    }
    expect(hooks.events().map((event) => [event.type, event.tenantId])).toEqual([
      ["audit.checkpoint.created", checkpoint.id],
    ]);
    const read = await server.data<{
      webhookEndpoint: {
        deliveries: { edges: unknown[] };
        platformEventDeliveries: { edges: { node: Record<string, unknown> }[] };
      };
    }>(
      `query($id: ID!) { webhookEndpoint(id: $id) { deliveries { edges { node { id } } }
        platformEventDeliveries(first: 5, status: [SUCCEEDED]) { edges { node {
          status attempts lastAttempt { httpStatus } attemptLog { httpStatus }
          event { action subjectId actor { type id } changes } } } } } }`,
      { id: endpointId },
      { as: personas.supportRead },
    );
    expect(read.webhookEndpoint.deliveries.edges).toEqual([]);
    expect(read.webhookEndpoint.platformEventDeliveries.edges.map((edge) => edge.node)).toEqual([
      {
        status: "SUCCEEDED",
        attempts: 1,
        lastAttempt: { httpStatus: 200 },
        attemptLog: [{ httpStatus: 200 }],
        event: {
          action: "audit.checkpoint.created",
          subjectId: checkpoint.id,
          actor: { type: "OPERATOR", id: personas.operator.sub },
          changes: { checkpoint: expect.objectContaining({ id: checkpoint.id, root: checkpoint.root }) },
        },
      },
    ]);
  });

  it("lists every attempt of a delivery — a receiver failing, then answering 2xx — in its attempt log", async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const { receiver: hooks, url } = await receiver();
    let calls = 0;
    hooks.answer = () => {
      calls += 1;
      return calls === 1 ? { status: 500 } : calls === 2 ? { status: 404 } : { status: 204 };
    };
    const created = await server.data<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { endpoint { id } } }`,
      { url },
      { as: personas.operator },
    );
    const endpointId = created.createWebhookEndpoint.endpoint.id;
    await server.data(
      `mutation { createTenant(input: { slug: "logged-${Date.now()}", name: "Logged" }) { tenant { id } } }`,
      {},
      { as: personas.operator },
    );
    const loop = dispatcher(server.database.pool, LOCAL, { concurrency: 4 });
    for (let pass = 0; pass < 400 && hooks.received.length === 0; pass += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      await server.database.pool.query(
        "UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'PENDING'",
      );
      await loop.pass();
    }
    expect(hooks.received).toHaveLength(1);
    const read = await server.data<{
      webhookEndpoint: {
        deliveries: { edges: { node: { status: string; attempts: number; attemptLog: unknown[] } }[] };
      };
    }>(
      `query($id: ID!) { webhookEndpoint(id: $id) { deliveries { edges { node {
        status attempts attemptLog { at httpStatus durationMs error } } } } } }`,
      { id: endpointId },
      { as: personas.supportRead },
    );
    const [delivery] = read.webhookEndpoint.deliveries.edges.map((edge) => edge.node);
    expect(delivery).toMatchObject({ status: "SUCCEEDED", attempts: 3 });
    expect(delivery?.attemptLog).toEqual([
      { at: expect.any(String), httpStatus: 500, durationMs: expect.any(Number), error: "HTTP 500" },
      { at: expect.any(String), httpStatus: 404, durationMs: expect.any(Number), error: "HTTP 404" },
      { at: expect.any(String), httpStatus: 204, durationMs: expect.any(Number), error: null },
    ]);
    const times = (delivery?.attemptLog as { at: string }[]).map((attempt) => Date.parse(attempt.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});

describe("the attempt log", () => {
  it("keeps the latest 20 attempts of a delivery replayed again and again", async () => {
    const { receiver: hooks, url } = await receiver();
    hooks.answer = () => ({ status: 500 });
    const endpoint = ok(await createWebhookEndpoint(webhooks(), { url })).endpoint;
    await createDraft(db);
    const loop = dispatcher();
    const since = new Date(Date.now() - 60_000);
    for (let round = 0; round < 3; round += 1) {
      await drain(loop);
      for (let attempt = 1; attempt < 10; attempt += 1) {
        await fastForward();
        await drain(loop);
      }
      if (round < 2) ok(await replayWebhookDeliveries(webhooks(), { endpointId: endpoint.id, since }));
    }
    const log = await db.query<{ http_status: number }>(
      `SELECT a.http_status FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       WHERE d.endpoint_id = $1`,
      [endpoint.id],
    );
    // 30 attempts were made (three schedules of 10); the log holds the last 20.
    expect(log).toHaveLength(20);
    const [delivery] = await db.query<{ status: string; attempts: number }>(
      "SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1",
      [endpoint.id],
    );
    expect(delivery).toEqual({ status: "FAILED", attempts: 10 });
  });
});
