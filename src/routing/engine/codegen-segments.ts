/**
 * How generated matchers (codegen.ts) find path segments. A generated function works on
 * one frame: the segments after position `p` (the end of the segment its router's
 * pattern consumed last, -1 at the root). Segment i of the frame lives in two locals,
 * `s{i}` (start) and `e{i}` (end: a '/' or the end of the path `T`, of length `L`;
 * every generated function takes `T` and `L` as arguments: a local is read faster than
 * a variable of the enclosing closure, which matters for each char compared). The
 * helpers `next`, `end` and `edge` are in codegen-runtime.ts.
 *
 * The generator tracks, at each point of the code it emits, which of those locals are
 * set (`Known`), so it emits a search only where the value is not known yet on that
 * path of the code: a literal that matched gives its segment's end for free, and a
 * dispatch step that already compared a segment leaves it known to the routes it picked.
 * Whatever is known holds for a prefix of the segments: finding segment i needs the end
 * of segment i - 1. A value computed again (by a later route of a list, after an earlier
 * one failed) is the same value, so the locals need no invalidation.
 */
export interface Known {
  /** Segments 0 to full - 1 exist and their s/e locals are set. */
  full: number;
  /** Segment `full` exists and its start is set (its end is not). */
  start: boolean;
  /** There is no segment at `none` or after it (Infinity when that is not known). */
  none: number;
}

/**
 * Literals with this many chars left to compare are compared as a whole, sliced out of
 * the path (a copy, then a native compare), rather than char by char: each `charCodeAt`
 * costs some 20 instructions, for the checks of how the string is stored, and compiles
 * to a loop over those cases, which makes V8 slow to optimize the code.
 */
const SLICE_CHARS = 8;

export const NOTHING_KNOWN: Known = { full: 0, start: false, none: Number.POSITIVE_INFINITY };

/** The locals of one generated function's frame. */
export class Frame {
  /** One more than the deepest segment whose locals the code uses. */
  depth = 0;

  /**
   * Emits code that sets s{i} to the start of segment i, or jumps out with
   * `break fail` when the path has no segment i. Returns false when that is known
   * already (the code emitted is then only the jump): what follows would be dead.
   * Repeated slashes make empty segments, which do not count (`next` skips them).
   */
  start(i: number, k: Known, fail: string, out: string[]): boolean {
    if (k.none <= i) {
      out.push(`break ${fail};`);
      return false;
    }
    if (k.full > i || (k.full === i && k.start)) return true;
    if (i > 0 && !this.end(i - 1, k, fail, out)) return false;
    this.use(i);
    out.push(`s${i} = next(T, L, ${before(i)});`, `if (s${i} >= L) break ${fail};`);
    k.start = true;
    return true;
  }

  /** `start`, then sets e{i} to the end of segment i (a native search for '/'). */
  end(i: number, k: Known, fail: string, out: string[]): boolean {
    if (!this.start(i, k, fail, out)) return false;
    if (k.full > i) return true;
    out.push(`e${i} = end(T, L, s${i});`);
    k.full = i + 1;
    k.start = false;
    return true;
  }

  /**
   * The condition "segment i is this literal", for when its start is known, comparing
   * chars from `from` on (a switch may have compared the first). An unknown end is checked as '/' or the end of the path right
   * after the literal, which tells the segment's end without searching for it; call
   * `matched` once the condition holds.
   */
  literal(i: number, text: string, k: Known, from: number): string {
    const s = `s${i}`;
    const n = text.length;
    const at = (j: number) => (j === 0 ? s : `${s} + ${j}`);
    const width = k.full > i ? `e${i} - ${s} === ${n}` : `edge(T, L, ${at(n)})`;
    if (n - from >= SLICE_CHARS) return `${width} && T.slice(${s}, ${at(n)}) === ${JSON.stringify(text)}`;
    const chars: string[] = [];
    for (let j = from; j < n; j++) chars.push(`T.charCodeAt(${at(j)}) === ${text.charCodeAt(j)}`);
    return [width, ...chars].join(' && ');
  }

  /** After `literal` held: segment i ends where the literal does. */
  matched(i: number, n: number, k: Known, out: string[]): void {
    if (k.full > i) return;
    out.push(`e${i} = s${i} + ${n};`);
    k.full = i + 1;
    k.start = false;
  }

  /** "Does the path end before segment i?" as a condition; '' when it certainly does not. */
  endsAt(i: number, k: Known): string {
    if (k.none <= i) return 'true';
    if (k.full > i || (k.full === i && k.start)) return '';
    // Segment i - 1 exists here (the caller consumed it), so its end is set.
    return `next(T, L, ${before(i)}) >= L`;
  }

  private use(i: number): void {
    if (this.depth <= i) this.depth = i + 1;
  }
}

/** Where the search for segment i starts: the end of segment i - 1, or the frame's position. */
function before(i: number): string {
  return i === 0 ? 'p' : `e${i - 1}`;
}
