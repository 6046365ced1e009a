// docs/design.md §4 "Audit": hash = sha256(previousHash ‖ canonical JSON of the event).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { auditEventHash, type HashedAuditContent } from "../../src/services/audit/audit-hash.ts";
import { canonicalJson, type JsonValue } from "../../src/services/canonical-json.ts";

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

const EVENT: HashedAuditContent = {
  tenantId: "5d1f0c4e-8a2b-4c6d-9e7f-0a1b2c3d4e5f",
  sequence: 7,
  action: "tenant.lifecycle.suspend",
  actorType: "OPERATOR",
  actorId: "operator-1",
  operatorOverride: false,
  reason: "chargeback",
  changes: { status: { from: "ACTIVE", to: "SUSPENDED" }, version: { from: 6, to: 7 } },
  requestId: "req-123",
  occurredAt: new Date("2026-01-02T03:04:05.678Z"),
};

/** EVENT's canonical JSON, written by hand: keys sorted at every depth, no whitespace, ISO timestamp. */
const EVENT_CANONICAL =
  '{"action":"tenant.lifecycle.suspend","actorId":"operator-1","actorType":"OPERATOR",' +
  '"changes":{"status":{"from":"ACTIVE","to":"SUSPENDED"},"version":{"from":6,"to":7}},' +
  '"occurredAt":"2026-01-02T03:04:05.678Z","operatorOverride":false,"reason":"chargeback",' +
  '"requestId":"req-123","sequence":7,"tenantId":"5d1f0c4e-8a2b-4c6d-9e7f-0a1b2c3d4e5f"}';

const PREVIOUS = sha256("the previous event");

describe("canonicalJson", () => {
  it("sorts keys at every depth, including objects inside arrays", () => {
    const value: JsonValue = { b: 1, a: { d: [{ y: 1, x: 2 }], c: null } };
    expect(canonicalJson(value)).toBe('{"a":{"c":null,"d":[{"x":2,"y":1}]},"b":1}');
  });

  it("does not depend on key insertion order at any depth", () => {
    const one: JsonValue = { z: { k2: [1, { q: true, p: "s" }], k1: "v" }, a: [], m: { y: null, x: 0 } };
    const two: JsonValue = { m: { x: 0, y: null }, a: [], z: { k1: "v", k2: [1, { p: "s", q: true }] } };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it("keeps array order, which is content", () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it("is valid JSON that parses back to the same value", () => {
    const value: JsonValue = { text: 'quote " backslash \\ newline \n é 🚀', n: -1.5, t: true, f: false, nil: null };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it("prints scalars as JSON does", () => {
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson("a")).toBe('"a"');
    expect(canonicalJson(3)).toBe("3");
    expect(canonicalJson(false)).toBe("false");
  });
});

describe("auditEventHash", () => {
  it("hashes the event's canonical JSON as written out by hand", () => {
    // the content is hashed with its timestamp in ISO form
    expect(canonicalJson({ ...EVENT, occurredAt: EVENT.occurredAt.toISOString() })).toBe(EVENT_CANONICAL);
  });

  it("is sha256(previousHash ‖ canonical JSON), recomputed independently", () => {
    expect(auditEventHash(PREVIOUS, EVENT)).toBe(sha256(PREVIOUS + EVENT_CANONICAL));
  });

  it("hashes the first event of a tenant (no previous hash) over its canonical JSON alone", () => {
    expect(auditEventHash(null, EVENT)).toBe(sha256(EVENT_CANONICAL));
  });

  it("is 64 lowercase hex characters and deterministic", () => {
    const hash = auditEventHash(PREVIOUS, EVENT);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(auditEventHash(PREVIOUS, { ...EVENT })).toBe(hash);
  });

  it("does not depend on the key order of changes", () => {
    const reordered: HashedAuditContent = {
      ...EVENT,
      changes: { version: { to: 7, from: 6 }, status: { to: "SUSPENDED", from: "ACTIVE" } },
    };
    expect(auditEventHash(PREVIOUS, reordered)).toBe(auditEventHash(PREVIOUS, EVENT));
  });

  it("chains: a different previous hash gives a different hash", () => {
    expect(auditEventHash(sha256("another previous event"), EVENT)).not.toBe(auditEventHash(PREVIOUS, EVENT));
    expect(auditEventHash(null, EVENT)).not.toBe(auditEventHash(PREVIOUS, EVENT));
  });

  const tampered: [keyof HashedAuditContent, HashedAuditContent][] = [
    ["tenantId", { ...EVENT, tenantId: "5d1f0c4e-8a2b-4c6d-9e7f-0a1b2c3d4e60" }],
    ["sequence", { ...EVENT, sequence: 8 }],
    ["action", { ...EVENT, action: "tenant.lifecycle.reactivate" }],
    ["actorType", { ...EVENT, actorType: "SUPPORT" }],
    ["actorId", { ...EVENT, actorId: "operator-2" }],
    ["operatorOverride", { ...EVENT, operatorOverride: true }],
    ["reason", { ...EVENT, reason: "chargeback!" }],
    ["reason", { ...EVENT, reason: null }],
    [
      "changes",
      { ...EVENT, changes: { status: { from: "ACTIVE", to: "DEPROVISIONING" }, version: { from: 6, to: 7 } } },
    ],
    ["changes", { ...EVENT, changes: { status: { from: "ACTIVE", to: "SUSPENDED" } } }],
    ["requestId", { ...EVENT, requestId: "req-124" }],
    ["requestId", { ...EVENT, requestId: null }],
    ["occurredAt", { ...EVENT, occurredAt: new Date("2026-01-02T03:04:05.679Z") }],
  ];

  it("covers every field of the content", () => {
    const covered = new Set(tampered.map(([field]) => field));
    expect([...covered].sort()).toEqual(Object.keys(EVENT).sort());
  });

  it.each(tampered)("changes when %s changes", (_field, event) => {
    expect(auditEventHash(PREVIOUS, event)).not.toBe(auditEventHash(PREVIOUS, EVENT));
  });
});
