// design §6 "Tracing": an outgoing call (a webhook delivery) is a client span whose `traceparent`
// travels in the request's headers, so the receiver continues the trace; spans leave over
// OTLP/HTTP protobuf, the protocol's default. The SDK is started in this test's own process.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/server/logger.ts";
import { startTracing, type RunningTracing } from "../../src/telemetry/sdk.ts";
import { startOperationSpan, withOutgoingCall } from "../../src/telemetry/tracing.ts";
import { startOtlpReceiver, traceparent } from "../support/otlp-receiver.ts";

/** The receiving end of a webhook: answers 200 and keeps the headers it was sent. */
async function startWebhookTarget() {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    received.push(request.headers);
    response.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const deliver = (url: string) => (headers: Record<string, string>) =>
  fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: "{}" });

let tracing: RunningTracing | null = null;
afterAll(async () => {
  await tracing?.shutdown();
});

describe("an outgoing call", () => {
  it("sends no trace header while tracing is off", async () => {
    const target = await startWebhookTarget();
    await withOutgoingCall(null, "webhook delivery", {}, deliver(target.url));
    expect(target.received[0]?.["traceparent"]).toBeUndefined();
    await target.close();
  });

  it("is a client span under the request's span, its traceparent in the delivery's headers, exported as protobuf", async () => {
    const receiver = await startOtlpReceiver();
    const target = await startWebhookTarget();
    tracing = startTracing(
      {
        tracesUrl: `${receiver.endpoint}/v1/traces`,
        protocol: "http/protobuf",
        serviceName: "outgoing-call-test",
        sampler: "parentbased_always_on",
        samplerRatio: 1,
      },
      createLogger("silent"),
    );
    const incoming = traceparent(true);
    const operation = startOperationSpan({ traceparent: incoming.header }, "POST");
    expect(operation?.parent).not.toBeNull();
    const response = await withOutgoingCall(
      operation?.parent ?? null,
      "webhook delivery",
      { "url.full": target.url },
      deliver(target.url),
      (answer) => answer.status,
    );
    expect(response.status).toBe(200);
    operation?.end({ operationName: "Create", operationType: "mutation", status: 200 });

    const sent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(target.received[0]?.["traceparent"]));
    expect(sent?.[1]).toBe(incoming.traceId);
    const clientSpanId = sent?.[2] as string;
    expect(clientSpanId).not.toBe(operation?.logFields?.span_id);

    await tracing?.shutdown();
    tracing = null;
    const exports = receiver.requests.filter((request) => request.path === "/v1/traces");
    expect(exports.length).toBeGreaterThan(0);
    expect(exports.every((request) => request.contentType === "application/x-protobuf")).toBe(true);
    const body = Buffer.concat(exports.map((request) => request.body));
    // Protobuf carries the ids as raw bytes: the trace, the operation span and the client span.
    for (const id of [incoming.traceId, operation?.logFields?.span_id as string, clientSpanId]) {
      expect(body.includes(Buffer.from(id, "hex")), id).toBe(true);
    }
    expect(body.includes(Buffer.from("webhook delivery"))).toBe(true);
    await target.close();
    await receiver.close();
  });
});
