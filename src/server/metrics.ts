import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type pg from "pg";

/** Prometheus metrics of one server: created per server so tests and processes never share them. */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: "graphql_request_duration_seconds",
    help: "GraphQL requests by operation: rate from _count, latency from the buckets",
    labelNames: ["operation_name", "operation_type", "outcome"] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: "graphql_errors_total",
    help: "Top-level GraphQL errors by extensions.code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });

  readonly transitions = new Counter({
    name: "tenant_lifecycle_transitions_total",
    help: "Successful lifecycle transitions by transition",
    labelNames: ["transition"] as const,
    registers: [this.registry],
  });

  constructor(pool: pg.Pool) {
    collectDefaultMetrics({ register: this.registry });
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
  }
}
