import * as C from './compiled-node.js';
import { CNode, CSeg, type Dispatch, type ParamsFactory } from './compiled-node.js';
import { buildDispatch } from './dispatch.js';
import type { FnFilter, HostFilter } from './filters.js';
import { charsMatch } from './path-pattern.js';
import { decodeSegment as decode } from './path-state.js';
import { RouteError } from './route-error.js';
import { type RouterLike, routerParts } from './router-parts.js';
import { StaticCache } from './static-cache.js';
import type { Matcher, Request, RouteMatch } from './types.js';

/**
 * Compiles a router tree into a Matcher that answers exactly like Router#detect (Salvo's
 * depth-first, first-match, rollback semantics) but faster:
 *
 * - the tree is flattened once into CNodes with hoops, route label and body limit
 *   precomputed per node;
 * - each node's children are indexed by literal segments and method (dispatch.ts), so a
 *   lookup tries only the children that can match, still in insertion order;
 * - the path is split into (string, start, end) views in reused buffers, literals are
 *   compared in place (`indexOf(literal, start) === start` after checking width and
 *   first char: a native compare, measured faster here than a JS loop, startsWith or
 *   generated per-literal functions) and params are recorded as segment indexes on a
 *   reused stack, so a lookup allocates only the params object and the result (plus
 *   the strings a regex, comb or wildcard must produce, and decoded segments);
 * - the params object is built by a per-route function with constant keys;
 * - regexes are compiled once, when the pattern is parsed;
 * - when the answer can only depend on method and path, paths made of literals are
 *   answered from a table computed by the matcher itself (static-cache.ts).
 */
export function compileRouter(root: RouterLike): Matcher {
  const top = toNode(root, null, new Set());
  const run = new Run(top);
  if (usesRequestFilters(top)) {
    // User code (host and custom filters) runs during a lookup: it may throw, or call the
    // matcher again; a nested call gets its own buffers instead of clobbering ours.
    return (req) => (run.busy ? new Run(top).guardedMatch(req) : run.guardedMatch(req));
  }
  // Otherwise a lookup runs no user code, so it can neither throw midway nor re-enter.
  const cache = StaticCache.build(top, methodsOf(top), (method, path) => run.match({ method, path } as Request));
  if (cache.size > 0) run.cache = cache;
  return (req) => run.match(req);
}

function paramNamesOf(seg: CSeg): string[] {
  switch (seg.tag) {
    case STATIC:
      return [];
    case COMB:
      return seg.wildMode === null ? [...seg.names] : [...seg.names, seg.wildName];
    case WILD:
      return [seg.wildName];
    default:
      return [seg.name];
  }
}

/**
 * A function building the params object from the captured values with an object
 * literal: constant keys give every result of a route the same hidden class, where
 * assigning computed keys one by one goes through V8's slow keyed stores. A name seen
 * twice keeps its first position and takes the last value, like repeated assignment.
 * The keys are JSON-quoted, so any name is safe in the generated source.
 */
function paramsFactory(names: readonly string[]): ParamsFactory {
  if (names.length === 0) return () => ({});
  // Value i is segment rows[i] of the text (a view), or vals[i] when rows[i] is -1.
  const value = (i: number) => `(rows[${i}] >= 0 ? text.slice(starts[rows[${i}]], ends[rows[${i}]]) : vals[${i}])`;
  const fields = names.map((name, i) => `${JSON.stringify(name)}: ${value(i)}`).join(', ');
  return new Function('text', 'starts', 'ends', 'rows', 'vals', `return { ${fields} };`) as ParamsFactory;
}

function indexLeaves(node: CNode): void {
  const bare = (c: CNode) =>
    c.segs.length === 0 && c.hosts === null && c.fns === null && c.children.length === 0 && c.goal !== undefined;
  if (node.children.length === 0 || !node.children.every(bare)) return;
  const byMethod = new Map<string, CNode>();
  let other: CNode | null = null;
  for (const child of node.children) {
    if (child.method === null) {
      other ??= child;
      // A method-less leaf also answers every method that has no earlier leaf of its own.
      for (const m of methodsOfLeaves(node)) if (!byMethod.has(m)) byMethod.set(m, child);
    } else if (!byMethod.has(child.method)) {
      byMethod.set(child.method, child);
    }
  }
  node.leafMethods = [...byMethod.keys()];
  node.leafNodes = [...byMethod.values()];
  node.leafOther = other;
}

