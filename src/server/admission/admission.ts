// Who may start a request now, and what it may spend: per-caller and per-tenant cost buckets,
// a cap on each caller's requests in flight, and load shedding. One instance per process
// (design §6 says why the limits are per replica).
import type { Principal } from "../../domain/principal.ts";
import { CostBucket, type BucketRule, GRANTED, type ThrottleStatus } from "./cost-bucket.ts";
import { LoadShedder, type SheddingRules } from "./load-shedder.ts";

/** Whose share a request spends: a tenant user also spends their tenant's. */
export interface Caller {
  readonly kind: "tenantUser" | "platform" | "anonymous";
  /** The caller's own bucket and concurrency (`user:<tenant>:<sub>`, `platform:<sub>`, `anonymous:<address>`). */
  readonly key: string;
  /** The tenant whose shared bucket a tenant user's requests also spend. */
  readonly tenantId: string | null;
}

/**
 * A tenant-scoped token spends its own and its tenant's share; a platform token its own, larger
 * one; a request without a verified principal the share of its network address.
 */
export function callerFor(principal: Principal | null, remoteAddress: string | undefined): Caller {
  if (!principal) return { kind: "anonymous", key: `anonymous:${remoteAddress ?? "unknown"}`, tenantId: null };
  // Once per principal: the token verifier hands out the same one for the same token.
  const known = callers.get(principal);
  if (known) return known;
  const caller: Caller =
    principal.tenantId !== null
      ? { kind: "tenantUser", key: `user:${principal.tenantId}:${principal.sub}`, tenantId: principal.tenantId }
      : { kind: "platform", key: `platform:${principal.sub}`, tenantId: null };
  callers.set(principal, caller);
  return caller;
}

const callers = new WeakMap<Principal, Caller>();

export interface AdmissionRules {
  buckets: { tenantUser: BucketRule; tenant: BucketRule; platform: BucketRule; anonymous: BucketRule };
  /** Requests one caller may have in flight at once (GitHub's secondary limit). */
  concurrency: { tenantUser: number; platform: number; anonymous: number };
  shedding: SheddingRules;
}

export type Refusal =
  | { kind: "rateLimited"; limit: "concurrency" | "cost"; retryAfterMs: number; message: string }
  | { kind: "overloaded"; retryAfterMs: number; message: string };

/** An admitted request: what it may spend, and its place among its caller's requests in flight. */
export interface Ticket {
  readonly caller: Caller;
  /** Spends `cost` points from the caller's (and its tenant's) bucket, or says why not. */
  charge(cost: number): Refusal | null;
  /** Gives back points the request was charged for work it turned out not to need. */
  refund(points: number): void;
  /** Points charged and not given back: the request's actual cost. */
  readonly spent: number;
  /** The caller's bucket (and, for tenant users, the tenant's) as `extensions.cost` reports them. */
  throttleStatus(): { caller: ThrottleStatus; tenant: ThrottleStatus | null };
  /** Ends the request's hold on its caller's concurrency (idempotent). */
  leave(): void;
}

/** Buckets kept before full ones (which carry no state) are forgotten. */
const BUCKETS_KEPT = 50_000;
/** Retry-After for a concurrency or overload refusal: a slot is usually free within it. */
const BUSY_RETRY_AFTER_MS = 1_000;

export class Admission {
  private readonly buckets = new Map<string, CostBucket>();
  private readonly inFlightByCaller = new Map<string, number>();
  /** Callers refused for cost, until their Retry-After has passed. */
  private readonly throttledUntil = new Map<string, number>();
  private inFlight = 0;
  readonly shedder: LoadShedder;

  constructor(
    private readonly rules: AdmissionRules,
    private readonly now: () => number = Date.now,
  ) {
    this.shedder = new LoadShedder(rules.shedding);
  }

  /** GraphQL requests admitted and not yet answered. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /**
   * Decides before the request's body is read — the cheapest moment to refuse. Under pressure,
   * a caller that already has a request in flight is shed first; a caller with nothing in
   * flight (a bystander's single read) still gets in until the pressure is critical.
   */
  enter(caller: Caller): { admitted: true; ticket: Ticket } | { admitted: false; refusal: Refusal } {
    const held = this.inFlightByCaller.get(caller.key) ?? 0;
    const pressure = this.shedder.pressure(this.inFlight);
    if (pressure === "critical" || (pressure === "elevated" && held > 0)) {
      return {
        admitted: false,
        refusal: {
          kind: "overloaded",
          retryAfterMs: BUSY_RETRY_AFTER_MS,
          message: "The service is overloaded; retry after the time in Retry-After",
        },
      };
    }
    const waitMs = (this.throttledUntil.get(caller.key) ?? 0) - this.now();
    if (waitMs > 0) {
      // Told to wait and back early: refused at the door, before its body is read or parsed —
      // a client that ignores Retry-After costs next to nothing until it has passed.
      return {
        admitted: false,
        refusal: {
          kind: "rateLimited",
          limit: "cost",
          retryAfterMs: waitMs,
          message: "Your budget is still refilling; retry after the time in Retry-After",
        },
      };
    }
    this.throttledUntil.delete(caller.key);
    const cap = this.rules.concurrency[caller.kind];
    if (held >= cap) {
      return {
        admitted: false,
        refusal: {
          kind: "rateLimited",
          limit: "concurrency",
          retryAfterMs: BUSY_RETRY_AFTER_MS,
          message: `At most ${cap} requests of one caller may be in flight at once; retry after the time in Retry-After`,
        },
      };
    }
    this.inFlightByCaller.set(caller.key, held + 1);
    this.inFlight += 1;
    return { admitted: true, ticket: this.ticketFor(caller) };
  }

