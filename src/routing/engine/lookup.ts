import type { FnFilter, HostFilter } from '../filters.js';
import { charsMatch } from '../path-pattern.js';
import type { Request } from '../types.js';
import type { CNode, CSeg, Dispatch } from './compiled-node.js';
import * as C from './compiled-node.js';
import type { Answer, Engine } from './engine.js';
import { PathSegments, sameChars } from './path-segments.js';
import { usesRequestFilters } from './tree.js';

// Module-local copies of the tags and helpers: a transpiler may turn imported bindings
// into getter calls (tsx does), which the hot loop should not pay for.
const { BY_METHOD, BY_SEGMENT, CHARS, COMB, PARAM, REGEX, STATIC, WILD } = C;
const matchChars = charsMatch;
const same = sameChars;

/**
 * The interpreted walk of the compiled tree: the engine for paths with escapes and for
 * trees too big to generate code for. The state of one lookup is reused across lookups
 * (reentrant.ts covers filters that look up within a lookup): the path's segments (found
 * lazily, see PathSegments) and a stack of captured params, recorded as segment indexes
 * so that a param costs no string until the params object is built.
 */
export class Run extends PathSegments implements Engine {
  private readonly root: CNode;
  /** Does the tree have host or custom filters, which read the request? */
  private readonly filtered: boolean;
  /** The request of the lookup under way, for those filters; null between lookups. */
  private req: Request | null = null;
  private method = '';
  /** Captured params; pSeg[i] >= 0 means "segment pSeg[i]", else the value is pVal[i]. */
  private pName: string[] = [];
  private pVal: string[] = [];
  private pSeg = new Int32Array(8);
  private plen = 0;
  /** The row where the last node with `paramsInPlace` started (see CNode.paramsInPlace). */
  private base = 0;
  private onceEnded = false;

  constructor(root: CNode) {
    super();
    this.root = root;
    this.filtered = usesRequestFilters(root);
  }

  match(method: string, path: string, req: Request | null): Answer {
    if (!this.filtered) return this.lookup(method, path);
    // Not keeping the request alive until the next lookup, even when a filter throws.
    this.req = req;
    try {
      return this.lookup(method, path);
    } finally {
      this.req = null;
    }
  }

  private lookup(method: string, path: string): Answer {
    this.method = method;
    this.reset(path);
    this.plen = 0;
    this.onceEnded = false;
    const root = this.root;
    let leaf: CNode | null = null;
    if (root.method === null || root.method === method) {
      const row = this.enter(root, 0, 0);
      if (row >= 0) leaf = this.walk(root, row);
    }
    if (leaf === null) return this.onceEnded ? 405 : 404;
    return {
      hoops: leaf.hoops,
      goal: leaf.goal!,
      handlers: leaf.handlers,
      params: this.params(leaf),
      route: leaf.route,
      bodyLimit: leaf.bodyLimit,
    };
  }

  /** `node` passed its filters with the cursor now at `row`: children first, then its goal. */
  private walk(node: CNode, row: number): CNode | null {
    const dispatch = node.dispatch;
    if (node.leafMethods !== null) return this.leafOf(node, row);
    if (dispatch !== null) {
      const list = this.select(dispatch, row);
      const items = list.items;
      for (let i = 0; i < items.length; i++) {
        const child = items[i]!;
        if (child.method !== null && child.method !== this.method) continue;
        // Too few segments left for its patterns, or more than its subtree can take: it
        // cannot match nor reach the end of the path, so skipping it changes nothing.
        // Only segments already found are counted: finding more here would search for
        // ends that a literal compare may find for free later (path-segments.ts).
        if (this.tooFew(row + child.minRows) || (child.maxRows >= 0 && row + child.maxRows < this.found)) continue;
        const mark = this.plen;
        const next = child.simple
          ? this.enterSimple(child, row, list.verified[i]!)
          : this.enter(child, row, list.verified[i]!);
        if (next >= 0) {
          // A route's method leaves are resolved here, not by recursing: V8 inlines this.
          const leaf = child.leafMethods !== null ? this.leafOf(child, next) : this.walk(child, next);
          if (leaf !== null) return leaf;
        }
        this.plen = mark; // roll back params captured by the failed branch
      }
    }
    return this.ended(node, row);
  }

