// The webhook delivery loop (docs/design.md §9). Each pass: fan the event feed out into
// deliveries (one process at a time, the cursor row's lock decides), claim due deliveries under a
// lease (FOR UPDATE SKIP LOCKED, so any number of processes share the work), POST each with no
// transaction open, then record the outcome in a short transaction guarded by the lease.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { inTransaction, poolRows, type SqlPool, type SqlRows } from "../services/database/sql.ts";
import { isAfter, outboxEnd, outboxRows, outgoingEventsByIds, type OutgoingEvent } from "../services/events/outbox.ts";
import {
  anyEndpoint,
  claimDeliveries,
  fanOut,
  liveSecrets,
  lockDispatchCursor,
  moveDispatchCursor,
  recordOutcome,
  type ClaimedDelivery,
  type DeliveryOutcome,
} from "../services/webhooks/webhook-store.ts";
import { auditEndpointDisabledBySystem } from "../services/webhooks/webhook-endpoint-service.ts";
import type { DestinationPolicy } from "./destinations.ts";
import { cloudEventAttributes } from "./event-sink.ts";
import { postWebhook, type SendResult } from "./http-sender.ts";
import { retryAfterMs, retryDelayMs } from "./retry-schedule.ts";
import { signatureHeader } from "./signing.ts";

export interface WebhookDispatcherOptions {
  pool: SqlPool;
  policy: DestinationPolicy;
  /** CloudEvents `source`. */
  source: string;
  /** Deliveries sent at once by this process. */
  concurrency: number;
  /** Pause after a pass that found nothing to do. */
  pollIntervalMs: number;
  logger: Logger;
  metrics?: WebhookMetricsSink;
  /** Per attempt (Standard Webhooks receivers expect an answer within 15 s). */
  timeoutMs?: number;
  /** An endpoint whose every attempt failed this long is disabled. */
  disableAfterSeconds?: number;
}

/** What the loop reports (src/server/metrics.ts implements it). */
export interface WebhookMetricsSink {
  attempt(outcome: DeliveryOutcome["kind"]): void;
  /** From the event's occurredAt to its 2xx. */
  delivered(latencySeconds: number): void;
}

const SEND_TIMEOUT_MS = 15_000;
const FIVE_DAYS_SECONDS = 5 * 86_400;
/** Events fanned out per pass. */
const FAN_OUT_BATCH = 500;

/** The CloudEvent body (structured mode) of an event. */
export function cloudEventOf(event: OutgoingEvent, source: string): string {
  return JSON.stringify({
    ...cloudEventAttributes(event, source),
    // In JSON the sequence is a number (as a header it can only be text); a platform event has none.
    ...(event.sequence === null ? {} : { sequence: event.sequence }),
    data: event.data,
  });
}

/** What the loop does with an attempt's answer. */
export function outcomeOf(result: SendResult, attempts: number): DeliveryOutcome {
  const status = result.httpStatus;
  if (status !== null && status >= 200 && status < 300) return { kind: "succeeded" };
  if (status === 410) return { kind: "gone" };
  const scheduled = retryDelayMs(attempts);
  if (scheduled === null) return { kind: "failed" };
  if (status === 429 || status === 503) {
    const asked = retryAfterMs(result.retryAfter);
    if (asked !== null) return { kind: "retry", afterMs: asked };
  }
  return { kind: "retry", afterMs: scheduled };
}

