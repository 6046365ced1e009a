// docs/design.md §9, the NATS JetStream sink against a real NATS (TEST_NATS_URL; `.ci/run` sets
// it): subjects per type and tenant, CloudEvents binary headers, Nats-Msg-Id = the event id
// (a republished event is a duplicate), and a restarted runner resumes from the cursor in the
// database with nothing lost and nothing twice.
import { randomBytes } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NatsSink } from "../../src/events/nats-sink.ts";
import { SinkRunner } from "../../src/events/sink-runner.ts";
import { outgoingTenantEvent } from "../../src/services/events/outbox.ts";
import { requestAuditCheckpoint } from "../../src/services/audit/audit-service.ts";
import { openServiceDatabase, type ServiceDatabase } from "../support/service-context.ts";
import { auditEventsOf, createDraft, transition } from "../support/service-fixtures.ts";
import { personas } from "../support/personas.ts";
import { startTestServer } from "../support/test-server.ts";

const NATS_URL = process.env["TEST_NATS_URL"];
const silent = pino({ level: "silent" });

describe.runIf(NATS_URL)("the NATS JetStream sink", () => {
  const suffix = randomBytes(4).toString("hex");
  const stream = `TEST_EVENTS_${suffix}`;
  const subjectPrefix = `test-events-${suffix}`;
  let db: ServiceDatabase;
  let nc: NatsConnection;

  beforeAll(async () => {
    db = await openServiceDatabase();
    nc = await connect({ servers: NATS_URL as string });
  });
  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
    await nc?.close();
    await db?.close();
  });

  const open = () => NatsSink.open({ servers: NATS_URL as string, stream, subjectPrefix, source: "urn:test" });

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

  async function streamMessages(count: number) {
    const consumer = await jetstream(nc).consumers.get(stream);
    const messages = await consumer.fetch({ max_messages: count, expires: 3000 });
    const read: {
      subject: string;
      id: string | undefined;
      msgId: string | undefined;
      type: string | undefined;
      sequence: number;
      tenant: string;
    }[] = [];
    for await (const message of messages) {
      const data = message.json<{ sequence: number; tenantId: string }>();
      read.push({
        subject: message.subject,
        id: message.headers?.get("ce-id"),
        msgId: message.headers?.get("Nats-Msg-Id"),
        type: message.headers?.get("ce-type"),
        sequence: data.sequence,
        tenant: data.tenantId,
      });
      if (read.length === count) break;
    }
    return read;
  }

  it("publishes each event once, in order per tenant, with CloudEvents headers, and resumes after a restart", async () => {
    const first = new SinkRunner(await open(), db.database.pool, { pollIntervalMs: 10, logger: silent });
    // The sink starts at the feed's end: only what happens from now on is published.
    await first.pass();
    const tenants = [await createDraft(db), await createDraft(db)];
    for (const tenant of tenants) await transition(db, tenant.id, "START_ONBOARDING");
    await settled();
    while ((await first.pass()) > 0);
    await first.stop();

    // A restart (a new process, a new lease once the old one is released) publishes what came after.
    for (const tenant of tenants) await transition(db, tenant.id, "ARCHIVE", { reason: "done" });
    await settled();
    const second = new SinkRunner(await open(), db.database.pool, { pollIntervalMs: 10, logger: silent });
    while ((await second.pass()) > 0);
    await second.stop();

    const read = await streamMessages(6);
    expect(read).toHaveLength(6);
    expect(new Set(read.map((message) => message.id)).size).toBe(6);
    for (const tenant of tenants) {
      const stored = await auditEventsOf(db, tenant.id);
      const mine = read.filter((message) => message.tenant === tenant.id);
      expect(mine.map((message) => message.id)).toEqual(stored.map((event) => event.id));
      expect(mine.map((message) => message.msgId)).toEqual(stored.map((event) => event.id));
      expect(mine.map((message) => message.subject)).toEqual(
        stored.map((event) => `${subjectPrefix}.${event.action}.${tenant.id}`),
      );
      expect(mine.map((message) => message.type)).toEqual(stored.map((event) => event.action));
    }
  });

  it("is deduplicated by the stream when an event is published again (a crash before the cursor moved)", async () => {
    const sink = await open();
    try {
      const tenant = await createDraft(db);
      const [event] = await auditEventsOf(db, tenant.id);
      const manager = await jetstreamManager(nc);
      const before = (await manager.streams.info(stream)).state.messages;
      const outgoing = outgoingTenantEvent(event as NonNullable<typeof event>);
      await sink.publish([outgoing]);
      await sink.publish([outgoing]);
      expect((await manager.streams.info(stream)).state.messages).toBe(before + 1);
    } finally {
      await sink.close();
    }
  });

  it("publishes each signed checkpoint as audit.checkpoint.created, in feed order with the tenant events", async () => {
    const checkpointStream = `${stream}_CHECKPOINTS`;
    const checkpointPrefix = `${subjectPrefix}-checkpoints`;
    const runner = new SinkRunner(
      await NatsSink.open({
        servers: NATS_URL as string,
        stream: checkpointStream,
        subjectPrefix: checkpointPrefix,
        source: "urn:test",
      }),
      db.database.pool,
      { pollIntervalMs: 10, logger: silent },
    );
    try {
      await runner.pass(); // the sink's cursor: the feed's end, now
      const before = await createDraft(db);
      const checkpoint = await requestAuditCheckpoint(db.context(personas.operator, { requestId: "req-nats" }));
      const after = await createDraft(db);
      await settled();
      while ((await runner.pass()) > 0);

      const consumer = await jetstream(nc).consumers.get(checkpointStream);
      const read: { subject: string; headers: Record<string, string | undefined>; data: Record<string, unknown> }[] =
        [];
      for await (const message of await consumer.fetch({ max_messages: 3, expires: 3000 })) {
        const names = ["ce-id", "ce-type", "ce-subject", "ce-tenantid", "ce-sequence", "Nats-Msg-Id"];
        read.push({
          subject: message.subject,
          headers: Object.fromEntries(names.map((name) => [name, message.headers?.get(name) || undefined])),
          data: message.json<Record<string, unknown>>(),
        });
        if (read.length === 3) break;
      }
      const [record] = await db.query<{ id: string }>(
        "SELECT id FROM platform_audit_events WHERE action = 'audit.checkpoint.created' AND subject_id = $1",
        [checkpoint.id],
      );
      expect(read.map((message) => message.subject)).toEqual([
        `${checkpointPrefix}.tenant.created.${before.id}`,
        `${checkpointPrefix}.audit.checkpoint.created.${checkpoint.id}`,
        `${checkpointPrefix}.tenant.created.${after.id}`,
      ]);
      const published = read[1];
      expect(published?.headers).toEqual({
        "ce-id": record?.id,
        "ce-type": "audit.checkpoint.created",
        "ce-subject": checkpoint.id,
        "ce-tenantid": undefined,
        "ce-sequence": undefined,
        "Nats-Msg-Id": record?.id,
      });
      expect(published?.data).toEqual({
        subjectId: checkpoint.id,
        actor: { type: "OPERATOR", id: personas.operator.sub },
        requestId: "req-nats",
        changes: {
          checkpoint: {
            id: checkpoint.id,
            createdAt: checkpoint.createdAt.toISOString(),
            tenantCount: checkpoint.tenantCount,
            root: checkpoint.root,
            publicKeyId: checkpoint.publicKeyId,
            signature: checkpoint.signature,
            requestedBy: personas.operator.sub,
          },
        },
      });
    } finally {
      await runner.stop();
      await (await jetstreamManager(nc)).streams.delete(checkpointStream).catch(() => false);
    }
  });

  it("reports its lag at /metrics: events after its cursor and the next one's age, 0 once published", async () => {
    const lagStream = `${stream}_LAG`;
    const lagPrefix = `${subjectPrefix}-lag`;
    const server = await startTestServer({
      env: {
        EVENTS_NATS_URL: NATS_URL as string,
        EVENTS_NATS_STREAM: lagStream,
        EVENTS_NATS_SUBJECT_PREFIX: lagPrefix,
      },
    });
    const runner = new SinkRunner(
      await NatsSink.open({
        servers: NATS_URL as string,
        stream: lagStream,
        subjectPrefix: lagPrefix,
        source: "urn:test",
      }),
      server.database.pool,
      { pollIntervalMs: 10, logger: silent },
    );
    try {
      const lag = async () => {
        const text = await (await fetch(server.url.replace(/\/graphql$/, "/metrics"))).text();
        const measure = (name: string) => {
          const line = text
            .split("\n")
            .find((entry) => entry.startsWith(`event_sink_lag{sink="nats:${lagStream}",measure="${name}"}`));
          return line === undefined ? undefined : Number(line.split(" ").at(-1));
        };
        return { events: measure("events"), age: measure("next_event_age_seconds") };
      };
      await runner.pass(); // the sink's cursor: the feed's end, now
      expect(await lag()).toEqual({ events: 0, age: 0 });
      for (let index = 0; index < 3; index += 1) {
        await server.data(
          `mutation { createTenant(input: { slug: "lagging-${suffix}-${index}", name: "Lagging" }) { tenant { id } } }`,
          {},
          { as: personas.operator },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      const behind = await lag();
      expect(behind.events).toBe(3);
      expect(behind.age).toBeGreaterThan(0);
      for (let waited = 0; waited < 10_000 && (await lag()).events !== 0; waited += 20) {
        await runner.pass();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await lag()).toEqual({ events: 0, age: 0 });
    } finally {
      await runner.stop();
      await (await jetstreamManager(nc)).streams.delete(lagStream).catch(() => false);
      await server.close();
    }
  });
});
