// `npx tsx bench/tracing-span-cost.ts` — the CPU tracing adds to one request, measured apart from
// the service: the request-path calls a traced request makes (the operation span from a
// `traceparent`-less request, its statement, transaction and audit spans, its log line with the
// trace ids), with the real SDK exporting OTLP protobuf to a sink in this process, against the
// same calls with tracing off. Shapes as bench scenarios (a), (b) and (d) make them (statements
// per request: BENCHMARKS.md). Less sensitive to the other processes on a shared machine than
// throughput: only this process's CPU time is counted, and off / 100 % / 5 % alternate.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import type { TracingConfig } from "../src/server/config.ts";
import { startTracing, type RunningTracing } from "../src/telemetry/sdk.ts";
import {
  inSpan,
  inStatementSpan,
  inTransactionSpan,
  startOperationSpan,
  type SpanParent,
} from "../src/telemetry/tracing.ts";

const ITERATIONS = 20_000;
const ROUNDS = 5;
const TENANT = "SELECT id, slug, name, status FROM tenants WHERE id = ANY($1::uuid[])";
const PAGE = "SELECT count(*) FROM tenants";
const LOCK = "SELECT id, status, version FROM tenants WHERE id = $1 FOR UPDATE";
const UPDATE = "UPDATE tenants SET status = $2, version = version + 1 WHERE id = $1 RETURNING id";
const LAST_EVENT = "SELECT sequence, hash FROM audit_events WHERE tenant_id = $1 ORDER BY sequence DESC LIMIT 1";
const APPEND = "INSERT INTO audit_events (id, tenant_id, sequence) VALUES ($1, $2, $3) RETURNING id";

type Shape = (parent: SpanParent) => Promise<void>;
const statement = (parent: SpanParent, text: string) => inStatementSpan(parent, text, () => Promise.resolve());
const shapes: Record<string, Shape> = {
  "(a) tenant by id: 1 statement": (parent) => statement(parent, TENANT),
  "(b) dashboard page: 4 statements": async (parent) => {
    await statement(parent, PAGE);
    await Promise.all([statement(parent, TENANT), statement(parent, TENANT), statement(parent, TENANT)]);
  },
  "(d) transition: transaction, audit append, 6 statements": (parent) =>
    inTransactionSpan(parent, async (tx) => {
      await statement(tx, LOCK);
      await statement(tx, UPDATE);
      await statement(tx, TENANT);
      await statement(tx, TENANT);
      await inSpan(tx, "audit append", { "audit.action": "tenant.suspended" }, async (audit) => {
        await statement(audit, LAST_EVENT);
        await statement(audit, APPEND);
      });
    }),
};

const logger = pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true }));
const headers = { "content-type": "application/json", authorization: "Bearer x" };

async function request(shape: Shape, index: number): Promise<void> {
  const span = startOperationSpan(headers, "POST");
  const requestId = `r-${index}`;
  const requestLogger = logger.child(span?.logFields ? { requestId, ...span.logFields } : { requestId });
  await shape(span?.parent ?? null);
  span?.end({ operationName: "Dashboard", operationType: "query", status: 200 });
  requestLogger.info({ status: 200 }, "request finished");
}

async function cpuMicrosPerRequest(shape: Shape): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < ITERATIONS; index += 1) await request(shape, index);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / ITERATIONS;
}

async function main(): Promise<void> {
  let exported = 0;
  const sink = createServer((incoming, response) => {
    incoming.on("data", (chunk: Buffer) => (exported += chunk.length));
    incoming.on("end", () => response.writeHead(200, { "content-type": "application/x-protobuf" }).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const base: TracingConfig = {
    tracesUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`,
    protocol: "http/protobuf",
    serviceName: "span-cost",
    sampler: "parentbased_always_on",
    samplerRatio: 1,
  };
  const configurations: Record<string, TracingConfig | null> = {
    off: null,
    "on 100 %": base,
    "on 5 %": { ...base, sampler: "parentbased_traceidratio", samplerRatio: 0.05 },
  };
  const quiet = pino({ level: "silent" });
  const results = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [shapeName, shape] of Object.entries(shapes)) {
      for (const [name, settings] of Object.entries(configurations)) {
        const tracing: RunningTracing | null = settings ? startTracing(settings, quiet) : null;
        const micros = await cpuMicrosPerRequest(shape);
        await tracing?.shutdown();
        const key = `${shapeName}|${name}`;
        results.set(key, [...(results.get(key) ?? []), micros]);
      }
    }
  }
  sink.close();
  const median = (values: number[]) =>
    [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)] as number;
  console.log(`${(exported / 1e6).toFixed(1)} MB exported\n`);
  console.log("| shape | off µs/req | on 100 % µs/req | added | on 5 % µs/req | added |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const shapeName of Object.keys(shapes)) {
    const of = (name: string) => median(results.get(`${shapeName}|${name}`) ?? []);
    const off = of("off");
    const full = of("on 100 %");
    const sampled = of("on 5 %");
    console.log(
      `| ${shapeName} | ${off.toFixed(1)} | ${full.toFixed(1)} | ${(full - off).toFixed(1)} | ${sampled.toFixed(1)} | ${(sampled - off).toFixed(1)} |`,
    );
  }
}

void main();
