// Starts OpenTelemetry's trace SDK when an OTLP endpoint is configured (design §6 "Tracing").
// Only the pieces the service's own spans need: a tracer provider with the configured sampler,
// W3C trace context propagation, and a batching OTLP/HTTP exporter. No auto-instrumentation is loaded.
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { TracingConfig } from "../server/config.ts";
import type { Logger } from "../server/logger.ts";
import { useTracer } from "./tracing.ts";

const INSTRUMENTATION_SCOPE = "tenant-lifecycle-subgraph";
/** How long a stopping service waits for its last spans to be sent. */
const SHUTDOWN_FLUSH_MS = 2_000;

export interface RunningTracing {
  /** Sends the spans still queued, then stops recording. */
  shutdown(): Promise<void>;
}

/** Null when tracing is off (no endpoint, or OTEL_SDK_DISABLED): no SDK is loaded into the request path. */
export function startTracing(settings: TracingConfig, logger: Logger): RunningTracing | null {
  if (settings.tracesUrl === undefined) return null;
  // An unreachable collector is the operator's to know; the SDK reports it through its diagnostics.
  diag.setLogger(
    {
      error: (message, ...args) => logger.warn({ detail: args.map(String) }, `tracing: ${message}`),
      warn: (message, ...args) => logger.warn({ detail: args.map(String) }, `tracing: ${message}`),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  const exporter =
    settings.protocol === "http/json"
      ? new OtlpJsonExporter({ url: settings.tracesUrl })
      : new OtlpProtobufExporter({ url: settings.tracesUrl });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    sampler: samplerOf(settings),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // W3C trace context as the propagator; no async context manager (see tracing.ts).
  provider.register({ contextManager: null });
  useTracer(provider.getTracer(INSTRUMENTATION_SCOPE));
  logger.info(
    { tracesUrl: settings.tracesUrl, sampler: settings.sampler, ratio: settings.samplerRatio },
    "tracing: exporting spans over OTLP",
  );
  return {
    async shutdown() {
      useTracer(null);
      // An unreachable collector is retried with backoff: shutdown waits for it only so long.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        provider.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, SHUTDOWN_FLUSH_MS);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}

function samplerOf({ sampler, samplerRatio }: TracingConfig): Sampler {
  switch (sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(samplerRatio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio) });
  }
}