  private ticketFor(caller: Caller): Ticket {
    return new AdmissionTicket(caller, this);
  }

  /** The caller's own bucket. */
  ownBucket(caller: Caller): CostBucket {
    return this.bucket(caller.key, this.rules.buckets[caller.kind]);
  }

  /** The shared bucket of a tenant user's tenant; null for other callers. */
  tenantBucket(caller: Caller): CostBucket | null {
    return caller.tenantId === null ? null : this.bucket(`tenant:${caller.tenantId}`, this.rules.buckets.tenant);
  }

  /** Ends one of the caller's requests in flight. */
  release(caller: Caller): void {
    this.inFlight -= 1;
    const remaining = (this.inFlightByCaller.get(caller.key) ?? 1) - 1;
    if (remaining > 0) this.inFlightByCaller.set(caller.key, remaining);
    else this.inFlightByCaller.delete(caller.key);
  }

  /** The admission's clock (injected in tests). */
  get clock(): number {
    return this.now();
  }

  /** Refuses the caller at the door until `until` (its Retry-After). */
  throttle(key: string, until: number): void {
    if (this.throttledUntil.size >= BUCKETS_KEPT) {
      const now = this.now();
      for (const [other, at] of this.throttledUntil) if (at <= now) this.throttledUntil.delete(other);
    }
    this.throttledUntil.set(key, until);
  }

  private bucket(key: string, rule: BucketRule): CostBucket {
    const existing = this.buckets.get(key);
    if (existing) return existing;
    if (this.buckets.size >= BUCKETS_KEPT) this.forgetFullBuckets();
    const created = new CostBucket(rule, this.now());
    this.buckets.set(key, created);
    return created;
  }

  /**
   * A full bucket is what a new one would be, so forgetting it loses nothing. Should every
   * bucket be in use (a flood of distinct callers), the oldest go: a caller may then start over
   * full — callers are minted by the token issuer, not by the client.
   */
  private forgetFullBuckets(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
    const excess = this.buckets.size - Math.floor(BUCKETS_KEPT / 2);
    if (excess <= 0) return;
    let dropped = 0;
    for (const key of this.buckets.keys()) {
      if (dropped++ >= excess) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * A class rather than an object of closures: one is made for every request, and the closures
 * (six per request) were a measurable share of a tenant read's CPU. The buckets are looked up
 * when used, so one forgotten meanwhile (design §6) is not written to.
 */
class AdmissionTicket implements Ticket {
  private held = true;
  private charged = 0;

  constructor(
    readonly caller: Caller,
    private readonly admission: Admission,
  ) {
    this.leave = this.leave.bind(this);
  }

  get spent(): number {
    return this.charged;
  }

  charge(cost: number): Refusal | null {
    const now = this.admission.clock;
    const own = this.admission.ownBucket(this.caller);
    const tenant = this.admission.tenantBucket(this.caller);
    const ownWait = own.check(cost, now);
    const tenantWait = tenant?.check(cost, now) ?? GRANTED;
    const retryAfterMs = Math.max(
      ownWait.granted ? 0 : ownWait.retryAfterMs,
      tenantWait.granted ? 0 : tenantWait.retryAfterMs,
    );
    if (retryAfterMs > 0) {
      this.admission.throttle(this.caller.key, now + retryAfterMs);
      const whose = ownWait.granted ? "your tenant's" : "your";
      return {
        kind: "rateLimited",
        limit: "cost",
        retryAfterMs,
        message: `This request costs ${cost} points and ${whose} budget has fewer; retry after the time in Retry-After`,
      };
    }
    own.take(cost, now);
    tenant?.take(cost, now);
    this.charged += cost;
    return null;
  }

  refund(points: number): void {
    const given = Math.min(Math.max(0, points), this.charged);
    if (given === 0) return;
    this.charged -= given;
    const now = this.admission.clock;
    this.admission.ownBucket(this.caller).refund(given, now);
    this.admission.tenantBucket(this.caller)?.refund(given, now);
  }

  throttleStatus(): { caller: ThrottleStatus; tenant: ThrottleStatus | null } {
    const now = this.admission.clock;
    return {
      caller: this.admission.ownBucket(this.caller).status(now),
      tenant: this.admission.tenantBucket(this.caller)?.status(now) ?? null,
    };
  }

  /** Bound: it is handed to the response's `close` event as is. */
  leave(): void {
    if (!this.held) return;
    this.held = false;
    this.admission.release(this.caller);
  }
}
