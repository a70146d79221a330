import type { FnFilter, HostFilter } from '../filters.js';
import { charsMatch } from '../path-pattern.js';
import type { Request } from '../types.js';

/**
 * The helpers that generated matchers (codegen.ts) call for the rare parts of a match:
 * filters, `num`/`hex` segments and wildcards. They get the path as the generated code
 * sees it: raw text without escapes, a segment's end being '/' or the end of the text.
 */
export const runtime = { pass, chars: charsMatch, rest, next, end, edge };

export type Runtime = typeof runtime;

/**
 * The start of the segment after position `at` (a '/', or -1 before the first), or at
 * least `len` when there is none. Repeated slashes, which make empty segments, are rare:
 * they take a loop of their own, so that the common case V8 inlines has none.
 */
function next(text: string, len: number, at: number): number {
  const s = at + 1;
  return s < len && text.charCodeAt(s) === 47 ? skip(text, len, s) : s;
}

function skip(text: string, len: number, s: number): number {
  while (s < len && text.charCodeAt(s) === 47) s++;
  return s;
}

/** The end of the segment starting at `s`: the next '/' or the end of the path. */
function end(text: string, len: number, s: number): number {
  const e = text.indexOf('/', s);
  return e < 0 ? len : e;
}

/** Can a segment end at `x`: is it the end of the path or a '/'? */
function edge(text: string, len: number, x: number): boolean {
  return x === len || (x < len && text.charCodeAt(x) === 47);
}

/** Do all these host or custom filters accept the request? */
function pass(filters: readonly (HostFilter | FnFilter)[], req: Request): boolean {
  for (let i = 0; i < filters.length; i++) if (!filters[i]!.test(req)) return false;
  return true;
}

/**
 * The segments after position `from` (the end of the last consumed segment, -1 before
 * the first) joined by single slashes, as a wildcard takes them: repeated and trailing
 * slashes do not count. Usually that is just the rest of the text.
 */
function rest(text: string, from: number, len: number): string {
  let start = from + 1;
  while (start < len && text.charCodeAt(start) === 47) start++;
  if (start >= len) return '';
  if (text.charCodeAt(len - 1) !== 47 && text.indexOf('//', start) < 0) return text.slice(start);
  return text
    .slice(start)
    .split('/')
    .filter((piece) => piece !== '')
    .join('/');
}
