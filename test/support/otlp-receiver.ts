// An OTLP/HTTP trace receiver inside the test (no collector is installable here): accepts what
// an exporter POSTs to /v1/traces and keeps the spans of JSON requests, the raw bodies of all.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  status?: { code?: number; message?: string };
  serviceName?: string;
}

export interface ReceivedRequest {
  path: string;
  contentType: string;
  body: Buffer;
}

export interface OtlpReceiver {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  endpoint: string;
  requests: ReceivedRequest[];
  spans: ReceivedSpan[];
  /** Waits until `predicate` holds over the spans received (polling), or fails after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface JsonAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}

interface JsonTraces {
  resourceSpans?: {
    resource?: { attributes?: JsonAttribute[] };
    scopeSpans?: {
      spans?: (Omit<ReceivedSpan, "attributes" | "serviceName"> & { attributes?: JsonAttribute[] })[];
    }[];
  }[];
}

function attributesOf(list: JsonAttribute[] = []): Record<string, string | number | boolean> {
  return Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue ?? "")),
    ]),
  );
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const contentType = request.headers["content-type"] ?? "";
      requests.push({ path: request.url ?? "", contentType, body });
      if (request.url === "/v1/traces" && contentType.startsWith("application/json")) {
        const traces = JSON.parse(body.toString("utf8")) as JsonTraces;
        for (const resourceSpan of traces.resourceSpans ?? []) {
          const serviceName = attributesOf(resourceSpan.resource?.attributes)["service.name"];
          for (const scope of resourceSpan.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                ...span,
                parentSpanId: span.parentSpanId || undefined,
                attributes: attributesOf(span.attributes),
                serviceName: typeof serviceName === "string" ? serviceName : undefined,
              });
            }
          }
        }
      }
      response.writeHead(200, {
        "content-type": contentType.startsWith("application/json") ? "application/json" : contentType,
      });
      response.end(contentType.startsWith("application/json") ? "{}" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    spans,
    async waitFor(predicate, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > until)
          throw new Error(`spans not received in time; got: ${spans.map((s) => s.name).join(", ")}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return spans;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A W3C traceparent with fresh ids, as a router sends it. */
export function traceparent(sampled: boolean): { header: string; traceId: string; parentId: string } {
  const traceId = randomHex(16);
  const parentId = randomHex(8);
  return { header: `00-${traceId}-${parentId}-${sampled ? "01" : "00"}`, traceId, parentId };
}

function randomHex(bytes: number): string {
  return Buffer.from(Array.from({ length: bytes }, () => Math.floor(Math.random() * 256))).toString("hex");
}
