import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/**
 * How loaded the process is, from the event loop's delay (what every request waits before its
 * next piece of work runs) and the GraphQL requests in flight — the signals of Fastify's
 * `under-pressure`. Sampled in windows, so one slow tick does not flip the decision.
 */
export type Pressure = "normal" | "elevated" | "critical";

export interface SheddingRules {
  /** p99 event-loop delay of the last window above which the process is under pressure. */
  maxEventLoopDelayMs: number;
  /** GraphQL requests in flight above which every new one is refused. */
  maxInFlight: number;
}

/** Critical is this many times the delay threshold: then even a quiet caller is refused. */
const CRITICAL_DELAY_FACTOR = 4;
const SAMPLE_WINDOW_MS = 250;
const HISTOGRAM_RESOLUTION_MS = 10;

export class LoadShedder {
  private histogram: IntervalHistogram | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delayMs = 0;

  constructor(private readonly rules: SheddingRules) {}

  start(): void {
    if (this.histogram) return;
    const histogram = monitorEventLoopDelay({ resolution: HISTOGRAM_RESOLUTION_MS });
    histogram.enable();
    this.histogram = histogram;
    this.timer = setInterval(() => {
      // The histogram's own resolution is part of every sample: subtract it.
      this.observeWindow(histogram.percentile(99) / 1e6 - HISTOGRAM_RESOLUTION_MS);
      histogram.reset();
    }, SAMPLE_WINDOW_MS);
    this.timer.unref();
  }

  stop(): void {
    this.histogram?.disable();
    this.histogram = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Records a window's p99 event-loop delay (ms): what the next decisions go by. */
  observeWindow(delayMs: number): void {
    this.delayMs = Math.max(0, delayMs);
  }

  /** The p99 event-loop delay of the last full window, in ms. */
  get eventLoopDelayMs(): number {
    return this.delayMs;
  }

  pressure(inFlight: number): Pressure {
    if (inFlight > this.rules.maxInFlight) return "critical";
    if (this.delayMs > this.rules.maxEventLoopDelayMs * CRITICAL_DELAY_FACTOR) return "critical";
    if (this.delayMs > this.rules.maxEventLoopDelayMs) return "elevated";
    return "normal";
  }
}
