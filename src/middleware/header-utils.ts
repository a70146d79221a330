import type { Response } from '../http/response.js';

/**
 * Adds field names to the response's `Vary` header, keeping what is there and never
 * listing a name twice (case-insensitive). A `Vary: *` already set is left alone.
 */
export function appendVary(res: Response, ...names: string[]): void {
  const current = res.getHeader('vary');
  const list = (Array.isArray(current) ? current.join(',') : current === undefined ? '' : String(current))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.includes('*')) return;
  const seen = new Set(list.map((s) => s.toLowerCase()));
  for (const name of names) {
    if (!seen.has(name.toLowerCase())) {
      list.push(name);
      seen.add(name.toLowerCase());
    }
  }
  if (list.length > 0) res.header('vary', list.join(', '));
}

/**
 * A request path made safe to use as a same-origin `Location`: repeated slashes collapse
 * to one and backslashes are escaped, so `//evil.example/` or `/\evil.example` can never
 * become a protocol-relative (open) redirect.
 */
export function sameOriginPath(path: string): string {
  const safe = path.replace(/\\/g, '%5C').replace(/\/{2,}/g, '/');
  return safe.startsWith('/') ? safe : `/${safe}`;
}

/** The first value of a comma-separated request header, trimmed and lowercased. */
export function firstToken(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  return (comma < 0 ? value : value.slice(0, comma)).trim().toLowerCase();
}