function methodsOfLeaves(node: CNode): string[] {
  return node.children.flatMap((c) => (c.method === null ? [] : [c.method]));
}

/** Does any router look at the request beyond method and path (host or custom filter)? */
function usesRequestFilters(node: CNode): boolean {
  return node.hosts !== null || node.fns !== null || node.children.some(usesRequestFilters);
}

function methodsOf(node: CNode, into = new Set<string>()): Set<string> {
  if (node.method !== null) into.add(node.method);
  for (const child of node.children) methodsOf(child, into);
  return into;
}

function toNode(router: RouterLike, parent: CNode | null, ancestors: Set<RouterLike>): CNode {
  if (ancestors.has(router)) throw new RouteError('a router is its own ancestor: the tree has a cycle');
  const parts = router[routerParts]();
  const node = new CNode();
  const labels: string[] = [];
  for (const f of parts.filters) {
    switch (f.kind) {
      case 'path':
        for (const seg of f.pattern.segments) node.segs.push(new CSeg(seg));
        if (f.pattern.label !== '') labels.push(f.pattern.label);
        break;
      case 'method':
        node.method = node.method === null || node.method === f.method ? f.method : '\0never';
        break;
      case 'host':
        node.hosts = [...(node.hosts ?? []), f];
        break;
      case 'fn':
        node.fns = [...(node.fns ?? []), f];
        break;
    }
  }
  const parentRoute = parent === null ? '' : parent.route === '/' ? '' : parent.route;
  node.route = labels.length > 0 ? `${parentRoute}/${labels.join('/')}` : parentRoute || '/';
  // Nodes without hoops of their own share their parent's array: one array per distinct chain.
  node.hoops =
    parent !== null && parts.hoops.length === 0
      ? parent.hoops
      : Object.freeze([...(parent?.hoops ?? []), ...parts.hoops]);
  node.bodyLimit = parts.bodyLimit ?? parent?.bodyLimit;
  node.goal = parts.goal;
  node.paramNames = [...(parent?.paramNames ?? []), ...node.segs.flatMap(paramNamesOf)];
  if (node.goal !== undefined) node.makeParams = paramsFactory(node.paramNames);
  ancestors.add(router);
  node.children = parts.children.map((child) => toNode(child, node, ancestors));
  ancestors.delete(router);
  node.dispatch = buildDispatch(node.children);
  indexLeaves(node);
  let min = 0;
  let max = 0;
  for (const seg of node.segs) {
    if (seg.multi) {
      max = Number.POSITIVE_INFINITY;
      if (seg.tag === COMB || seg.wildMode === '*+') min++;
    } else {
      min++;
      max++;
    }
  }
  node.minRows = min;
  node.maxRows = max + Math.max(0, ...node.children.map((c) => c.maxRows));
  return node;
}

// Module-local copies of the tags: a transpiler may turn imported bindings into getter
// calls (tsx does), which the hot loop should not pay for.
const { BY_METHOD, BY_SEGMENT, CHARS, COMB, PARAM, REGEX, STATIC, WILD } = C;
const matchChars = charsMatch;
const decodeSegment = decode;

/** The state of one lookup, reused across lookups (see compileRouter). */
class Run {
  busy = false;
  readonly #root: CNode;
  #req: Request | null = null;
  #method = '';
  /**
   * Path segments as views: segment i is #text from #start[i] to #end[i]. #text is the
   * request path itself, or, when the path has escapes, the decoded segments joined.
   */
  #text = '';
  #start = new Int32Array(16);
  #end = new Int32Array(16);
  #n = 0;
  /** Captured params; #pSeg[i] >= 0 means "segment #pSeg[i]", else the value is #pVal[i]. */
  #pName: string[] = [];
  #pVal: string[] = [];
  #pSeg = new Int32Array(8);
  #plen = 0;
  #onceEnded = false;

  constructor(root: CNode) {
    this.#root = root;
  }

  /** Answers for paths made of literals, when the tree has no host or custom filter. */
  cache: StaticCache | null = null;

