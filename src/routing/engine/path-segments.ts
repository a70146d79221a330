import { decodeSegment } from '../path-state.js';

/**
 * The request path as segments, found lazily: segment i is `text` from `start[i]` to
 * `end[i]`, for i < `found`. The interpreted walk (Run, lookup.ts) extends this class.
 *
 * Finding a segment's end takes a native `indexOf('/')`, whose call costs more than the
 * few char compares of a literal. So a segment is only searched for when something needs
 * its end; a literal tried on a segment not found yet is compared at the segment's start
 * instead, and when it matches (followed by '/' or the end of the path) its end is known
 * without a search. A lookup for `/users/{user}` then calls `indexOf` twice (escapes, the
 * param) instead of once per segment plus once per literal.
 *
 * A path with escapes is split and decoded eagerly: a decoded segment may contain '/',
 * so its ends must come from the split, not from looking for '/' in the decoded text.
 * Empty segments are skipped either way: repeated and trailing slashes do not count.
 */
export class PathSegments {
  /** The request path, or, when it has escapes, the decoded segments joined by '/'. */
  protected text = '';
  protected start = new Int32Array(16);
  protected end = new Int32Array(16);
  /** Segments found so far. */
  protected found = 0;
  /** Where to look for segment `found` (maybe at a '/'); -1 once every segment is found. */
  protected next = 0;

  /** Starts on a new path. One native scan: for '%', which decides how to split. */
  protected reset(path: string): void {
    this.found = 0;
    if (path.indexOf('%') < 0) {
      this.text = path;
      this.next = 0;
    } else {
      this.decodeAll(path);
    }
  }

  /** Is there a segment i? Finds segments up to i when needed. */
  protected has(i: number): boolean {
    return i < this.found || (this.next >= 0 && this.findUpTo(i));
  }

  /**
   * Finds segments until segment i is found (true) or the path ends (false). An empty
   * segment (a repeated slash) shows as a '/' right where the search starts.
   */
  protected findUpTo(i: number): boolean {
    const text = this.text;
    const len = text.length;
    while (this.found <= i) {
      let at = this.next;
      let end = at;
      for (;;) {
        if (at < 0 || at >= len) {
          this.next = -1;
          return false;
        }
        end = text.indexOf('/', at);
        if (end !== at) break;
        at++;
      }
      this.record(at, end < 0 ? len : end);
    }
    return true;
  }

  /** Is it known, without looking further, that the path has fewer than `n` segments? */
  protected tooFew(n: number): boolean {
    return this.next < 0 && n > this.found;
  }

  /** Finds every segment; returns how many there are. */
  protected count(): number {
    if (this.next >= 0) this.findUpTo(0x7fffffff);
    return this.found;
  }

  /**
   * The start of segment i when it is the first one not found yet (its end unknown), or
   * -1 when the path has no segment i. Only call it with i >= `found`.
   */
  protected startOf(i: number): number {
    if (this.next < 0 || (i > this.found && !this.findUpTo(i - 1))) return -1;
    return this.startOfNext();
  }

  /** Is segment i exactly the literal with these char codes? Finds segment i's end on the way when it is. */
  protected literalAt(i: number, codes: Int32Array): boolean {
    const text = this.text;
    const width = codes.length;
    if (i < this.found) {
      const start = this.start[i]!;
      return this.end[i]! - start === width && sameChars(text, start, codes, 0);
    }
    const start = this.startOf(i);
    if (start < 0 || !this.endsAt(start + width) || !sameChars(text, start, codes, 0)) return false;
    this.record(start, start + width);
    return true;
  }

  /** Does a segment end at `at`, i.e. is it the end of the path or a '/'? (Undecoded text only.) */
  protected endsAt(at: number): boolean {
    const len = this.text.length;
    return at === len || (at < len && this.text.charCodeAt(at) === 47);
  }

  /** Records the next segment, from `start` to `end` (the end of the text or a '/', so the next one starts after it). */
  protected record(start: number, end: number): void {
    const n = this.found;
    if (n === this.start.length) this.grow();
    this.start[n] = start;
    this.end[n] = end;
    this.found = n + 1;
    this.next = end + 1;
  }

  /** Skips slashes from `next`; the start of the next segment, or -1 (and done) at the end. */
  private startOfNext(): number {
    const text = this.text;
    const len = text.length;
    let at = this.next;
    while (at < len && text.charCodeAt(at) === 47) at++;
    if (at >= len) {
      this.next = -1;
      return -1;
    }
    this.next = at;
    return at;
  }

  /** Splits on '/' first, then decodes each segment, so '%2F' stays inside its segment. */
  private decodeAll(path: string): void {
    const len = path.length;
    let text = '';
    let start = 0;
    while (start < len) {
      let end = path.indexOf('/', start);
      if (end < 0) end = len;
      if (end > start) {
        const decoded = decodeSegment(path.slice(start, end));
        this.record(text.length, text.length + decoded.length);
        text += `${decoded}/`;
      }
      start = end + 1;
    }
    this.text = text;
    this.next = -1;
  }

  private grow(): void {
    const start = new Int32Array(this.start.length * 2);
    const end = new Int32Array(this.end.length * 2);
    start.set(this.start);
    end.set(this.end);
    this.start = start;
    this.end = end;
  }
}

/**
 * Does `text` hold the literal with these char codes at `at`, comparing from char `from`
 * on? A loop of char compares: for the short literals of routes it is cheaper than
 * `indexOf(literal, at)`, which searches in the runtime (C++) and, on a mismatch, scans
 * the rest of the path; comparing with an Int32Array of codes saves reading the
 * literal's chars through charCodeAt, whose every call checks how the string is stored.
 */
export function sameChars(text: string, at: number, codes: Int32Array, from: number): boolean {
  for (let k = from; k < codes.length; k++) if (text.charCodeAt(at + k) !== codes[k]) return false;
  return true;
}

/** The char codes of a literal, for sameChars. */
export function charCodes(literal: string): Int32Array {
  return Int32Array.from(literal, (c) => c.charCodeAt(0));
}
