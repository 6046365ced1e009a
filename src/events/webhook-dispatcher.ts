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
  liveSecretsOf,
  lockDispatchCursor,
  moveDispatchCursor,
  recordOutcome,
  recordSuccesses,
  type ClaimedDelivery,
  type DeliveryOutcome,
  type Success,
} from "../services/webhooks/webhook-store.ts";
import { auditEndpointDisabledBySystem } from "../services/webhooks/webhook-endpoint-service.ts";
import type { DestinationPolicy } from "./destinations.ts";
import { cloudEventAttributes } from "./event-sink.ts";
import { keepAliveAgents, postWebhook, type SendResult, type SenderAgents } from "./http-sender.ts";
import { retryAfterMs, retryDelayMs } from "./retry-schedule.ts";
import { signatureHeader } from "./signing.ts";
import { withOutgoingCall } from "../telemetry/tracing.ts";

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
/**
 * Deliveries claimed per pass for each one sent at once: a pass's fixed statements (fan-out,
 * claim, events, secrets) are shared by this many more deliveries, while a lease still covers a
 * batch whose every attempt times out (leaseSeconds).
 */
const CLAIMS_PER_SENDER = 4;

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
  private readonly agents: SenderAgents;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.sql = poolRows(options.pool);
    this.agents = keepAliveAgents(options.concurrency);
  }

  /** Deliveries one pass claims. */
  private get batchSize(): number {
    return this.options.concurrency * CLAIMS_PER_SENDER;
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
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let busy = false;
      try {
        // Only a full batch (fanned out or claimed) may have left work behind; otherwise the loop
        // sleeps its poll interval: a pass per event would have it compete with the writes it
        // follows (bench (d), 10 000 tenants: 232 → 140 transitions/s when it never slept).
        const done = await this.pass();
        busy = done.fanned === FAN_OUT_BATCH || done.claimed === this.batchSize;
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
    const claimed = await claimDeliveries(this.sql, this.batchSize, randomUUID(), leaseSeconds(this.options));
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
    const [events, secrets] = await Promise.all([
      outgoingEventsByIds(this.sql, claimed),
      liveSecretsOf(
        this.sql,
        claimed.map((delivery) => delivery.endpointId),
      ),
    ]);
    const successes = new SuccessRecorder(this.options.pool, leaseToken);
    // Deliveries of one (endpoint, tenant) were claimed one at a time (the earliest pending), so
    // sending in parallel never reorders a tenant's events at an endpoint. At most `concurrency`
    // are in flight. A sender goes on to its next delivery while the last one's outcome is being
    // recorded (2xx ones together); the pass ends once every outcome is written, so the next
    // pass's claim sees them.
    let next = 0;
    // Each write's failure is caught as it happens (an outcome left rejected while the senders go
    // on would be an unhandled rejection, which ends the process) and reported once all are done.
    const recording: Promise<{ error: unknown } | null>[] = [];
    const sender = async () => {
      while (next < claimed.length) {
        const delivery = claimed[next++] as ClaimedDelivery;
        const event = events.get(delivery.eventId) ?? null;
        const result = await this.send(delivery, event, secrets.get(delivery.endpointId) ?? []);
        recording.push(
          this.record(delivery, event, result, leaseToken, successes).then(
            () => null,
            (error: unknown) => ({ error }),
          ),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, claimed.length) }, sender));
    // The pass fails as a whole: the deliveries whose outcome was not written keep their lease
    // and are sent again once it expires (at least once).
    const failed = (await Promise.all(recording)).find((outcome) => outcome !== null);
    if (failed) throw failed.error;
  }

  private async send(
    delivery: ClaimedDelivery,
    event: OutgoingEvent | null,
    secrets: readonly string[],
  ): Promise<SendResult> {
    if (event === null) {
      return { httpStatus: null, retryAfter: undefined, durationMs: 0, error: "the event no longer exists" };
    }
    const body = cloudEventOf(event, this.options.source);
    const timestamp = Math.floor(Date.now() / 1000);
    // A span per attempt, its traceparent sent along so the receiver continues the trace
    // (design §6 "Tracing"); the URL is left out, as it may carry a credential.
    return withOutgoingCall(
      null,
      "webhook delivery",
      {
        "http.request.method": "POST",
        "webhook.endpoint_id": delivery.endpointId,
        "webhook.event_id": event.id,
        "webhook.attempt": delivery.attempts,
      },
      (traceHeaders) =>
        postWebhook(
          delivery.url,
          {
            ...traceHeaders,
            "content-type": "application/cloudevents+json",
            "user-agent": "tenant-lifecycle-subgraph-webhooks",
            "webhook-id": event.id,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": signatureHeader(secrets, event.id, timestamp, body),
          },
          body,
          this.options.policy,
          this.options.timeoutMs ?? SEND_TIMEOUT_MS,
          this.agents,
        ),
      (sent) => sent.httpStatus ?? 0,
    );
  }

  /** Writes an attempt's outcome (guarded by the lease), then counts and logs it. */
  private async record(
    delivery: ClaimedDelivery,
    event: OutgoingEvent | null,
    result: SendResult,
    leaseToken: string,
    successes: SuccessRecorder,
  ): Promise<void> {
    const { logger, metrics } = this.options;
    const outcome = outcomeOf(result, delivery.attempts);
    const attempt = { httpStatus: result.httpStatus, durationMs: result.durationMs, error: result.error };
    let recorded: boolean;
    if (outcome.kind === "succeeded") {
      recorded = await successes.record({ delivery, attempt });
    } else {
      const done = await inTransaction(this.options.pool, async (tx) => {
        const written = await recordOutcome(
          tx,
          delivery,
          leaseToken,
          outcome,
          attempt,
          this.options.disableAfterSeconds ?? FIVE_DAYS_SECONDS,
        );
        // Disabling is a change of the endpoint: audited in the same transaction, the system as actor.
        if (written.disabled) await auditEndpointDisabledBySystem(tx, written.disabled);
        return written;
      });
      recorded = done.recorded;
      if (done.disabled) {
        logger.warn(
          { endpointId: delivery.endpointId, reason: done.disabled.after.disabledReason },
          "webhook endpoint disabled by the delivery loop",
        );
      }
    }
    metrics?.attempt(outcome.kind);
    if (outcome.kind === "succeeded" && event) metrics?.delivered((Date.now() - event.occurredAt.getTime()) / 1000);
    logger.info(
      {
        deliveryId: delivery.id,
        eventId: delivery.eventId,
        endpointId: delivery.endpointId,
        attempt: delivery.attempts,
        httpStatus: result.httpStatus,
        durationMs: result.durationMs,
        outcome: outcome.kind,
        error: result.error,
        leaseLost: !recorded,
      },
      "webhook delivery attempt",
    );
  }
}

