import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type pg from "pg";
import { poolRows } from "../services/database/sql.ts";
import { outboxLag } from "../services/events/outbox.ts";
import { sinkPositions } from "../services/events/sink-cursor-store.ts";
import { webhookGauges } from "../services/webhooks/webhook-store.ts";

/** Label values are a bounded vocabulary: a client can never grow /metrics by what it sends. */
const OPERATION_NAME_MAX_LENGTH = 64;
const MAX_OPERATION_NAMES = 100;
const ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "QUERY_TOO_COMPLEX",
  "REQUEST_LIMIT_EXCEEDED",
  "SERVICE_UNAVAILABLE",
  "RATE_LIMITED",
  "INTERNAL_SERVER_ERROR",
]);

/** Prometheus metrics of one server: created per server so tests and processes never share them. */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();

  readonly requestDuration = new Histogram({
    name: "graphql_request_duration_seconds",
    help: "GraphQL requests by operation: rate from _count, latency from the buckets",
    labelNames: ["operation_name", "operation_type", "outcome"] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: "graphql_errors_total",
    help: "GraphQL requests answered with errors, by extensions.code (each code once per request)",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });

  readonly transitions = new Counter({
    name: "tenant_lifecycle_transitions_total",
    help: "Successful lifecycle transitions by transition",
    labelNames: ["transition"] as const,
    registers: [this.registry],
  });

  /** Webhook delivery (docs/design.md §9): what the loop reports, and the deliveries table's state. */
  readonly webhookAttempts = new Counter({
    name: "webhook_delivery_attempts_total",
    help: "Webhook delivery attempts by outcome (succeeded, retry, failed, gone)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly webhookLatency = new Histogram({
    name: "webhook_event_to_delivery_seconds",
    help: "From an event's commit time (occurredAt) to its endpoint's 2xx",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });

  /** The sink the delivery loop reports to. */
  readonly webhooks = {
    attempt: (outcome: string) => this.webhookAttempts.inc({ outcome }),
    delivered: (seconds: number) => this.webhookLatency.observe(seconds),
  };

  readonly compiledCacheBytes = new Gauge({
    name: "graphql_compiled_cache_bytes",
    help: "Estimated bytes retained by the operations compiled by graphql-jit (bounded by GRAPHQL_COMPILED_CACHE_BYTES)",
    registers: [this.registry],
  });

  readonly admissionRefusals = new Counter({
    name: "graphql_admission_refusals_total",
    help: "Requests refused before they ran: rate limits (cost, concurrency) and load shedding (overload)",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly overloads = new Counter({
    name: "graphql_overloaded_requests_total",
    help: "Requests stopped because no database connection was free in time (busy, not an outage)",
    registers: [this.registry],
  });

  /** `brokerSinks`: the cursor names of the sinks this process is configured with (their lag is reported). */
  constructor(pool: pg.Pool, eventLoopDelayMs: () => number = () => 0, brokerSinks: readonly string[] = []) {
    collectDefaultMetrics({ register: this.registry });
    if (brokerSinks.length > 0) {
      new Gauge({
        name: "event_sink_lag",
        help: "Message-broker sinks' lag: events in the feed after the sink's cursor (counted up to 10 000), and the age (seconds) of the next event to publish",
        labelNames: ["sink", "measure"] as const,
        registers: [this.registry],
        async collect() {
          try {
            const sql = poolRows(pool);
            for (const sink of await sinkPositions(sql, brokerSinks)) {
              const lag = await outboxLag(sql, sink);
              this.set({ sink: sink.name, measure: "events" }, lag.events);
              this.set({ sink: sink.name, measure: "next_event_age_seconds" }, lag.nextEventAgeSeconds);
            }
          } catch {
            // The database is unreachable: /readyz says so; the gauge keeps its last values.
          }
        },
      });
    }
    new Gauge({
      name: "webhook_deliveries_pending",
      help: "Webhook deliveries waiting (PENDING), the age of the oldest (seconds), disabled endpoints",
      labelNames: ["measure"] as const,
      registers: [this.registry],
      async collect() {
        try {
          const gauges = await webhookGauges(poolRows(pool));
          this.set({ measure: "pending" }, gauges.pending);
          this.set({ measure: "oldest_pending_age_seconds" }, gauges.oldestPendingSeconds);
          this.set({ measure: "disabled_endpoints" }, gauges.disabledEndpoints);
        } catch {
          // The database is unreachable: /readyz says so; the gauge keeps its last values.
        }
      },
    });
    new Gauge({
      name: "db_pool_connections",
      help: "Database pool connections by state",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: "total" }, pool.totalCount);
        this.set({ state: "idle" }, pool.idleCount);
        this.set({ state: "waiting" }, pool.waitingCount);
      },
    });
    new Gauge({
      name: "graphql_event_loop_delay_p99_seconds",
      help: "p99 event-loop delay of the load shedder's last window (what sheds requests)",
      registers: [this.registry],
      collect() {
        this.set(eventLoopDelayMs() / 1000);
      },
    });
  }

  /**
   * The operation_name label of a request that passed validation with a valid token: the name
   * truncated, and only the first MAX_OPERATION_NAMES distinct names (then "other").
   */
  operationLabel(name: string | null): string {
    if (!name) return "anonymous";
    const label = name.slice(0, OPERATION_NAME_MAX_LENGTH);
    if (this.operationNames.has(label)) return label;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return "other";
    this.operationNames.add(label);
    return label;
  }

  errorCodeLabel(code: string): string {
    return ERROR_CODES.has(code) ? code : "OTHER";
  }
}
