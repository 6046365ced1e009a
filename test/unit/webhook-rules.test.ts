// docs/design.md §9: the destination policy (SSRF), the retry schedule and Retry-After, the
// signature format and how an attempt's answer becomes an outcome.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { refusalOf, urlRefusal, type DestinationPolicy } from "../../src/events/destinations.ts";
import { guardedLookup } from "../../src/events/http-sender.ts";
import { MAX_ATTEMPTS, retryAfterMs, retryDelayMs } from "../../src/events/retry-schedule.ts";
import { newWebhookSecret, signatureHeader } from "../../src/events/signing.ts";
import { outcomeOf } from "../../src/events/webhook-dispatcher.ts";

const STRICT: DestinationPolicy = { allowHttp: false, allowLoopback: false, allowPrivateNetworks: false };
const OPEN: DestinationPolicy = { allowHttp: true, allowLoopback: true, allowPrivateNetworks: true };

describe("destinations", () => {
  it.each([
    ["169.254.169.254", /internal/],
    ["0.0.0.0", /internal/],
    ["224.0.0.1", /internal/],
    ["fe80::1", /internal/],
    ["::", /internal/],
    ["127.0.0.1", /loopback/],
    ["127.8.9.10", /loopback/],
    ["::1", /loopback/],
    ["::ffff:127.0.0.1", /loopback/],
    ["10.0.0.1", /private/],
    ["172.20.1.1", /private/],
    ["192.168.1.1", /private/],
    ["100.64.0.1", /private/],
    ["fd00::1", /private/],
    ["::ffff:10.0.0.1", /private/],
  ])("refuses %s by default", (address, reason) => {
    expect(refusalOf(address, STRICT)).toMatch(reason);
  });

  it("allows public addresses, and loopback and private networks only when configured", () => {
    expect(refusalOf("93.184.215.14", STRICT)).toBeNull();
    expect(refusalOf("2606:2800:21f:cb07:6820:80da:af6b:8b2c", STRICT)).toBeNull();
    expect(refusalOf("127.0.0.1", OPEN)).toBeNull();
    expect(refusalOf("10.0.0.1", OPEN)).toBeNull();
    // Cloud metadata stays out of reach whatever is configured.
    expect(refusalOf("169.254.169.254", OPEN)).toMatch(/internal/);
  });

  it("refuses URLs that are not https (unless allowed), carry credentials or name a refused address", () => {
    expect(urlRefusal("http://example.com/", STRICT)).toMatch(/https/);
    expect(urlRefusal("http://example.com/", OPEN)).toBeNull();
    expect(urlRefusal("ftp://example.com/", OPEN)).toMatch(/http or https/);
    expect(urlRefusal("https://a:b@example.com/", STRICT)).toMatch(/credentials/);
    expect(urlRefusal("https://[::1]:8443/", STRICT)).toMatch(/loopback/);
    expect(urlRefusal("https://localhost/", STRICT)).toMatch(/loopback/);
    expect(urlRefusal("not a url", STRICT)).toMatch(/absolute/);
    expect(urlRefusal("https://example.com/hooks?x=1", STRICT)).toBeNull();
  });

  it("judges the addresses a name resolves to (a name for loopback is loopback)", async () => {
    const resolve = (policy: DestinationPolicy) =>
      new Promise<{ error: Error | null; address: string }>((done) =>
        guardedLookup(policy)("localhost", { family: 4 }, (error, address) =>
          done({ error, address: address as string }),
        ),
      );
    expect((await resolve(STRICT)).error?.message).toMatch(/loopback/);
    expect(await resolve(OPEN)).toEqual({ error: null, address: "127.0.0.1" });
  });
});

describe("retries", () => {
  it("follow the Standard Webhooks schedule with ±10 % jitter, then stop", () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect(retryDelayMs(1, low)).toBe(4500);
    expect(retryDelayMs(1, high)).toBe(5500);
    expect(retryDelayMs(9, () => 0.5)).toBe(24 * 3600 * 1000);
    expect(retryDelayMs(MAX_ATTEMPTS)).toBeNull();
    expect(MAX_ATTEMPTS).toBe(10);
  });

  it("read Retry-After as seconds or a date, bounded", () => {
    const now = Date.parse("2026-12-07T12:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Mon, 07 Dec 2026 12:01:00 GMT", now)).toBe(60_000);
    expect(retryAfterMs("99999999", now)).toBe(24 * 3600 * 1000);
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });

  it("turn answers into outcomes: 2xx done, 410 gone, 429/503 wait as told, 3xx and others retry, the last attempt fails", () => {
    const answer = (httpStatus: number | null, retryAfter?: string) => ({
      httpStatus,
      retryAfter,
      durationMs: 1,
      error: null,
    });
    expect(outcomeOf(answer(204), 1)).toEqual({ kind: "succeeded" });
    expect(outcomeOf(answer(410), 1)).toEqual({ kind: "gone" });
    expect(outcomeOf(answer(503, "30"), 1)).toEqual({ kind: "retry", afterMs: 30_000 });
    expect(outcomeOf(answer(429, "7"), 3)).toEqual({ kind: "retry", afterMs: 7000 });
    expect(outcomeOf(answer(301), 1)).toMatchObject({ kind: "retry" });
    expect(outcomeOf(answer(null), 2)).toMatchObject({ kind: "retry" });
    expect(outcomeOf(answer(500), MAX_ATTEMPTS)).toEqual({ kind: "failed" });
  });
});

describe("signatures", () => {
  it("are v1,<base64 HMAC-SHA256 of id.timestamp.body> with the secret's bytes, one per secret", () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    expect(Buffer.from(a.slice("whsec_".length), "base64")).toHaveLength(32);
    const expected = (secret: string) =>
      `v1,${createHmac("sha256", Buffer.from(secret.slice(6), "base64"))
        .update("msg_1.1700000000.{}")
        .digest("base64")}`;
    expect(signatureHeader([a, b], "msg_1", 1_700_000_000, "{}")).toBe(`${expected(a)} ${expected(b)}`);
  });
});