/**
 * Records 2xx outcomes many at a time, the way a database commits a group: the first is written
 * at once, and those that arrive while it is being written go together in the next transaction.
 * One transaction per delivery held a pooled connection per delivery and capped the loop at
 * ~200 deliveries per second (bench:webhooks).
 */
class SuccessRecorder {
  private waiting: { success: Success; settle: (recorded: boolean) => void; fail: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(
    private readonly pool: SqlPool,
    private readonly leaseToken: string,
  ) {}

  record(success: Success): Promise<boolean> {
    return new Promise((settle, fail) => {
      this.waiting.push({ success, settle, fail });
      if (!this.writing) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      try {
        const recorded = await inTransaction(this.pool, (tx) =>
          recordSuccesses(
            tx,
            group.map((entry) => entry.success),
            this.leaseToken,
          ),
        );
        for (const entry of group) entry.settle(recorded.has(entry.success.delivery.id));
      } catch (error) {
        for (const entry of group) entry.fail(error);
      }
    }
    this.writing = false;
  }
}

/**
 * Longer than a pass's batch can take — every attempt timing out, `concurrency` at a time — so a
 * lease outlives its sends unless the process died.
 */
function leaseSeconds(options: WebhookDispatcherOptions): number {
  return Math.ceil((options.timeoutMs ?? SEND_TIMEOUT_MS) / 1000) * (CLAIMS_PER_SENDER + 1) + 30;
}