  /**
   * `walk` for a node whose children are all bare leaves (CNode.leafMethods): they match
   * only at the end of the path, the first one whose method fits.
   */
  private leafOf(node: CNode, row: number): CNode | null {
    if (this.has(row)) return null;
    const method = this.method;
    const methods = node.leafMethods!;
    for (let i = 0; i < methods.length; i++) if (methods[i] === method) return node.leafNodes[i]!;
    if (node.leafOther !== null) return node.leafOther;
    return this.ended(node, row);
  }

  /** No child matched: the node's own goal answers if the path ends here. */
  private ended(node: CNode, row: number): CNode | null {
    if (this.has(row)) return null;
    this.onceEnded = true;
    return node.goal !== undefined ? node : null;
  }

  /**
   * The LIST dispatch holding the candidate children for this request, in insertion order.
   * A BY_SEGMENT step compares the segment with the literals of its first char; when the
   * segment's end is not known yet, a literal matches if it is followed by '/' or the end
   * of the path, which finds the segment's end without searching for it.
   */
  private select(d: Dispatch, row: number): Dispatch {
    for (;;) {
      if (d.tag === BY_SEGMENT) {
        const i = row + d.depth;
        let start: number;
        let width = -1; // unknown until the segment is found
        if (i < this.found) {
          start = this.start[i]!;
          width = this.end[i]! - start;
        } else {
          start = this.startOf(i);
          if (start < 0) {
            d = d.ended!;
            continue;
          }
        }
        const text = this.text;
        const slot = text.charCodeAt(start) - d.firstBase;
        const bucket = slot >= 0 && slot < d.byFirst.length ? d.byFirst[slot]! : null;
        let next = d.other!;
        if (bucket !== null) {
          for (let k = 0; k < bucket.length; k++) {
            const lit = bucket[k]!;
            const codes = lit.codes;
            if (width >= 0 ? codes.length !== width : !this.endsAt(start + codes.length)) continue;
            if (same(text, start, codes, 1)) {
              if (width < 0) this.record(start, start + codes.length);
              next = lit.target;
              break;
            }
          }
        }
        d = next;
      } else if (d.tag === BY_METHOD) {
        d = d.byMethod!.get(this.method) ?? d.other!;
      } else {
        return d;
      }
    }
  }

  /**
   * Checks a node's host, path and custom filters; returns the new row or -1. Segment i
   * with bit i set in `verified` is a literal the dispatch already compared. Literals and
   * plain params are handled here, the other kinds in `segment`: a function that handles
   * them all is too big for V8 to inline.
   */
  private enter(node: CNode, row: number, verified: number): number {
    if (node.hosts !== null && !allPass(node.hosts, this.req!)) return -1;
    const segs = node.segs;
    const push = !node.paramsInPlace;
    if (!push) this.base = row;
    // When each pattern segment takes one path segment, the first param not found yet
    // finds them up to the node's last in one go (the literals before it are found by
    // their compares); fewer path segments than that means the node fails anyway.
    const last = node.singles ? row + segs.length - 1 : -1;
    for (let i = 0; i < segs.length; i++) {
      if ((verified & (1 << i)) !== 0) {
        row++;
        continue;
      }
      const seg = segs[i]!;
      const tag = seg.tag;
      if (tag === PARAM) {
        if (row >= this.found && !this.has(Math.max(last, row))) return -1;
        if (push) this.pushSeg(seg.name, row);
        row++;
      } else if (tag === STATIC) {
        if (!this.literalAt(row, seg.codes)) return -1;
        row++;
      } else {
        row = this.segment(seg, row, push);
        if (row < 0) return -1;
      }
    }
    if (node.fns !== null && !allPass(node.fns, this.req!)) return -1;
    return row;
  }

