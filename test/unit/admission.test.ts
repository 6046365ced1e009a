// Design §6: the leaky buckets, the per-caller concurrency cap and the shedding order, with the
// clock in the test's hands.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Admission, callerFor, type AdmissionRules, type Caller } from "../../src/server/admission/admission.ts";
import { CostBucket } from "../../src/server/admission/cost-bucket.ts";

const rules: AdmissionRules = {
  buckets: {
    tenantUser: { capacity: 1_000, restorePerSecond: 100 },
    tenant: { capacity: 1_500, restorePerSecond: 200 },
    platform: { capacity: 10_000, restorePerSecond: 1_000 },
    anonymous: { capacity: 500, restorePerSecond: 50 },
  },
  concurrency: { tenantUser: 2, platform: 4, anonymous: 1 },
  shedding: { maxEventLoopDelayMs: 100, maxInFlight: 10 },
};

const alice = callerFor({ sub: "alice", scopes: ["tenant:member"], tenantId: "t1" }, "10.0.0.1");
const bob = callerFor({ sub: "bob", scopes: ["tenant:member"], tenantId: "t1" }, "10.0.0.2");
const carol = callerFor({ sub: "carol", scopes: ["tenant:member"], tenantId: "t2" }, "10.0.0.3");
const operator = callerFor({ sub: "op", scopes: ["platform:operator"], tenantId: null }, "10.0.0.4");

function admitted(admission: Admission, caller: Caller) {
  const entry = admission.enter(caller);
  if (!entry.admitted) throw new Error(`refused: ${entry.refusal.message}`);
  return entry.ticket;
}

describe("a cost bucket", () => {
  it("grants while it holds enough, and says how long until it will", () => {
    const bucket = new CostBucket({ capacity: 1_000, restorePerSecond: 100 }, 0);
    expect(bucket.check(1_000, 0)).toEqual({ granted: true });
    bucket.take(800, 0);
    expect(bucket.status(0)).toEqual({ maximumAvailable: 1_000, currentlyAvailable: 200, restoreRate: 100 });
    expect(bucket.check(500, 0)).toEqual({ granted: false, retryAfterMs: 3_000 });
    expect(bucket.check(500, 3_000)).toEqual({ granted: true });
    expect(bucket.status(60_000).currentlyAvailable).toBe(1_000);
  });

  it("never holds more than its capacity nor grants more than it has, whatever the sequence", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ wait: fc.nat(5_000), cost: fc.integer({ min: 1, max: 1_000 }) }), { maxLength: 50 }),
        (steps) => {
          const bucket = new CostBucket({ capacity: 1_000, restorePerSecond: 100 }, 0);
          let now = 0;
          let granted = 0;
          for (const { wait, cost } of steps) {
            now += wait;
            if (bucket.check(cost, now).granted) {
              bucket.take(cost, now);
              granted += cost;
            }
            const { currentlyAvailable } = bucket.status(now);
            expect(currentlyAvailable).toBeGreaterThanOrEqual(0);
            expect(currentlyAvailable).toBeLessThanOrEqual(1_000);
          }
          // What was spent fits in the first fill plus what was restored meanwhile.
          expect(granted).toBeLessThanOrEqual(1_000 + (now / 1_000) * 100);
        },
      ),
    );
  });
});

describe("admission", () => {
  it("keys tenant users by tenant and subject, platform callers by subject, the rest by address", () => {
    expect(alice).toEqual({ kind: "tenantUser", key: "user:t1:alice", tenantId: "t1" });
    expect(operator).toEqual({ kind: "platform", key: "platform:op", tenantId: null });
    expect(callerFor(null, "::1")).toEqual({ kind: "anonymous", key: "anonymous:::1", tenantId: null });
  });

  it("caps one caller's requests in flight without touching anyone else's", () => {
    const admission = new Admission(rules, () => 0);
    const first = admitted(admission, alice);
    admitted(admission, alice);
    const third = admission.enter(alice);
    expect(third.admitted).toBe(false);
    if (!third.admitted) expect(third.refusal).toMatchObject({ kind: "rateLimited", limit: "concurrency" });
    admitted(admission, bob);
    admitted(admission, carol);
    first.leave();
    first.leave(); // leaving twice frees one slot, not two
    admitted(admission, alice);
    expect(admission.enter(alice).admitted).toBe(false);
  });

  it("spends a tenant user's cost from their own bucket and their tenant's", () => {
    let now = 0;
    const admission = new Admission(rules, () => now);
    const ticket = admitted(admission, alice);
    expect(ticket.charge(900)).toBeNull();
    expect(ticket.throttleStatus()).toEqual({
      caller: { maximumAvailable: 1_000, currentlyAvailable: 100, restoreRate: 100 },
      tenant: { maximumAvailable: 1_500, currentlyAvailable: 600, restoreRate: 200 },
    });
    // Alice's own bucket is short by 100 points: 1 s.
    expect(ticket.charge(200)).toMatchObject({ kind: "rateLimited", limit: "cost", retryAfterMs: 1_000 });
    // Bob has his own bucket, but shares the tenant's: 700 would leave it short by 100 (0.5 s).
    const bobs = admitted(admission, bob);
    expect(bobs.charge(700)).toMatchObject({ limit: "cost", retryAfterMs: 500 });
    expect(bobs.charge(600)).toBeNull();
    // Carol's tenant is untouched.
    expect(admitted(admission, carol).charge(1_000)).toBeNull();
    now += 5_000;
    expect(ticket.charge(200)).toBeNull();
  });

  it("refuses a caller told to wait at the door until its Retry-After has passed, whatever it sends", () => {
    let now = 0;
    const admission = new Admission(rules, () => now);
    const ticket = admitted(admission, alice);
    expect(ticket.charge(900)).toBeNull();
    ticket.leave();
    const second = admitted(admission, alice);
    expect(second.charge(600)).toMatchObject({ limit: "cost", retryAfterMs: 5_000 });
    second.leave();
    now += 3_000;
    const early = admission.enter(alice);
    expect(early.admitted).toBe(false);
    if (!early.admitted)
      expect(early.refusal).toMatchObject({ kind: "rateLimited", limit: "cost", retryAfterMs: 2_000 });
    // Bob, of the same tenant, was told nothing.
    admitted(admission, bob).leave();
    now += 2_000;
    expect(admitted(admission, alice).charge(600)).toBeNull();
  });

  it("sheds a caller that already has work in flight first, and everyone past the in-flight bound", () => {
    const admission = new Admission(rules, () => 0);
    admission.shedder.observeWindow(150);
    admitted(admission, operator);
    const again = admission.enter(operator);
    expect(again.admitted).toBe(false);
    if (!again.admitted) expect(again.refusal.kind).toBe("overloaded");
    // A bystander with nothing in flight still gets in under elevated pressure.
    admitted(admission, carol);
    for (let index = 0; index < 9; index += 1) admitted(admission, callerFor(null, `10.1.0.${index}`));
    const late = admission.enter(bob);
    expect(late.admitted).toBe(false);
    if (!late.admitted) expect(late.refusal.kind).toBe("overloaded");
  });

  it("refuses even a quiet caller when the loop's delay is critical, and admits again once it falls", () => {
    const admission = new Admission(rules, () => 0);
    admission.shedder.observeWindow(450);
    expect(admission.enter(carol).admitted).toBe(false);
    admission.shedder.observeWindow(20);
    expect(admission.enter(carol).admitted).toBe(true);
  });
});
