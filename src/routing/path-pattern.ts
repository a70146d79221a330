import { RouteError } from './route-error.js';

/**
 * Parser for Salvo's path syntax. A pattern is a list of segments separated by '/'
 * (leading, trailing and repeated slashes are ignored); each segment is one of:
 *
 *   users               static text ('{{' and '}}' are literal braces)
 *   {id}                any one segment
 *   {id:num} {id:hex}   a segment of ASCII digits / hex digits; widths: num(4) means at
 *                       least 4, num(3..10) 3 to 9, num(3..=10) 3 to 10, num(..=5), num(3..)
 *   {id|\d+}            a segment the regex matches entirely
 *   {**rest} {*+rest} {*?rest}
 *                       zero-or-more / one-or-more / zero-or-one remaining segments
 *                       (`{*rest}` is `{**rest}`); `{**rest|regex}` tests the joined rest
 *   a{x}.{ext}          several of the above in one segment ("comb"), matched by one regex
 *
 * Everything is validated here, so a pattern that parses can always be matched; errors
 * carry the offset of the offending character (see RouteError.at).
 */

export type WildKind = '**' | '*+' | '*?';

/** A wildcard: always the last thing in a pattern. */
export interface Wild {
  readonly name: string;
  readonly mode: WildKind;
  /** Tested against the whole remaining path (segments joined by '/'), when given. */
  readonly regex: RegExp | undefined;
}

export type Segment =
  | { readonly kind: 'static'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'chars'; readonly name: string; readonly hex: boolean; readonly min: number; readonly max: number }
  | { readonly kind: 'regex'; readonly name: string; readonly regex: RegExp }
  | ({ readonly kind: 'wild' } & Wild)
  | {
      readonly kind: 'comb';
      /** Anchored at the start; anchored at the end too unless `wild` is set. */
      readonly regex: RegExp;
      /** Param names in order; the value of names[k] is capture group `__v${k}`. */
      readonly names: readonly string[];
      /** A wildcard ending the segment: it takes what the regex left of the segment plus the later segments. */
      readonly wild: Wild | undefined;
      /** The segment as parsed: literal text and params in order (what a document of the route shows). */
      readonly parts: readonly (string | Segment)[];
    };

export interface PathPattern {
  /** The pattern as written. */
  readonly source: string;
  readonly segments: readonly Segment[];
  /** The segments as written, joined by single slashes, without leading/trailing slash. */
  readonly label: string;
}

/** Parses and validates a pattern; throws RouteError pointing at the first problem. */
export function parsePathPattern(source: string): PathPattern {
  return new Parser(source).parse();
}

/** Checks a `num`/`hex` segment without allocating: every char allowed, width in range. */
export function charsMatch(str: string, start: number, end: number, hex: boolean, min: number, max: number): boolean {
  const width = end - start;
  if (width < min || width > max) return false;
  for (let i = start; i < end; i++) {
    const c = str.charCodeAt(i);
    if (c >= 48 && c <= 57) continue; // 0-9
    if (hex && ((c >= 97 && c <= 102) || (c >= 65 && c <= 70))) continue; // a-f A-F
    return false;
  }
  return true;
}

/** Characters that end a parameter name (Salvo's identifier stop set). */
const NAME_STOP = '/:|{}<>[]()';

type Piece =
  | { readonly kind: 'lit'; readonly text: string }
  | { readonly kind: 'param'; readonly at: number; readonly plain: boolean; readonly segment: Segment };

class Parser {
  readonly #src: string;
  #i = 0;
  readonly #names = new Set<string>();
  /** Offset of the wildcard's '{', or -1: nothing may follow a wildcard. */
  #wildAt = -1;

  constructor(src: string) {
    this.#src = src;
  }

  #fail(offset: number, reason: string): never {
    throw RouteError.at(this.#src, offset, reason);
  }