  /** A lookup that runs no user code (no host or custom filter in the tree). */
  match(req: Request): RouteMatch | 404 | 405 {
    const method = req.method;
    const path = req.path;
    if (this.cache !== null) {
      const hit = this.cache.lookup(method, path);
      if (hit !== undefined) return hit;
    }
    this.#method = method;
    this.#split(path);
    this.#plen = 0;
    this.#onceEnded = false;
    const root = this.#root;
    let leaf: CNode | null = null;
    if (root.method === null || root.method === method) {
      const row = this.#enter(root, 0, 0);
      if (row >= 0) leaf = this.#walk(root, row);
    }
    if (leaf === null) return this.#onceEnded ? 405 : 404;
    return {
      hoops: leaf.hoops,
      goal: leaf.goal!,
      params: this.#params(leaf),
      route: leaf.route,
      bodyLimit: leaf.bodyLimit,
    };
  }

  /** A lookup that may run user code: marks the buffers busy and keeps the request for the filters. */
  guardedMatch(req: Request): RouteMatch | 404 | 405 {
    this.busy = true;
    try {
      this.#req = req;
      return this.match(req);
    } finally {
      this.#req = null;
      this.busy = false;
    }
  }

  /** `node` passed its filters with the cursor now at `row`: children first, then its goal. */
  #walk(node: CNode, row: number): CNode | null {
    const dispatch = node.dispatch;
    const leafMethods = node.leafMethods;
    if (leafMethods !== null) {
      if (row >= this.#n) {
        const method = this.#method;
        for (let i = 0; i < leafMethods.length; i++) if (leafMethods[i] === method) return node.leafNodes[i]!;
        if (node.leafOther !== null) return node.leafOther;
      }
    } else if (dispatch !== null) {
      const list = this.#select(dispatch, row);
      const items = list.items;
      const rest = this.#n - row;
      for (let i = 0; i < items.length; i++) {
        const child = items[i]!;
        if (child.method !== null && child.method !== this.#method) continue;
        // Too few segments left for its patterns, or more than its subtree can take: it
        // cannot match nor reach the end of the path, so skipping it changes nothing.
        if (rest < child.minRows || rest > child.maxRows) continue;
        const mark = this.#plen;
        const next = this.#enter(child, row, list.verified[i]!);
        if (next >= 0) {
          const leaf = this.#walk(child, next);
          if (leaf !== null) return leaf;
        }
        this.#plen = mark; // roll back params captured by the failed branch
      }
    }
    if (row >= this.#n) {
      this.#onceEnded = true;
      if (node.goal !== undefined) return node;
    }
    return null;
  }

  /** The LIST dispatch holding the candidate children for this request, in insertion order. */
  #select(d: Dispatch, row: number): Dispatch {
    for (;;) {
      if (d.tag === BY_SEGMENT) {
        const i = row + d.depth;
        if (i >= this.#n) {
          d = d.ended!;
          continue;
        }
        const str = this.#text;
        const start = this.#start[i]!;
        const width = this.#end[i]! - start;
        let next = d.other!;
        const bucket = width < d.byLength.length ? d.byLength[width] : undefined;
        if (bucket !== undefined) {
          const first = str.charCodeAt(start);
          for (let k = 0; k < bucket.length; k++) {
            const lit = bucket[k]!;
            if (lit.first === first && str.indexOf(lit.key, start) === start) {
              next = lit.target;
              break;
            }
          }
        }
        d = next;
      } else if (d.tag === BY_METHOD) {
        d = d.byMethod!.get(this.#method) ?? d.other!;
      } else {
        return d;
      }
    }
  }

