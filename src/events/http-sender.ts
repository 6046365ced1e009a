// One webhook POST (docs/design.md §9): to an address the destination policy allows — judged on
// the addresses DNS returns and again on the socket's peer, so no rebinding window — with no
// redirects followed, a bounded response read and a hard timeout.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction, Socket } from "node:net";
import { refusalOf, urlRefusal, type DestinationPolicy } from "./destinations.ts";

export interface SendResult {
  /** null when no response arrived (refused, unreachable, timed out). */
  httpStatus: number | null;
  retryAfter: string | undefined;
  durationMs: number;
  /** Why it failed, for the attempt log (never a secret). */
  error: string | null;
}

/** Bytes of a response body read before the connection is dropped (the body is not used). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** A DNS lookup that returns only addresses the policy allows (every one refused: an error). */
export function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 4);
      const allowed = addresses.filter((entry) => refusalOf(entry.address, policy) === null);
      if (allowed.length === 0) {
        const reason = addresses[0] ? refusalOf(addresses[0].address, policy) : "no address";
        return callback(new Error(`${hostname} resolves to no allowed address: ${reason}`), "", 4);
      }
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
      } else {
        const first = allowed[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}

/**
 * Keep-alive connections for the delivery loop, one pool per scheme: a connection's peer is
 * checked when it connects (below) and a refused one is destroyed, so a reused socket is one that
 * passed. A fresh TCP (and TLS) connection per delivery cost more than the delivery itself.
 */
export interface SenderAgents {
  http: http.Agent;
  https: https.Agent;
}

/** Sockets whose peer passed the destination policy (a reused one is not checked again). */
const checkedSockets = new WeakSet<Socket>();

export function keepAliveAgents(maxSockets: number): SenderAgents {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" as const };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

export function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  policy: DestinationPolicy,
  timeoutMs: number,
  agents?: SenderAgents,
): Promise<SendResult> {
  const started = performance.now();
  const done = (result: Omit<SendResult, "durationMs">): SendResult => ({
    ...result,
    durationMs: Math.round(performance.now() - started),
  });
  const refused = urlRefusal(target, policy);
  if (refused) return Promise.resolve(done({ httpStatus: null, retryAfter: undefined, error: refused }));
  const url = new URL(target);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(done(result));
    };
    const request = client.request(url, {
      method: "POST",
      // Without agents, a fresh connection each time.
      agent: agents ? (url.protocol === "https:" ? agents.https : agents.http) : false,
      lookup: guardedLookup(policy),
      headers: { ...headers, "content-length": Buffer.byteLength(body).toString() },
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`no response within ${timeoutMs} ms`));
    }, timeoutMs);
    request.on("socket", (socket: Socket) => {
      // A kept-alive socket passed when it connected, for the request that opened it.
      if (checkedSockets.has(socket)) return;
      // The address actually connected to (an IP literal never goes through the lookup).
      const checkPeer = () => {
        const refusal = refusalOf(socket.remoteAddress ?? "", policy);
        if (refusal) request.destroy(new Error(`refused to send to ${refusal}`));
        else checkedSockets.add(socket);
      };
      if (socket.connecting) socket.once("connect", checkPeer);
      else checkPeer();
    });
    request.on("error", (error) =>
      finish({ httpStatus: null, retryAfter: undefined, error: error.message.slice(0, 300) }),
    );
    request.on("response", (response) => {
      let read = 0;
      const status = response.statusCode ?? 0;
      const retryAfter = response.headers["retry-after"];
      const result = { httpStatus: status, retryAfter, error: status >= 200 && status < 300 ? null : `HTTP ${status}` };
      response.on("data", (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) {
          finish(result);
          response.destroy();
        }
      });
      response.on("end", () => finish(result));
      response.on("error", () => finish(result));
      response.on("close", () => finish(result));
    });
    request.end(body);
  });
}