  parse(): PathPattern {
    const src = this.#src;
    const segments: Segment[] = [];
    const texts: string[] = [];
    for (;;) {
      while (this.#i < src.length && src[this.#i] === '/') this.#i++;
      if (this.#i >= src.length) break;
      if (this.#wildAt >= 0) this.#afterWildcard(this.#i);
      const start = this.#i;
      segments.push(this.#segment());
      texts.push(src.slice(start, this.#i));
    }
    return { source: src, segments, label: texts.join('/') };
  }

  /** Something follows a wildcard at `at`: say whether it is a second wildcard or anything else. */
  #afterWildcard(at: number): never {
    if (this.#src.startsWith('{*', at)) this.#fail(at, 'only one wildcard is allowed in a pattern');
    this.#fail(at, 'a wildcard must be the last part of the pattern');
  }

  /** One segment, up to the next '/' or the end. */
  #segment(): Segment {
    const src = this.#src;
    const start = this.#i;
    const pieces: Piece[] = [];
    let lit = '';
    while (this.#i < src.length && src[this.#i] !== '/') {
      const at = this.#i;
      const c = src[at]!;
      if (this.#wildAt >= 0) this.#afterWildcard(at);
      if ((c === '{' || c === '}') && src[at + 1] === c) {
        lit += c;
        this.#i += 2;
      } else if (c === '}') {
        this.#fail(at, "unmatched '}' (write '}}' for a literal brace)");
      } else if (c === '{') {
        if (lit !== '') pieces.push({ kind: 'lit', text: lit });
        lit = '';
        const piece = this.#param();
        const prev = pieces[pieces.length - 1];
        // Two unconstrained params side by side cannot be told apart ({a}{b}): Salvo refuses it too.
        if (prev?.kind === 'param' && prev.plain && piece.plain) {
          this.#fail(at, 'two parameters next to each other need a literal between them');
        }
        pieces.push(piece);
      } else {
        lit += c;
        this.#i++;
      }
    }
    if (lit !== '') pieces.push({ kind: 'lit', text: lit });
    const only = pieces[0]!;
    if (pieces.length === 1) return only.kind === 'lit' ? { kind: 'static', text: only.text } : only.segment;
    return this.#comb(pieces, start);
  }

  /** A `{...}` param starting at the current '{'. */
  #param(): Piece & { kind: 'param' } {
    const src = this.#src;
    const open = this.#i;
    let j = open + 1;
    let wild: WildKind | undefined;
    if (src[j] === '*') {
      const next = src[j + 1];
      if (next === '*' || next === '+' || next === '?') {
        wild = `*${next}` as WildKind;
        j += 2;
      } else {
        wild = '**';
        j += 1;
      }
    }
    const nameAt = j;
    while (j < src.length && !NAME_STOP.includes(src[j]!)) j++;
    const name = src.slice(nameAt, j);
    if (j >= src.length) this.#fail(open, "unclosed '{'");
    if (name === '') this.#fail(nameAt, 'empty parameter name');
    if (name === '__proto__') this.#fail(nameAt, 'reserved parameter name');
    if (this.#names.has(name)) this.#fail(nameAt, `duplicate parameter name "${name}"`);
    this.#names.add(name);

    let segment: Segment;
    let plain = false;
    const c = src[j];
    if (c === '}') {
      plain = true;
      segment = wild ? { kind: 'wild', name, mode: wild, regex: undefined } : { kind: 'param', name };
    } else if (c === ':') {
      const typeAt = j + 1;
      j = typeAt;
      while (j < src.length && /\w/.test(src[j]!)) j++;
      const type = src.slice(typeAt, j);
      if (type === '') this.#fail(typeAt, "missing type name after ':'");
      if (type !== 'num' && type !== 'hex') this.#fail(typeAt, `unknown type ":${type}" (known: num, hex)`);
      if (wild) this.#fail(typeAt, 'a wildcard cannot have a type (use a regex: {**name|...})');
      let min = 1;
      let max = Number.POSITIVE_INFINITY;
      const lb = src[j];
      if (lb === '(' || lb === '[') {
        const close = src.indexOf(lb === '(' ? ')' : ']', j + 1);
        if (close < 0) this.#fail(j, `unclosed '${lb}'`);
        [min, max] = this.#width(src.slice(j + 1, close), j + 1);
        j = close + 1;
      }
      if (j >= src.length) this.#fail(open, "unclosed '{'");
      if (src[j] !== '}') this.#fail(j, `expected '}' but found '${src[j]}'`);
      segment = { kind: 'chars', name, hex: type === 'hex', min, max };
    } else if (c === '|') {
      const regexAt = j + 1;
      j = this.#scanRegex(regexAt);
      if (j >= src.length) this.#fail(open, "unclosed '{'");
      const body = src.slice(regexAt, j);
      const regex = new RegExp(`^(?:${this.#regexBody(body, regexAt)})$`);
      segment = wild ? { kind: 'wild', name, mode: wild, regex } : { kind: 'regex', name, regex };
    } else {
      this.#fail(j, `unexpected '${c}' in a parameter (missing '}'?)`);
    }
    if (wild) this.#wildAt = open;
    this.#i = j + 1;
    return { kind: 'param', at: open, plain, segment };
  }

  /**
   * The end of a regex: the first '}' that does not close a '{' opened inside the
   * regex (quantifiers like {8}), ignoring escaped characters and character classes.
   */
  #scanRegex(j: number): number {
    const src = this.#src;
    let depth = 0;
    let inClass = false;
    while (j < src.length) {
      const c = src[j];
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (inClass) {
        if (c === ']') inClass = false;
      } else if (c === '[') {
        inClass = true;
      } else if (c === '{') {
        depth++;
      } else if (c === '}') {
        if (depth === 0) return j;
        depth--;
      }
      j++;
    }
    return src.length;
  }

  /** Validates a user regex on its own (so it cannot break out of the group it is put in) and strips ^/$. */
  #regexBody(body: string, at: number): string {
    if (body === '') this.#fail(at, 'empty regex');
    try {
      new RegExp(body);
    } catch (err) {
      this.#fail(at, `bad regex: ${(err as Error).message}`);
    }
    // As in Salvo, anchors are implied: a leading '^' and trailing '$' are dropped.
    let s = body.startsWith('^') ? body.slice(1) : body;
    if (s.endsWith('$') && !s.endsWith('\\$')) s = s.slice(0, -1);
    return s;
  }

  /** Salvo's width forms: `4` (at least 4), `3..`, `..=5`, `3..10` (max exclusive), `3..=10`. */
  #width(text: string, at: number): [number, number] {
    const arg = text.trim();
    if (arg === '') return [1, Number.POSITIVE_INFINITY];
    if (arg.includes(',')) this.#fail(at, 'a width takes one argument');
    const int = (s: string): number => {
      if (!/^\d+$/.test(s)) this.#fail(at, `bad width "${text}" (forms: 4, 3.., ..=5, 3..10, 3..=10)`);
      return Number(s);
    };
    const dots = arg.indexOf('..');
    const lo = (dots < 0 ? arg : arg.slice(0, dots)).trim();
    const min = lo === '' ? 1 : int(lo);
    if (min < 1) this.#fail(at, 'the minimum width must be at least 1');
    if (dots < 0) return [min, Number.POSITIVE_INFINITY];
    const hi = arg.slice(dots + 2).trim();
    let max = Number.POSITIVE_INFINITY;
    if (hi.startsWith('=')) {
      max = int(hi.slice(1).trim());
      if (max < 1) this.#fail(at, 'the maximum width must be at least 1');
    } else if (hi !== '') {
      max = int(hi) - 1;
      if (max < 1) this.#fail(at, 'an exclusive maximum width must be greater than 1');
    }
    if (min > max) this.#fail(at, `the minimum width ${min} is greater than the maximum ${max}`);
    return [min, max];
  }

  /**
   * Several pieces in one segment become one anchored regex with a named group per
   * param (`__v0`, `__v1`, ... because param names need not be JS identifiers). As in
   * Salvo a plain `{x}` here is greedy and may be empty.
   */
  #comb(pieces: Piece[], start: number): Segment {
    let source = '^';
    const names: string[] = [];
    let wild: Wild | undefined;
    for (const piece of pieces) {
      if (piece.kind === 'lit') {
        source += escapeRegex(piece.text);
        continue;
      }
      const seg = piece.segment;
      const group = `(?<__v${names.length}>`;
      switch (seg.kind) {
        case 'param':
          source += `${group}[^]*)`;
          names.push(seg.name);
          break;
        case 'chars': {
          const max = seg.max === Number.POSITIVE_INFINITY ? '' : String(seg.max);
          source += `${group}${seg.hex ? '[0-9a-fA-F]' : '[0-9]'}{${seg.min},${max}})`;
          names.push(seg.name);
          break;
        }
        case 'regex':
          source += `${group}${seg.regex.source.slice(1, -1)})`;
          names.push(seg.name);
          break;
        case 'wild':
          wild = { name: seg.name, mode: seg.mode, regex: seg.regex };
          break;
        default:
          throw new Error('unreachable: nested comb');
      }
    }
    if (!wild) source += '$';
    let regex: RegExp;
    try {
      regex = new RegExp(source);
    } catch (err) {
      this.#fail(start, `bad regex in segment: ${(err as Error).message}`);
    }
    const parts = pieces.map((p) => (p.kind === 'lit' ? p.text : p.segment));
    return { kind: 'comb', regex, names, wild, parts };
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