  /**
   * Checks a node's host, path and custom filters; returns the new row or -1. Segment i
   * with bit i set in `verified` is a literal the dispatch already compared.
   */
  #enter(node: CNode, row: number, verified: number): number {
    if (node.hosts !== null && !allPass(node.hosts, this.#req!)) return -1;
    const segs = node.segs;
    for (let i = 0; i < segs.length; i++) {
      row = (verified & (1 << i)) !== 0 ? row + 1 : this.#segment(segs[i]!, row);
      if (row < 0) return -1;
    }
    if (node.fns !== null && !allPass(node.fns, this.#req!)) return -1;
    return row;
  }

  #segment(seg: CSeg, row: number): number {
    const n = this.#n;
    const tag = seg.tag;
    if (tag === WILD) return this.#wild(seg, row, '');
    if (row >= n) return -1;
    const str = this.#text;
    const start = this.#start[row]!;
    const end = this.#end[row]!;
    if (tag === STATIC) {
      const text = seg.text;
      return end - start === text.length && str.indexOf(text, start) === start ? row + 1 : -1;
    }
    if (tag === PARAM) {
      this.#pushSeg(seg.name, row);
      return row + 1;
    }
    if (tag === CHARS) {
      if (!matchChars(str, start, end, seg.hex, seg.min, seg.max)) return -1;
      this.#pushSeg(seg.name, row);
      return row + 1;
    }
    const value = str.slice(start, end);
    if (tag === REGEX) {
      if (!seg.regex!.test(value)) return -1;
      this.#pushVal(seg.name, value);
      return row + 1;
    }
    if (tag === COMB) {
      const m = seg.regex!.exec(value);
      if (m === null) return -1;
      const names = seg.names;
      for (let k = 0; k < names.length; k++) this.#pushVal(names[k]!, m.groups?.[`__v${k}`] ?? '');
      if (seg.wildMode === null) return row + 1;
      return this.#wild(seg, row + 1, value.slice(m[0].length));
    }
    return -1;
  }

  /** A wildcard over `left` (what a comb left of its segment, maybe '') and the segments from `row` on. */
  #wild(seg: CSeg, row: number, left: string): number {
    const n = this.#n;
    const pieces = (left === '' ? 0 : 1) + (row < n ? n - row : 0);
    if (seg.wildMode === '*+' && pieces === 0) return -1;
    if (seg.wildMode === '*?' && pieces > 1) return -1;
    let value = left;
    for (let i = row; i < n; i++) {
      const piece = this.#text.slice(this.#start[i]!, this.#end[i]!);
      value = value === '' ? piece : `${value}/${piece}`;
    }
    if (seg.wildRegex !== null && !seg.wildRegex.test(value)) return -1;
    this.#pushVal(seg.wildName, value);
    return n;
  }

  #pushSeg(name: string, row: number): void {
    const i = this.#reserve();
    this.#pName[i] = name;
    this.#pSeg[i] = row;
  }

  #pushVal(name: string, value: string): void {
    const i = this.#reserve();
    this.#pName[i] = name;
    this.#pVal[i] = value;
    this.#pSeg[i] = -1;
  }

  #reserve(): number {
    const i = this.#plen++;
    if (i === this.#pSeg.length) {
      const grown = new Int32Array(i * 2);
      grown.set(this.#pSeg);
      this.#pSeg = grown;
    }
    return i;
  }

  #params(leaf: CNode): Record<string, string> {
    const count = this.#plen;
    if (leaf.makeParams !== null && count === leaf.paramNames.length) {
      return leaf.makeParams(this.#text, this.#start, this.#end, this.#pSeg, this.#pVal);
    }
    // Not expected (the stack always holds the leaf's names); the generic way is still right.
    const params: Record<string, string> = {};
    for (let i = 0; i < count; i++) {
      const row = this.#pSeg[i]!;
      params[this.#pName[i]!] = row >= 0 ? this.#text.slice(this.#start[row]!, this.#end[row]!) : this.#pVal[i]!;
    }
    return params;
  }

  /**
   * Splits on '/', dropping empty segments (so repeated and trailing slashes do not
   * count), and percent-decodes each segment after the split so '%2F' stays inside it.
   * Without escapes (the usual case) the segments are views into the path: no string is
   * created. The scans are indexOf calls, which run natively.
   */
  #split(path: string): void {
    const len = path.length;
    const escaped = path.indexOf('%') >= 0;
    let text = escaped ? '' : path;
    let n = 0;
    let start = 0;
    while (start < len) {
      let end = path.indexOf('/', start);
      if (end < 0) end = len;
      if (end > start) {
        if (n === this.#start.length) this.#grow();
        if (escaped) {
          // Decoded segments may contain '/', so they are delimited by the views, not re-split.
          const decoded = decodeSegment(path.slice(start, end));
          this.#start[n] = text.length;
          text += decoded;
          this.#end[n] = text.length;
          text += '/';
        } else {
          this.#start[n] = start;
          this.#end[n] = end;
        }
        n++;
      }
      start = end + 1;
    }
    this.#text = text;
    this.#n = n;
  }

  #grow(): void {
    const start = new Int32Array(this.#start.length * 2);
    const end = new Int32Array(this.#end.length * 2);
    start.set(this.#start);
    end.set(this.#end);
    this.#start = start;
    this.#end = end;
  }
}

function allPass(filters: readonly (HostFilter | FnFilter)[], req: Request): boolean {
  for (let i = 0; i < filters.length; i++) if (!filters[i]!.test(req)) return false;
  return true;
}
