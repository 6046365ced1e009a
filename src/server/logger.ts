import pino, { type Logger } from "pino";
import { activeTraceIds } from "../telemetry/tracing.ts";

export type { Logger };

export interface LoggerOptions {
  /** Tracing is on: every line written inside a span carries its `trace_id` and `span_id`. */
  traceIds?: boolean;
}

/**
 * JSON logs. Tokens never reach a log line: the paths where a careless call could put one
 * are redacted as a second line of defence.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
  return pino(
    {
      level,
      ...(options.traceIds ? { mixin: activeTraceIds } : {}),
      base: { service: "tenant-lifecycle-subgraph" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ["authorization", "headers.authorization", "req.headers.authorization", "token", "*.token"],
        censor: "[redacted]",
      },
    },
    // Synchronous writes: asynchronous ones measured no cheaper per request (bench scenario (a)),
    // and a process that dies loses no line.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
