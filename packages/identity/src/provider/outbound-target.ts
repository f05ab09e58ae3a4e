import { BlockList, isIP } from 'node:net';

/** Where the server may send requests to URLs that clients registered (back-channel logout). */
export interface OutboundPolicy {
  /** Hosts (`host` or `host:port`) an operator listed: apps on the government network. */
  allowedHosts: readonly string[];
  /** Development: loopback over http, for apps on the developer's machine. */
  allowLoopback: boolean;
}

/**
 * Addresses a registered URL must not name (ASVS 1.3.6): IANA's special-purpose
 * ranges that are not globally reachable, which is what oidc-provider's
 * connect-time guard refuses too, plus multicast. IPv4-mapped IPv6 addresses
 * are checked against the IPv4 rules by BlockList itself.
 */
const SPECIAL_USE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.31.196.0', 24],
  ['192.52.193.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['192.175.48.0', 24],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  // 240/4 includes the broadcast address 255.255.255.255.
  ['240.0.0.0', 4],
] as const) {
  SPECIAL_USE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  // Unspecified, loopback and the deprecated IPv4-compatible addresses.
  ['::', 96],
  // NAT64: a translator would carry the request on to an IPv4 address.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
  ['5f00::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  SPECIAL_USE.addSubnet(net, prefix, 'ipv6');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The URL's host as an address (brackets gone), or undefined for a name. */
function addressOf(url: URL): { address: string; type: 'ipv4' | 'ipv6' } | undefined {
  // The WHATWG parser has already turned decimal, hex and octal IPv4 spellings into dotted quads.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const version = isIP(host);
  return version === 0 ? undefined : { address: host, type: version === 4 ? 'ipv4' : 'ipv6' };
}

/** `localhost` and its subdomains (RFC 6761), which resolvers answer with loopback. */
function isLocalhostName(url: URL): boolean {
  const name = url.hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Loopback as development allows it: the name localhost, 127/8 and ::1. */
export function isLoopbackHost(url: URL): boolean {
  if (url.hostname.toLowerCase() === 'localhost') return true;
  const ip = addressOf(url);
  return ip !== undefined && LOOPBACK.check(ip.address, ip.type);
}

/** The operator listed the host (or host:port), or it is loopback in development. */
export function isAllowedHost(url: URL, policy: OutboundPolicy): boolean {
  const listed = policy.allowedHosts.map((h) => h.toLowerCase());
  return (
    listed.includes(url.hostname.toLowerCase()) ||
    listed.includes(url.host.toLowerCase()) ||
    (policy.allowLoopback && isLoopbackHost(url))
  );
}

/**
 * Why the server must not send a request to `url`, or undefined when it may:
 * https only (http to loopback in development), and no loopback, private or
 * other special-use address unless the host is allowed. Names that resolve to
 * such addresses are left to the connect-time guard of oidc-provider.
 */
export function outboundTargetProblem(url: URL, policy: OutboundPolicy): string | undefined {
  const allowed = isAllowedHost(url, policy);
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && policy.allowLoopback && isLoopbackHost(url))
  ) {
    return 'must use https (http only for localhost in development)';
  }
  if (allowed) return undefined;
  const ip = addressOf(url);
  if (isLocalhostName(url) || (ip !== undefined && SPECIAL_USE.check(ip.address, ip.type))) {
    return 'must not name a loopback, private or other special-use address unless the operator allows its host (ONEGATE_OUTBOUND_ALLOW_HOSTS)';
  }
  return undefined;
}
