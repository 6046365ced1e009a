// The service's spans (design §6 "Tracing"), made by hand through @opentelemetry/api: one per
// GraphQL operation, one per database transaction and statement, the audit append, outgoing
// calls. No auto-instrumentation: it would need the ESM import hook (which breaks the esbuild
// bundle), would make a span per resolver, and sees nothing of graphql-jit's compiled operations.
//
// Off unless an OTLP endpoint is configured (src/telemetry/sdk.ts): then `tracer` stays null and
// every helper here calls its work directly — no span objects.
//
// The parent of a span is handed down explicitly (the request's RequestSql, a transaction's
// handle), never through an async context manager: on Node 20 that is AsyncLocalStorage, whose
// promise hooks tax every promise of every request — GraphQL execution makes thousands — traced or not.
import type { IncomingHttpHeaders } from "node:http";
import {
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from "@opentelemetry/semantic-conventions";
import { statementLabel } from "./statement-label.ts";

// GraphQL's attributes are still in the incubating conventions, which are not to be imported.
const ATTR_GRAPHQL_OPERATION_NAME = "graphql.operation.name";
const ATTR_GRAPHQL_OPERATION_TYPE = "graphql.operation.type";
/** The operation span's name until the operation is known (a request that never resolves one keeps it). */
const OPERATION_SPAN_NAME = "GraphQL Operation";

let tracer: Tracer | null = null;

/**
 * Where a span's children attach: the context of a recording span. Null when tracing is off or
 * the span is not sampled — then no child is made either.
 */
export type SpanParent = Context | null;

/** Set by the SDK's start (a tracer) and its shutdown (null). */
export function useTracer(active: Tracer | null): void {
  tracer = active;
}

function fail(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.constructor.name : "Error");
}

/** `work` in a child span of `parent`; `work` is given the child, under which its own spans go. */
export async function inSpan<T>(
  parent: SpanParent,
  name: string,
  attributes: Attributes,
  work: (inner: SpanParent) => Promise<T>,
): Promise<T> {
  if (tracer === null || parent === null) return work(parent);
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
  try {
    return await work(trace.setSpan(parent, span));
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** A database transaction (BEGIN … COMMIT or ROLLBACK, on one connection). */
export function inTransactionSpan<T>(parent: SpanParent, work: (inner: SpanParent) => Promise<T>): Promise<T> {
  if (tracer === null || parent === null) return work(parent);
  return inSpan(parent, "transaction", { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL }, work);
}

/** One statement, named by what it does (`SELECT tenants`), never by its values. */
export async function inStatementSpan<T>(parent: SpanParent, text: string, work: () => Promise<T>): Promise<T> {
  if (tracer === null || parent === null) return work();
  const label = statementLabel(text);
  const attributes: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
    [ATTR_DB_OPERATION_NAME]: label.operation,
    [ATTR_DB_QUERY_SUMMARY]: label.summary,
  };
  if (label.table) attributes[ATTR_DB_COLLECTION_NAME] = label.table;
  const span = tracer.startSpan(label.summary, { kind: SpanKind.CLIENT, attributes }, parent);
  try {
    return await work();
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The span of one GraphQL request over HTTP, child of the caller's `traceparent` when it sent one. */
export interface OperationSpan {
  /** The parent of the request's own spans (null when this one is not sampled). */
  parent: SpanParent;
  /**
   * For the request's log lines: `trace_id`, `span_id`, `trace_flags`, when the trace is recorded
   * or came from the caller (its ids then find the caller's spans); null for a trace started
   * here and not sampled, whose ids lead nowhere.
   */
  logFields: { trace_id: string; span_id: string; trace_flags: "00" | "01" } | null;
  /** Names the span by its operation, as the conventions do (`query TenantById`), and ends it. */
  end(outcome: { operationName?: string; operationType?: string; status: number }): void;
}

export function startOperationSpan(headers: IncomingHttpHeaders, method: string | undefined): OperationSpan | null {
  if (tracer === null) return null;
  const incoming = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(
    OPERATION_SPAN_NAME,
    { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method ?? "GET" } },
    incoming,
  );
  const { traceId, spanId, traceFlags } = span.spanContext();
  const recording = span.isRecording();
  return {
    parent: recording ? trace.setSpan(incoming, span) : null,
    logFields:
      recording || trace.getSpanContext(incoming) !== undefined
        ? { trace_id: traceId, span_id: spanId, trace_flags: traceFlags & 1 ? "01" : "00" }
        : null,
    end({ operationName, operationType, status }) {
      if (recording) {
        if (operationType) {
          span.updateName(operationName ? `${operationType} ${operationName}` : operationType);
          span.setAttribute(ATTR_GRAPHQL_OPERATION_TYPE, operationType);
        }
        if (operationName) span.setAttribute(ATTR_GRAPHQL_OPERATION_NAME, operationName);
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
}

/**
 * An outgoing HTTP call (a webhook delivery) as a client span under `parent` (a root span when
 * there is none, sampled at the configured ratio), its `traceparent` in the headers `send` must
 * add to the request: the receiver continues this trace. With tracing off, `send` gets no headers.
 * `statusOf` reads the response's HTTP status (4xx and 5xx mark the span failed).
 */
export async function withOutgoingCall<T>(
  parent: SpanParent | undefined,
  name: string,
  attributes: Attributes,
  send: (traceHeaders: Record<string, string>) => Promise<T>,
  statusOf?: (result: T) => number,
): Promise<T> {
  if (tracer === null) return send({});
  const base = parent ?? ROOT_CONTEXT;
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, base);
  const traceHeaders: Record<string, string> = {};
  propagation.inject(trace.setSpan(base, span), traceHeaders);
  try {
    const result = await send(traceHeaders);
    const status = statusOf?.(result);
    if (status !== undefined) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 400) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute(ATTR_ERROR_TYPE, String(status));
      }
    }
    return result;
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}
