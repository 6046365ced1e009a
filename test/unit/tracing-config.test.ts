// design §6 "Tracing": tracing is configured by OpenTelemetry's standard variables, validated at
// start like every other variable, and off unless an OTLP endpoint is set.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/server/config.ts";

function problemsOf(environment: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("configuration was accepted");
}

describe("tracing configuration", () => {
  it("is off without an endpoint, with the standard defaults otherwise", () => {
    expect(loadConfig({}).tracing).toEqual({
      tracesUrl: undefined,
      protocol: "http/protobuf",
      serviceName: "tenant-lifecycle-subgraph",
      sampler: "parentbased_always_on",
      samplerRatio: 1,
    });
  });

  it("sends to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces, or to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given", () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).tracing.tracesUrl).toBe(
      "http://collector:4318/v1/traces",
    );
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example/otlp/" }).tracing.tracesUrl).toBe(
      "https://otel.example/otlp/v1/traces",
    );
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/ingest",
      }).tracing.tracesUrl,
    ).toBe("http://traces:9999/ingest");
  });

  it("is off when OTEL_SDK_DISABLED is true, whatever the endpoint", () => {
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" }).tracing.tracesUrl,
    ).toBeUndefined();
  });

  it("reads the sampler and its ratio", () => {
    expect(
      loadConfig({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.05" }).tracing,
    ).toMatchObject({ sampler: "parentbased_traceidratio", samplerRatio: 0.05 });
  });

  it("refuses what it cannot honour, each variable by name", () => {
    const problems = problemsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_TRACES_SAMPLER: "sometimes",
      OTEL_TRACES_SAMPLER_ARG: "1.5",
      OTEL_SDK_DISABLED: "yes",
    });
    for (const name of [
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_EXPORTER_OTLP_PROTOCOL",
      "OTEL_TRACES_SAMPLER",
      "OTEL_TRACES_SAMPLER_ARG",
      "OTEL_SDK_DISABLED",
    ]) {
      expect(
        problems.some((problem) => problem.startsWith(`${name}:`)),
        name,
      ).toBe(true);
    }
    expect(problems.join("\n")).toContain("gRPC is not supported");
    expect(problems.join("\n")).toContain("between 0 and 1");
  });
});
