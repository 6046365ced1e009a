// A leaky bucket of cost points, the way Shopify's Admin GraphQL API throttles: a caller holds at
// most `capacity` points, spends a request's cost when it is admitted, and regains
// `restorePerSecond` points every second. Time is passed in, so the arithmetic is testable.

export interface BucketRule {
  /** Points a caller can hold: the largest burst. */
  capacity: number;
  /** Points regained per second: the sustained rate. */
  restorePerSecond: number;
}

/** What `extensions.cost.throttleStatus` reports (Shopify's names). */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export type Withdrawal = { granted: true } | { granted: false; retryAfterMs: number };
export const GRANTED: Withdrawal = { granted: true };

export class CostBucket {
  private available: number;
  private updatedAt: number;

  constructor(
    readonly rule: BucketRule,
    now: number,
  ) {
    this.available = rule.capacity;
    this.updatedAt = now;
  }

  private restore(now: number): void {
    const elapsedMs = Math.max(0, now - this.updatedAt);
    this.available = Math.min(this.rule.capacity, this.available + (elapsedMs / 1000) * this.rule.restorePerSecond);
    this.updatedAt = now;
  }

  /** Whether `points` could be taken now (nothing is taken). */
  check(points: number, now: number): Withdrawal {
    this.restore(now);
    if (points <= this.available) return GRANTED;
    const missing = Math.min(points, this.rule.capacity) - this.available;
    return { granted: false, retryAfterMs: Math.ceil((missing / this.rule.restorePerSecond) * 1000) };
  }

  take(points: number, now: number): void {
    this.restore(now);
    this.available -= points;
  }

  /** Gives back what a request was charged but did not use. */
  refund(points: number, now: number): void {
    this.restore(now);
    this.available = Math.min(this.rule.capacity, this.available + points);
  }

  /** Back at capacity: forgetting the bucket loses nothing (a new one starts full). */
  isFull(now: number): boolean {
    this.restore(now);
    return this.available >= this.rule.capacity;
  }

  status(now: number): ThrottleStatus {
    this.restore(now);
    return {
      maximumAvailable: this.rule.capacity,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.rule.restorePerSecond,
    };
  }
}
