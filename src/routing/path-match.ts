import { charsMatch, type PathPattern, type Segment, type Wild } from './path-pattern.js';
import type { PathState } from './path-state.js';

/**
 * The reference (uncompiled) matching of a pattern against the path state: plain and
 * obviously right rather than fast. The compiled matcher (engine/compile.ts) must give the
 * same answers; router.test.ts checks that on the GitHub route table and random paths.
 *
 * On success the cursor moves past the matched segments and the params are written to
 * `state.params`; on failure the cursor is restored (the router rolls params back).
 */
export function matchPattern(pattern: PathPattern, state: PathState): boolean {
  const parts = state.parts;
  let row = state.cursor;
  for (const segment of pattern.segments) {
    row = matchSegment(segment, parts, row, state.params);
    if (row < 0) return false;
  }
  state.cursor = row;
  return true;
}

/** Matches one pattern segment at `row`; returns the next row, or -1. */
function matchSegment(seg: Segment, parts: readonly string[], row: number, params: Record<string, string>): number {
  const n = parts.length;
  if (seg.kind === 'wild') return matchWild(seg, parts.slice(row), n, params);
  if (row >= n) return -1; // every other kind needs a segment
  const part = parts[row]!;
  switch (seg.kind) {
    case 'static':
      return part === seg.text ? row + 1 : -1;
    case 'param':
      params[seg.name] = part;
      return row + 1;
    case 'chars':
      if (!charsMatch(part, 0, part.length, seg.hex, seg.min, seg.max)) return -1;
      params[seg.name] = part;
      return row + 1;
    case 'regex':
      if (!seg.regex.test(part)) return -1;
      params[seg.name] = part;
      return row + 1;
    case 'comb': {
      const m = seg.regex.exec(part);
      if (!m) return -1;
      for (let k = 0; k < seg.names.length; k++) params[seg.names[k]!] = m.groups?.[`__v${k}`] ?? '';
      if (!seg.wild) return row + 1;
      // The wildcard takes what the regex left of this segment, then the later segments.
      const left = part.slice(m[0].length);
      const rest = parts.slice(row + 1);
      if (left !== '') rest.unshift(left);
      return matchWild(seg.wild, rest, n, params);
    }
  }
}

/**
 * A wildcard over the remaining pieces. `{*?x}` accepts at most one piece and `{*+x}` at
 * least one; Salvo counts '/' in the joined string instead, which differs only when a
 * decoded segment contains '/', and we keep such a segment one piece.
 */
function matchWild(wild: Wild, rest: readonly string[], n: number, params: Record<string, string>): number {
  if (wild.mode === '*+' && rest.length === 0) return -1;
  if (wild.mode === '*?' && rest.length > 1) return -1;
  const value = rest.join('/');
  if (wild.regex && !wild.regex.test(value)) return -1;
  params[wild.name] = value;
  return n;
}
