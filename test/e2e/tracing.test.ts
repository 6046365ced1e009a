// Tracing as an operator runs it (design §6 "Tracing"): the service started with the standard
// OTEL_* variables exports its spans over OTLP/HTTP to a receiver inside this test, continuing
// the router's `traceparent`; without an endpoint it exports nothing.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startOtlpReceiver, traceparent, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.ts";
import { CREATE_TENANT } from "../support/operations.ts";
import { personas, tokenFor } from "../support/personas.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";
import { uniqueSlug } from "../support/fixtures.ts";

const SERVER = 2;
const CLIENT = 3;
const TENANTS_QUERY = `query DashboardProbe { tenants(first: 2) { totalCount edges { node { id slug } } } }`;

let database: TestDatabase;
let receiver: OtlpReceiver;
let operatorToken: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await startOtlpReceiver();
  operatorToken = await tokenFor(personas.operator);
});
afterAll(async () => {
  for (const server of servers) await server.stop("SIGKILL").catch(() => undefined);
  await receiver?.close();
  await database?.drop();
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess({ DATABASE_URL: database.url, ...env });
  servers.push(server);
  return server;
}

async function post(
  server: ServerProcess,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { data?: unknown; errors?: unknown[] } }> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${operatorToken}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: unknown[] } };
}

function inTrace(spans: ReceivedSpan[], traceId: string): ReceivedSpan[] {
  return spans.filter((span) => span.traceId === traceId);
}

/** Whether `span` descends from `ancestor` through the spans of its trace. */
function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, trace: ReceivedSpan[]): boolean {
  let current: ReceivedSpan | undefined = span;
  while (current?.parentSpanId) {
    if (current.parentSpanId === ancestor.spanId) return true;
    const parentId: string = current.parentSpanId;
    current = trace.find((candidate) => candidate.spanId === parentId);
  }
  return false;
}

function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("tracing with an OTLP endpoint", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "tenant-subgraph-under-test",
      // ParentBased: the router's decision is followed; traces this service would start itself
      // are sampled at the ratio, here none.
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0",
      // Read by the SDK itself: spans leave within 100 ms instead of 5 s.
      OTEL_BSP_SCHEDULE_DELAY: "100",
      // The webhook test below starts a delivering server on this database: deliveries are
      // shared by every process delivering, and this one's (ratio 0) would carry unsampled ids.
      WEBHOOK_DELIVERY: "off",
    });
  });

  it("continues the router's trace: one span per operation, under it the transaction, the audit append and each statement by a readable name", async () => {
    const incoming = traceparent(true);
    const created = await post(
      server,
      CREATE_TENANT,
      { input: { slug: uniqueSlug("trace"), name: "Traced" } },
      { traceparent: incoming.header },
    );
    expect(created.body.errors).toBeUndefined();
    const spans = inTrace(
      await receiver.waitFor((all) => inTrace(all, incoming.traceId).some((span) => span.kind === SERVER)),
      incoming.traceId,
    );

    const operations = spans.filter((span) => span.kind === SERVER);
    expect(operations).toHaveLength(1);
    const operation = operations[0] as ReceivedSpan;
    expect(operation.parentSpanId).toBe(incoming.parentId);
    expect(operation.name).toBe("mutation Create");
    expect(operation.serviceName).toBe("tenant-subgraph-under-test");
    expect(operation.attributes).toMatchObject({
      "graphql.operation.name": "Create",
      "graphql.operation.type": "mutation",
      "http.response.status_code": 200,
    });
    // No document text by default.
    expect(JSON.stringify(operation.attributes)).not.toContain("createTenant");

    const transaction = spans.find((span) => span.name === "transaction");
    expect(transaction?.parentSpanId).toBe(operation.spanId);
    const audit = spans.find((span) => span.name === "audit append");
    expect(audit?.parentSpanId).toBe(transaction?.spanId);
    expect(audit?.attributes["audit.action"]).toBe("tenant.created");

    const statements = spans.filter((span) => span.kind === CLIENT);
    expect(statements.map((span) => span.name)).toEqual(
      expect.arrayContaining(["INSERT tenants", "INSERT audit_events", "SELECT audit_events"]),
    );
    for (const statement of statements) {
      expect(descendsFrom(statement, operation, spans), statement.name).toBe(true);
      expect(statement.name).not.toMatch(/^s_[0-9a-f]+$/);
      expect(statement.attributes["db.system.name"]).toBe("postgresql");
    }
    // The audit chain's statements run inside the append.
    const auditInsert = statements.find((span) => span.name === "INSERT audit_events");
    expect(auditInsert?.parentSpanId).toBe(audit?.spanId);
  });

  it("makes the span around both executors: interpreted on the first request, compiled by graphql-jit on the second", async () => {
    const traces = [traceparent(true), traceparent(true)];
    for (const incoming of traces) {
      const { body } = await post(server, TENANTS_QUERY, {}, { traceparent: incoming.header });
      expect(body.errors).toBeUndefined();
    }
    await receiver.waitFor((all) =>
      traces.every(({ traceId }) => inTrace(all, traceId).some((span) => span.kind === SERVER)),
    );
    for (const incoming of traces) {
      const spans = inTrace(receiver.spans, incoming.traceId);
      const operation = spans.find((span) => span.kind === SERVER) as ReceivedSpan;
      expect(operation.name).toBe("query DashboardProbe");
      expect(operation.parentSpanId).toBe(incoming.parentId);
      const statements = spans.filter((span) => span.kind === CLIENT);
      expect(statements.map((span) => span.name)).toContain("SELECT tenants");
      for (const statement of statements) expect(statement.parentSpanId).toBe(operation.spanId);
    }
  });

  it("records nothing for a request whose router did not sample it (flags 00), nor for one without a traceparent at ratio 0", async () => {
    const unsampled = traceparent(false);
    await post(server, TENANTS_QUERY, {}, { traceparent: unsampled.header });
    const before = receiver.spans.length;
    await post(server, TENANTS_QUERY);
    // A sampled request after both: once its spans are in, theirs would have been too.
    const marker = traceparent(true);
    await post(server, TENANTS_QUERY, {}, { traceparent: marker.header });
    await receiver.waitFor((all) => inTrace(all, marker.traceId).some((span) => span.kind === SERVER));
    expect(inTrace(receiver.spans, unsampled.traceId)).toEqual([]);
    expect(receiver.spans.slice(before).filter((span) => span.traceId !== marker.traceId)).toEqual([]);
  });

  it("writes the trace and span ids on the request's log line, sampled or not", async () => {
    const sampled = traceparent(true);
    const unsampled = traceparent(false);
    await post(server, TENANTS_QUERY, {}, { traceparent: sampled.header, "x-request-id": "traced-log-line" });
    await post(server, TENANTS_QUERY, {}, { traceparent: unsampled.header, "x-request-id": "untraced-log-line" });
    const spans = await receiver.waitFor((all) => inTrace(all, sampled.traceId).some((span) => span.kind === SERVER));
    const operation = inTrace(spans, sampled.traceId).find((span) => span.kind === SERVER) as ReceivedSpan;
    const line = logLines(server).find((entry) => entry["requestId"] === "traced-log-line");
    expect(line).toMatchObject({ msg: "request finished", trace_id: sampled.traceId, span_id: operation.spanId });
    const unsampledLine = logLines(server).find((entry) => entry["requestId"] === "untraced-log-line");
    expect(unsampledLine?.["trace_id"]).toBe(unsampled.traceId);
    expect(unsampledLine?.["span_id"]).toMatch(/^[0-9a-f]{16}$/);
    expect(unsampledLine?.["trace_flags"]).toBe("00");
  });
});