export class WebhookDispatcher {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly sql: SqlRows;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.sql = poolRows(options.pool);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the deliveries in flight (their outcomes are recorded), then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let busy = false;
      try {
        // Only a full batch (fanned out or claimed) may have left work behind; otherwise the loop
        // sleeps its poll interval: a pass per event would have it compete with the writes it
        // follows (bench (d), 10 000 tenants: 232 → 140 transitions/s when it never slept).
        const done = await this.pass();
        busy = done.fanned === FAN_OUT_BATCH || done.claimed === this.options.concurrency;
      } catch (error) {
        this.options.logger.error({ err: error }, "webhook delivery pass failed");
      }
      if (!busy && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollIntervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  /** One pass: events fanned out and deliveries claimed (and sent). */
  async pass(): Promise<{ fanned: number; claimed: number }> {
    const fanned = await this.fanOut();
    const claimed = await claimDeliveries(this.sql, this.options.concurrency, randomUUID(), leaseSeconds(this.options));
    if (claimed.length > 0) await this.deliverAll(claimed);
    return { fanned, claimed: claimed.length };
  }

  /**
   * Feed events after the fan-out cursor become deliveries; 0 when another process holds the
   * cursor. With no endpoint at all, the cursor jumps to the settled feed's end instead of walking
   * events no endpoint can take (a deploy on a fleet of 30M events would otherwise read them all,
   * 500 a pass); endpoint creation waits for the cursor's lock and is stamped after it
   * (webhook-store.ts), so it misses nothing that occurs after its creation.
   */
  async fanOut(): Promise<number> {
    return inTransaction(this.options.pool, async (tx) => {
      const cursor = await lockDispatchCursor(tx);
      if (cursor === null) return 0;
      if (!(await anyEndpoint(tx))) {
        const end = await outboxEnd(tx);
        if (isAfter(end, cursor)) await moveDispatchCursor(tx, end);
        return 0;
      }
      const events = await outboxRows(tx, cursor, FAN_OUT_BATCH);
      await fanOut(tx, events);
      return events.length;
    });
  }

  private async deliverAll(claimed: ClaimedDelivery[]): Promise<void> {
    const leaseToken = claimed[0]?.leaseToken as string;
    const events = await outgoingEventsByIds(this.sql, claimed);
    // Deliveries of one (endpoint, tenant) were claimed one at a time (the earliest pending), so
    // sending in parallel never reorders a tenant's events at an endpoint.
    await Promise.all(
      claimed.map((delivery) => this.deliver(delivery, events.get(delivery.eventId) ?? null, leaseToken)),
    );
  }

  private async deliver(delivery: ClaimedDelivery, event: OutgoingEvent | null, leaseToken: string): Promise<void> {
    const { logger, metrics } = this.options;
    const log = logger.child({ deliveryId: delivery.id, eventId: delivery.eventId, endpointId: delivery.endpointId });
    let result: SendResult;
    if (event === null) {
      result = { httpStatus: null, retryAfter: undefined, durationMs: 0, error: "the event no longer exists" };
    } else {
      const secrets = (await liveSecrets(this.sql, delivery.endpointId)).map((row) => row.secret);
      const body = cloudEventOf(event, this.options.source);
      const timestamp = Math.floor(Date.now() / 1000);
      result = await postWebhook(
        delivery.url,
        {
          "content-type": "application/cloudevents+json",
          "user-agent": "tenant-lifecycle-subgraph-webhooks",
          "webhook-id": event.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signatureHeader(secrets, event.id, timestamp, body),
        },
        body,
        this.options.policy,
        this.options.timeoutMs ?? SEND_TIMEOUT_MS,
      );
    }
    const outcome = outcomeOf(result, delivery.attempts);
    const recorded = await inTransaction(this.options.pool, async (tx) => {
      const done = await recordOutcome(
        tx,
        delivery,
        leaseToken,
        outcome,
        { httpStatus: result.httpStatus, durationMs: result.durationMs, error: result.error },
        this.options.disableAfterSeconds ?? FIVE_DAYS_SECONDS,
      );
      // Disabling is a change of the endpoint: audited in the same transaction, the system as actor.
      if (done.disabled) await auditEndpointDisabledBySystem(tx, done.disabled);
      return done;
    });
    if (recorded.disabled) {
      log.warn({ reason: recorded.disabled.after.disabledReason }, "webhook endpoint disabled by the delivery loop");
    }
    metrics?.attempt(outcome.kind);
    if (outcome.kind === "succeeded" && event) metrics?.delivered((Date.now() - event.occurredAt.getTime()) / 1000);
    log.info(
      {
        attempt: delivery.attempts,
        httpStatus: result.httpStatus,
        durationMs: result.durationMs,
        outcome: outcome.kind,
        error: result.error,
        leaseLost: !recorded.recorded,
      },
      "webhook delivery attempt",
    );
  }
}

/** Longer than an attempt can take, so a lease outlives its send unless the process died. */
function leaseSeconds(options: WebhookDispatcherOptions): number {
  return Math.ceil((options.timeoutMs ?? SEND_TIMEOUT_MS) / 1000) * 2 + 30;
}
