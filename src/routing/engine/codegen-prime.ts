import type { FastMatch } from './codegen.js';
import type { CNode, CSeg } from './compiled-node.js';
import * as C from './compiled-node.js';

/** Enough to reach every route of a big table; beyond that the first ones are primed. */
const MAX_ROUTES = 5000;

/**
 * Runs a generated matcher once for a path of each route, at compile time, so that V8
 * has seen every branch of the code before it optimizes it. V8 compiles the branches a
 * function never took as exits back to the interpreter, and then optimizes the whole
 * function again: without priming, each route first used after the warm-up would cost
 * an optimization of the code on its way, and a server taking new routes for a while
 * would keep recompiling. Only for trees without host or custom filters: a lookup then
 * runs no user code and has no effect (compile.ts).
 */
export function primeMatcher(root: CNode, match: FastMatch): void {
  let routes = 0;
  const visit = (node: CNode, path: string, method: string): void => {
    if (routes >= MAX_ROUTES) return;
    let here = path;
    for (const seg of node.segs) here += `/${sample(seg)}`;
    const m = node.method ?? method;
    // A path with '%' is for Run, not for generated code.
    if (node.goal !== undefined && here.indexOf('%') < 0) {
      routes++;
      match(fresh(m), here === '' ? '/' : here, null);
    }
    for (const child of node.children) visit(child, here, m);
  };
  visit(root, '', 'GET');
}

/**
 * The method as a string of its own. Literals are internalized strings, which V8 would
 * then expect from every request and compare by identity, deoptimizing the code at the
 * first method that is not (one parsed from the request line, say).
 */
function fresh(method: string): string {
  return method.split('').join('');
}

/** A segment value the pattern segment likely accepts (a regex may still refuse it: then that branch stays cold). */
function sample(seg: CSeg): string {
  switch (seg.tag) {
    case C.STATIC:
      return seg.text;
    case C.CHARS:
      return '1'.repeat(Math.max(1, seg.min));
    case C.WILD:
      return seg.wildMode === '*+' ? 'x' : '';
    default:
      return 'x';
  }
}
