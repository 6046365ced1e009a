// A message broker as a sink of the event feed (docs/design.md §9). A sink publishes a batch of
// events in feed order and resolves only when the broker has acknowledged every one: the runner
// moves the sink's cursor after that, so a crash republishes (the broker deduplicates on the
// event id) and never loses. A Kafka sink is one more implementation of this interface: produce
// with key = the event's subject (the tenant id: per-tenant order within a partition), `ce_`-prefixed
// headers, an idempotent producer (acks=all) and resolve when every send is acknowledged.
import type { OutgoingEvent } from "../services/events/outbox.ts";

export interface EventSink {
  /** The cursor's name: one cursor per sink (and per stream). */
  readonly name: string;
  /** Publishes in order; resolves when every event is acknowledged, rejects otherwise. */
  publish(events: readonly OutgoingEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** A NATS sink's cursor name: one per stream (the runner and the lag gauge both name it so). */
export const natsSinkName = (stream: string): string => `nats:${stream}`;

/**
 * The CloudEvents attributes of an event, shared by every sink's binary-mode headers. A tenant's
 * event carries the extensions `tenantid` and `sequence`; a platform event (a checkpoint) has
 * neither: it belongs to no tenant.
 */
export function cloudEventAttributes(event: OutgoingEvent, source: string): Record<string, string> {
  return {
    specversion: "1.0",
    id: event.id,
    source,
    type: event.type,
    subject: event.subject,
    time: event.occurredAt.toISOString(),
    datacontenttype: "application/json",
    ...(event.tenantId === null ? {} : { tenantid: event.tenantId }),
    ...(event.sequence === null ? {} : { sequence: String(event.sequence) }),
  };
}
