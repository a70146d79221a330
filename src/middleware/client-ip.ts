import { BlockList, isIP } from 'node:net';
import type { Request } from '../http/request.js';

/**
 * Which peers are proxies whose `X-Forwarded-For` is believed: a list of addresses and CIDR
 * ranges (`'10.0.0.0/8'`, `'::1'`, and the shorthands `'loopback'`, `'private'`), or a function.
 */
export type TrustProxy = readonly string[] | ((address: string) => boolean);

const SHORTHANDS: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
};

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) as `1.2.3.4`. */
export function normaliseIp(address: string): string {
  const a = address.trim();
  return a.toLowerCase().startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** Compiles a TrustProxy list into a predicate; a malformed entry throws at once. */
export function trustPredicate(trust: TrustProxy | undefined): (address: string) => boolean {
  if (trust === undefined) return () => false;
  if (typeof trust === 'function') return (address) => trust(normaliseIp(address));
  const list = new BlockList();
  for (const entry of trust.flatMap((e) => SHORTHANDS[e] ?? [e])) {
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr);
    if (family === 0) throw new TypeError(`trustProxy: '${entry}' is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new TypeError(`trustProxy: '${entry}' has a bad prefix length`);
      }
      list.addSubnet(addr, prefix, type);
    }
  }
  return (address) => {
    const a = normaliseIp(address);
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy; then
 * `X-Forwarded-For` is read from the right, skipping trusted proxies, and the first address
 * that is not one is the client (what a client wrote itself further left is never believed).
 * If every hop is trusted, the leftmost is the client. Malformed entries stop the walk.
 */
export function clientIp(req: Request, isTrusted: (address: string) => boolean): string {
  let ip = normaliseIp(req.remoteAddr);
  if (!isTrusted(ip)) return ip;
  const forwarded = req.header('x-forwarded-for');
  if (!forwarded) return ip;
  const hops = forwarded.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseIp(hops[i]!);
    if (isIP(hop) === 0) return ip;
    ip = hop;
    if (!isTrusted(hop)) return ip;
  }
  return ip;
}
