import type { RouterLike } from '../router-parts.js';
import type { Matcher } from '../types.js';
import { generateMatcher } from './codegen.js';
import { primeMatcher } from './codegen-prime.js';
import type { Engine } from './engine.js';
import { GeneratedEngine } from './generated-engine.js';
import { Run } from './lookup.js';
import { Reentrant } from './reentrant.js';
import { StaticCache } from './static-cache.js';
import { compiledTree, methodsOf, usesRequestFilters } from './tree.js';

/**
 * Compiles a router tree into a Matcher that answers exactly like Router#detect (Salvo's
 * depth-first, first-match, rollback semantics) but faster:
 *
 * - the tree is flattened once into CNodes with hoops, route label and body limit
 *   precomputed per node (tree.ts);
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
 *
 * The engines (engine.ts) are composed once here, so that each call in a lookup always
 * reaches the same class: the matcher calls a StaticCache (or a Reentrant), which calls
 * a GeneratedEngine (or, for a tree too big for generated code, a Run).
 */
export function compileRouter(root: RouterLike, options: CompileOptions = {}): Matcher {
  const top = compiledTree(root);
  const make = generateMatcher(top, options.maxSource);
  if (usesRequestFilters(top)) {
    // User code (host and custom filters) runs during a lookup: it may throw, or call the
    // matcher again; a nested call gets an engine of its own.
    const engine = new Reentrant(() => (make === null ? new Run(top) : new GeneratedEngine(make(), new Run(top))));
    return (req) => engine.match(req.method, req.path, req);
  }
  // Otherwise a lookup runs no user code, so it can neither throw midway nor re-enter.
  const run = new Run(top);
  let next: Engine = run;
  if (make !== null) {
    const fast = make();
    primeMatcher(top, fast);
    next = new GeneratedEngine(fast, run);
  }
  const engine = new StaticCache(top, methodsOf(top), run, next);
  return (req) => engine.match(req.method, req.path, req);
}

/** For tests: `maxSource: 0` makes Run serve every path, as for a tree too big to generate code for. */
export interface CompileOptions {
  /** Source characters of generated code beyond which Run serves the tree instead. */
  maxSource?: number;
}
