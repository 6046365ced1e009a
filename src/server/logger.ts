import pino, { type Logger } from "pino";

export type { Logger };

export type LogFormat = "json" | "pretty";

/**
 * JSON logs unless told otherwise. Tokens never reach a log line: the paths where a careless
 * call could put one are redacted as a second line of defence.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
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

/**
 * `LOG_FORMAT=auto`: readable lines for a person at a terminal in development, JSON for
 * everything else (a file, a pipe, a log collector, production).
 */
export function resolveLogFormat(
  setting: "auto" | LogFormat,
  nodeEnv: "development" | "production" | "test",
  stdoutIsTerminal: boolean,
): LogFormat {
  if (setting !== "auto") return setting;
  return nodeEnv === "development" && stdoutIsTerminal ? "pretty" : "json";
}

/**
 * pino's own pretty printer (pino-pretty, a development dependency), writing synchronously on
 * this thread like the JSON destination. Null when it is not installed (`npm ci --omit=dev`):
 * the caller falls back to JSON.
 */
export async function prettyDestination(): Promise<pino.DestinationStream | null> {
  try {
    const { default: pretty } = await import("pino-pretty");
    return pretty({
      sync: true,
      colorize: process.stdout.isTTY === true,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname,service",
      singleLine: true,
    });
  } catch {
    return null;
  }
}
