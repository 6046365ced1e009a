// A message broker as a sink of the event feed (docs/design.md §9). A sink publishes a batch of
// events in feed order and resolves only when the broker has acknowledged every one: the runner
// moves the sink's cursor after that, so a crash republishes (the broker deduplicates on the
// event id) and never loses. A Kafka sink is one more implementation of this interface: produce
// with key = tenant id (per-tenant order within a partition), `ce_`-prefixed headers, an
// idempotent producer (acks=all) and resolve when every send is acknowledged.
import type { AuditEventRecord } from "../domain/vocabulary.ts";

export interface EventSink {
  /** The cursor's name: one cursor per sink (and per stream). */
  readonly name: string;
  /** Publishes in order; resolves when every event is acknowledged, rejects otherwise. */
  publish(events: readonly AuditEventRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** A NATS sink's cursor name: one per stream (the runner and the lag gauge both name it so). */
export const natsSinkName = (stream: string): string => `nats:${stream}`;

/** The CloudEvents attributes of an event, shared by every sink's binary-mode headers. */
export function cloudEventAttributes(event: AuditEventRecord, source: string): Record<string, string> {
  return {
    specversion: "1.0",
    id: event.id,
    source,
    type: event.action,
    subject: event.tenantId,
    time: event.occurredAt.toISOString(),
    datacontenttype: "application/json",
    tenantid: event.tenantId,
    sequence: String(event.sequence),
  };
}

/** The event's data (the body in binary mode, `data` in structured mode). */
export function eventData(event: AuditEventRecord): Record<string, unknown> {
  return {
    tenantId: event.tenantId,
    sequence: event.sequence,
    actor: { type: event.actorType, id: event.actorId },
    reason: event.reason,
    changes: event.changes,
    requestId: event.requestId,
  };
}
