// NATS JetStream as an event sink (docs/design.md §9): subject `<prefix>.<type>.<subject>` (the
// tenant id; a platform event's subject, e.g. a checkpoint's id),
// CloudEvents binary mode (`ce-` headers, the data as the body), `Nats-Msg-Id` = the event id
// so a republished event is dropped by the stream within its duplicate window, and an event
// counts as published only when its PubAck arrived.
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import type { OutgoingEvent } from "../services/events/outbox.ts";
import { cloudEventAttributes, natsSinkName, type EventSink } from "./event-sink.ts";

export interface NatsSinkOptions {
  servers: string;
  stream: string;
  subjectPrefix: string;
  source: string;
  /** How long to wait for each PubAck. */
  ackTimeoutMs?: number;
}

export class NatsSink implements EventSink {
  readonly name: string;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly client: JetStreamClient,
    private readonly options: NatsSinkOptions,
  ) {
    this.name = natsSinkName(options.stream);
  }

  /** Connects and makes sure the stream exists (capturing `<prefix>.>`). */
  static async open(options: NatsSinkOptions): Promise<NatsSink> {
    const connection = await connect({ servers: options.servers, name: "tenant-lifecycle-subgraph" });
    try {
      const manager = await jetstreamManager(connection);
      const subjects = [`${options.subjectPrefix}.>`];
      try {
        await manager.streams.info(options.stream);
      } catch {
        await manager.streams.add({ name: options.stream, subjects });
      }
      return new NatsSink(connection, jetstream(connection), options);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  subjectOf(event: OutgoingEvent): string {
    return `${this.options.subjectPrefix}.${event.type}.${event.subject}`;
  }

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    // Sent in order on one connection (the stream keeps that order); then every PubAck awaited.
    const acks = events.map((event) => {
      const attributes = headers();
      for (const [name, value] of Object.entries(cloudEventAttributes(event, this.options.source))) {
        attributes.set(`ce-${name}`, value);
      }
      attributes.set("content-type", "application/json");
      return this.client.publish(this.subjectOf(event), JSON.stringify(event.data), {
        msgID: event.id,
        headers: attributes,
        timeout: this.options.ackTimeoutMs ?? 5000,
      });
    });
    await Promise.all(acks);
  }

  async close(): Promise<void> {
    await this.connection.drain();
  }
}
