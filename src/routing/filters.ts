import { matchPattern } from './path-match.js';
import { type PathPattern, parsePathPattern } from './path-pattern.js';
import type { PathState } from './path-state.js';
import type { FilterFn, Request } from './types.js';

/**
 * A router's filters must all pass for the router (and so its children and goal) to be
 * considered. Only the path filter touches the path state; the others are pure
 * functions of the request, which is what lets the compiled matcher check them in any
 * order and index children by method.
 */
export type Filter = PathFilter | MethodFilter | HostFilter | FnFilter;

/** Consumes the segments its pattern matches, capturing params. */
export class PathFilter {
  readonly kind = 'path';
  readonly pattern: PathPattern;
  constructor(source: string) {
    this.pattern = parsePathPattern(source);
  }
  test(_req: Request, state: PathState): boolean {
    return matchPattern(this.pattern, state);
  }
  toString(): string {
    return this.pattern.label;
  }
}

/**
 * Exact method match. As in Salvo, a GET filter does not accept HEAD: a HEAD request for
 * a route that only has `.get()` is answered 405 unless `.head()` is added.
 */
export class MethodFilter {
  readonly kind = 'method';
  readonly method: string;
  constructor(method: string) {
    this.method = method.toUpperCase();
  }
  test(req: Request): boolean {
    return req.method === this.method;
  }
  toString(): string {
    return this.method;
  }
}

/**
 * Hostname match, case-insensitive, port ignored (on both sides). `*.example.com` matches
 * any name with at least one more label (`a.example.com`, `a.b.example.com`) but not
 * `example.com` itself; `*` matches any host.
 */
export class HostFilter {
  readonly kind = 'host';
  readonly host: string;
  readonly #suffix: string | undefined;
  constructor(host: string) {
    this.host = normalizeHost(host);
    this.#suffix = this.host.startsWith('*') ? this.host.slice(1) : undefined;
  }
  test(req: Request): boolean {
    let name = req.hostname;
    if (name.endsWith('.')) name = name.slice(0, -1);
    const suffix = this.#suffix;
    if (suffix === undefined) return name === this.host;
    return name.length > suffix.length && name.endsWith(suffix);
  }
  toString(): string {
    return `host:${this.host}`;
  }
}

/** A user predicate on the request. */
export class FnFilter {
  readonly kind = 'fn';
  readonly fn: FilterFn;
  constructor(fn: FilterFn) {
    this.fn = fn;
  }
  test(req: Request): boolean {
    return Boolean(this.fn(req));
  }
  toString(): string {
    return `fn:${this.fn.name || 'anonymous'}`;
  }
}

/** Lowercase, no port (`[::1]:80` keeps its brackets), no trailing dot. */
function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  const end = h.startsWith('[') ? h.indexOf(']') + 1 : h.indexOf(':');
  if (end > 0) h = h.slice(0, end);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}
