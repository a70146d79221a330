import { generateMatcher } from './codegen.js';
import { primeMatcher } from './codegen-prime.js';
import { CNode, COMB, CSeg, STATIC, WILD } from './compiled-node.js';
import { buildDispatch } from './dispatch.js';
import { Run } from './lookup.js';
import { markSimple, placeParams, stackParamsFactory } from './params-factory.js';
import { RouteError } from './route-error.js';
import { type RouterLike, routerParts } from './router-parts.js';
import { StaticCache } from './static-cache.js';
import type { Matcher, Request } from './types.js';

/**
 * Compiles a router tree into a Matcher that answers exactly like Router#detect (Salvo's
 * depth-first, first-match, rollback semantics) but faster:
 *
 * - the tree is flattened once into CNodes with hoops, route label and body limit
 *   precomputed per node;
 * - each node's children are indexed by literal segments and method (dispatch.ts), so a
 *   lookup tries only the children that can match, still in insertion order;
 * - the path's segments are (string, start, end) views in reused buffers, found lazily
 *   (path-segments.ts): a literal is compared char by char where its segment starts,
 *   which finds that segment's end without searching for it, so a native indexOf runs
 *   only for escapes and for the ends of segments that no literal matched (params);
 *   params are recorded as segment indexes on a reused stack, so a lookup allocates only
 *   the params object and the result (plus the strings a regex, comb or wildcard must
 *   produce, and decoded segments);
 * - the params object is built by a per-route function with constant keys
 *   (params-factory.ts); a route whose params are all whole segments of one node reads
 *   them at fixed offsets from where that node started, without the stack;
 * - regexes are compiled once, when the pattern is parsed;
 * - when the answer can only depend on method and path, paths made of literals are
 *   answered from a table computed by the matcher itself (static-cache.ts);
 * - paths without '%' (nearly all) are matched by JavaScript generated for the tree
 *   (codegen.ts): the walk of Run written out with the literals, methods and param
 *   positions in the code. Run (lookup.ts) serves the paths with escapes, whose segments
 *   must be decoded, and every path of a tree whose code would be too big.
 */
export function compileRouter(root: RouterLike, options: CompileOptions = {}): Matcher {
  const top = compiledTree(root);
  const run = new Run(top);
  // The generated matcher (codegen.ts) serves paths without escapes; Run serves the others
  // (and every path of a tree too big to generate code for).
  const make = generateMatcher(top, options.maxSource);
  if (usesRequestFilters(top)) {
    // User code (host and custom filters) runs during a lookup: it may throw, or call the
    // matcher again; a nested call gets its own state instead of clobbering ours.
    const slow = (req: Request) => (run.busy ? new Run(top).guardedMatch(req) : run.guardedMatch(req));
    if (make === null) return slow;
    const fast = make();
    let busy = false;
    return (req) => {
      const path = req.path;
      if (path.indexOf('%') >= 0) return slow(req);
      if (busy) return make()(req.method, path, req);
      busy = true;
      try {
        return fast(req.method, path, req);
      } finally {
        busy = false;
      }
    };
  }
  // Otherwise a lookup runs no user code, so it can neither throw midway nor re-enter.
  const built = StaticCache.build(top, methodsOf(top), (method, path) => run.match({ method, path } as Request));
  const cache = built.size > 0 ? built : null;
  if (make === null) {
    run.cache = cache;
    return (req) => run.match(req);
  }
  const fast = make();
  primeMatcher(top, fast);
  return (req) => {
    const method = req.method;
    const path = req.path;
    if (cache !== null) {
      const hit = cache.lookup(method, path);
      if (hit !== undefined) return hit;
    }
    return path.indexOf('%') < 0 ? fast(method, path, req) : run.match(req);
  };
}

/** The router tree as CNodes, with params placed and simple nodes marked. */
export function compiledTree(root: RouterLike): CNode {
  const top = toNode(root, null, new Set());
  placeParams(top);
  markSimple(top);
  return top;
}

/** For tests: `maxSource: 0` makes Run serve every path, as for a tree too big to generate code for. */
export interface CompileOptions {
  /** Source characters of generated code beyond which Run serves the tree instead. */
  maxSource?: number;
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
  if (node.goal !== undefined) {
    node.makeParams = stackParamsFactory(node.paramNames);
    node.handlers = Object.freeze([...node.hoops, node.goal]);
  }
  ancestors.add(router);
  node.children = parts.children.map((child) => toNode(child, node, ancestors));
  ancestors.delete(router);
  node.dispatch = buildDispatch(node.children);
  indexLeaves(node);
  let min = 0;
  let max = 0; // -1: no bound (a wildcard)
  for (const seg of node.segs) {
    if (seg.multi) {
      max = -1;
      if (seg.tag === COMB || seg.wildMode === '*+') min++;
    } else {
      min++;
      if (max >= 0) max++;
    }
  }
  node.minRows = min;
  node.singles = node.segs.every((seg) => seg.tag !== WILD && seg.tag !== COMB);
  // The most a child can take on top of this node's own, unbounded if one child is.
  let below = 0;
  for (const child of node.children) below = child.maxRows < 0 || below < 0 ? -1 : Math.max(below, child.maxRows);
  node.maxRows = max < 0 || below < 0 ? -1 : max + below;
  return node;
}