  /**
   * `enter` for a CNode.simple node: literals and params that stay in place. Kept apart
   * so that V8, which inlines by size, can inline it and the calls within it into `walk`
   * when the tree has only such nodes; `enter` is then never called.
   */
  private enterSimple(node: CNode, row: number, verified: number): number {
    const segs = node.segs;
    if (node.paramsInPlace) this.base = row;
    const last = row + segs.length - 1;
    for (let i = 0; i < segs.length; i++, row++) {
      if ((verified & (1 << i)) !== 0) continue;
      const seg = segs[i]!;
      if (seg.tag === STATIC) {
        if (!this.literalAt(row, seg.codes)) return -1;
      } else if (row >= this.found && !this.has(last)) {
        return -1;
      }
    }
    return row;
  }

  /** The segment kinds other than literals and plain params; returns the new row or -1. */
  private segment(seg: CSeg, row: number, push: boolean): number {
    const tag = seg.tag;
    if (tag === WILD) return this.wild(seg, row, '');
    if (!this.has(row)) return -1;
    const str = this.text;
    const start = this.start[row]!;
    const end = this.end[row]!;
    if (tag === CHARS) {
      if (!matchChars(str, start, end, seg.hex, seg.min, seg.max)) return -1;
      if (push) this.pushSeg(seg.name, row);
      return row + 1;
    }
    const value = str.slice(start, end);
    if (tag === REGEX) {
      if (!seg.regex!.test(value)) return -1;
      if (push) this.pushVal(seg.name, value);
      return row + 1;
    }
    if (tag === COMB) {
      const m = seg.regex!.exec(value);
      if (m === null) return -1;
      const names = seg.names;
      for (let k = 0; k < names.length; k++) this.pushVal(names[k]!, m.groups?.[`__v${k}`] ?? '');
      if (seg.wildMode === null) return row + 1;
      return this.wild(seg, row + 1, value.slice(m[0].length));
    }
    return -1;
  }

  /** A wildcard over `left` (what a comb left of its segment, maybe '') and the segments from `row` on. */
  private wild(seg: CSeg, row: number, left: string): number {
    const n = this.count();
    const pieces = (left === '' ? 0 : 1) + (row < n ? n - row : 0);
    if (seg.wildMode === '*+' && pieces === 0) return -1;
    if (seg.wildMode === '*?' && pieces > 1) return -1;
    let value = left;
    for (let i = row; i < n; i++) {
      const piece = this.text.slice(this.start[i]!, this.end[i]!);
      value = value === '' ? piece : `${value}/${piece}`;
    }
    if (seg.wildRegex !== null && !seg.wildRegex.test(value)) return -1;
    this.pushVal(seg.wildName, value);
    return n;
  }

  private pushSeg(name: string, row: number): void {
    const i = this.reserve();
    this.pName[i] = name;
    this.pSeg[i] = row;
  }

  private pushVal(name: string, value: string): void {
    const i = this.reserve();
    this.pName[i] = name;
    this.pVal[i] = value;
    this.pSeg[i] = -1;
  }

  private reserve(): number {
    const i = this.plen++;
    if (i === this.pSeg.length) {
      const grown = new Int32Array(i * 2);
      grown.set(this.pSeg);
      this.pSeg = grown;
    }
    return i;
  }

  private params(leaf: CNode): Record<string, string> {
    const count = this.plen;
    if (leaf.makeParams !== null && (leaf.paramsAtBase || count === leaf.paramNames.length)) {
      return leaf.makeParams(this.text, this.start, this.end, this.pSeg, this.pVal, this.base);
    }
    // Not expected (the stack always holds the leaf's names); the generic way is still right.
    const params: Record<string, string> = {};
    for (let i = 0; i < count; i++) {
      const row = this.pSeg[i]!;
      params[this.pName[i]!] = row >= 0 ? this.text.slice(this.start[row]!, this.end[row]!) : this.pVal[i]!;
    }
    return params;
  }
}

function allPass(filters: readonly (HostFilter | FnFilter)[], req: Request): boolean {
  for (let i = 0; i < filters.length; i++) if (!filters[i]!.test(req)) return false;
  return true;
}
