import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AddressError } from '../errors.js';

export type ListenAddress =
  | { kind: 'tcp'; host: string; port: number; text: string }
  | { kind: 'unix'; path: string; text: string };

/**
 * Parses `host:port`, `[v6]:port`, `:port`, a bare port, or `unix:/path`.
 * `where` names the source (e.g. '--listen') so the error says what and where.
 */
export function parseAddress(input: string, where = 'address'): ListenAddress {
  const text = input.trim();
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (path === '') throw new AddressError(`${where} '${input}': a unix address needs a path (unix:/path/to.sock)`);
    return { kind: 'unix', path, text };
  }
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') {
      throw new AddressError(`${where} '${input}': an IPv6 address is written [addr]:port`);
    }
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (isIP(host) !== 6) throw new AddressError(`${where} '${input}': '${host}' is not an IPv6 address`);
  } else if (/^\d+$/.test(text)) {
    host = '0.0.0.0';
    portText = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) throw new AddressError(`${where} '${input}': expected host:port, [v6]:port or unix:/path`);
    host = text.slice(0, colon) || '0.0.0.0';
    portText = text.slice(colon + 1);
    if (host.includes(':'))
      throw new AddressError(`${where} '${input}': write IPv6 addresses in brackets, [${host}]:port`);
  }
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    throw new AddressError(`${where} '${input}': port '${portText}' is not a number from 0 to 65535`);
  }
  return { kind: 'tcp', host, port: Number(portText), text };
}

/** Resolves a host name to a numeric address (numeric hosts are returned as they are). */
export async function resolveHost(host: string, where = 'address'): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch (err) {
    throw new AddressError(`${where}: cannot resolve host '${host}': ${(err as Error).message}`);
  }
}

/** `host:port` with brackets for IPv6. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
