// Which addresses a webhook may reach (docs/design.md §9, SSRF): never link-local (cloud metadata),
// multicast, unspecified or reserved space; loopback and private networks only when configured.
import { BlockList, isIP } from "node:net";

export interface DestinationPolicy {
  /** Plain http (else https only). */
  allowHttp: boolean;
  /** 127.0.0.0/8, ::1 — tests and development. */
  allowLoopback: boolean;
  /** 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7 — a receiver inside the same network. */
  allowPrivateNetworks: boolean;
}

function blockList(subnets: readonly [string, number, "ipv4" | "ipv6"][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of subnets) list.addSubnet(network, prefix, family);
  return list;
}

const LOOPBACK = blockList([
  ["127.0.0.0", 8, "ipv4"],
  ["::1", 128, "ipv6"],
]);
const PRIVATE = blockList([
  ["10.0.0.0", 8, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["fc00::", 7, "ipv6"],
]);
/** Never reachable, whatever the configuration. */
const INTERNAL = blockList([
  ["0.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.0.2.0", 24, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["198.51.100.0", 24, "ipv4"],
  ["203.0.113.0", 24, "ipv4"],
  ["224.0.0.0", 4, "ipv4"],
  ["240.0.0.0", 4, "ipv4"],
  ["::", 128, "ipv6"],
  ["fe80::", 10, "ipv6"],
  ["ff00::", 8, "ipv6"],
  ["64:ff9b::", 96, "ipv6"],
  ["2001:db8::", 32, "ipv6"],
]);

/** `::ffff:10.0.0.1` is 10.0.0.1: judged as the IPv4 address it maps. */
function unmapped(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1] as string, family: "ipv4" };
  return { address, family: isIP(address) === 6 ? "ipv6" : "ipv4" };
}

/** Why an address may not be reached, or null when it may. */
export function refusalOf(rawAddress: string, policy: DestinationPolicy): string | null {
  if (isIP(rawAddress) === 0) return `${JSON.stringify(rawAddress)} is not an IP address`;
  const { address, family } = unmapped(rawAddress);
  if (INTERNAL.check(address, family)) return `${address} is a link-local, reserved or otherwise internal address`;
  if (LOOPBACK.check(address, family) && !policy.allowLoopback) {
    return `${address} is a loopback address (WEBHOOK_ALLOW_LOOPBACK is off)`;
  }
  if (PRIVATE.check(address, family) && !policy.allowPrivateNetworks) {
    return `${address} is a private network address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)`;
  }
  return null;
}

/** Why a URL may not be a webhook endpoint, judged without DNS (the address is judged at connect). */
export function urlRefusal(text: string, policy: DestinationPolicy): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "url must be an absolute URL";
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowHttp)) {
    return policy.allowHttp ? "url must be http or https" : "url must be https";
  }
  if (url.username || url.password) return "url must not carry credentials";
  if (url.hash) return "url must not have a fragment";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0) return refusalOf(host, policy);
  if (host === "localhost" || host.endsWith(".localhost")) {
    return policy.allowLoopback ? null : "localhost is a loopback address (WEBHOOK_ALLOW_LOOPBACK is off)";
  }
  return null;
}