describe("tracing without an endpoint", () => {
  it("starts no SDK and exports nothing, also when OTEL_SDK_DISABLED overrides an endpoint", async () => {
    const disabled = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SDK_DISABLED: "true",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    });
    const incoming = traceparent(true);
    const before = receiver.requests.length;
    const { body } = await post(disabled, TENANTS_QUERY, {}, { traceparent: incoming.header });
    expect(body.errors).toBeUndefined();
    await disabled.stop();
    expect(receiver.requests.length).toBe(before);
    const lines = logLines(disabled);
    expect(lines.some((line) => line["msg"] === "request finished")).toBe(true);
    expect(lines.filter((line) => "trace_id" in line)).toEqual([]);
    expect(lines.some((line) => String(line["msg"]).startsWith("tracing:"))).toBe(false);
  });
});

describe("a webhook delivery with tracing on", () => {
  it("is a client span of its own, whose traceparent the receiver gets with the event", async () => {
    const received: IncomingHttpHeaders[] = [];
    const hooks = createServer((request, response) => {
      received.push(request.headers);
      request.resume();
      request.on("end", () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", resolve));
    try {
      const server = await start({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_TRACES_SAMPLER: "parentbased_always_on",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        WEBHOOK_DELIVERY: "on",
        WEBHOOK_POLL_INTERVAL_MS: "50",
      });
      const url = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`;
      const endpoint = await post(
        server,
        `mutation Hook($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } userErrors { message } } }`,
        { input: { url, eventTypes: ["tenant.created"] } },
      );
      expect(endpoint.body.errors).toBeUndefined();
      const created = await post(server, CREATE_TENANT, { input: { slug: uniqueSlug("hook"), name: "Hooked" } });
      expect(created.body.errors).toBeUndefined();
      for (let waited = 0; received.length === 0 && waited < 20_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const delivered = received[0];
      const sent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(delivered?.["traceparent"]));
      expect(sent, "the delivery carries a sampled traceparent").not.toBeNull();
      const [, traceId, spanId] = sent as RegExpExecArray;
      const spans = await receiver.waitFor((all) => inTrace(all, traceId as string).length > 0);
      const delivery = inTrace(spans, traceId as string).find((span) => span.spanId === spanId);
      expect(delivery).toMatchObject({ name: "webhook delivery", kind: CLIENT });
      expect(delivery?.attributes).toMatchObject({
        "webhook.event_id": delivered?.["webhook-id"],
        "http.response.status_code": 204,
      });
      // The endpoint's URL may carry a credential: it is not recorded.
      expect(JSON.stringify(delivery?.attributes)).not.toContain(url);
    } finally {
      await new Promise<void>((resolve) => hooks.close(() => resolve()));
    }
  });
});
