import { RouteError } from '../route-error.js';
import { type RouterLike, routerParts } from '../router-parts.js';
import { CNode, COMB, CSeg, STATIC, WILD } from './compiled-node.js';
import { buildDispatch } from './dispatch.js';
import { markSimple, placeParams, stackParamsFactory } from './params-factory.js';

/**
 * Flattens a router tree into CNodes (compiled-node.ts), once per compile: each node
 * gets its hoops from the root, route label and body limit precomputed, its path filters
 * merged into one segment list, its children indexed (dispatch.ts) and the bounds on the
 * segments its subtree can take. Every engine reads this tree.
 */

/** The router tree as CNodes, with params placed and simple nodes marked. */
export function compiledTree(root: RouterLike): CNode {
  const top = toNode(root, null, new Set());
  placeParams(top);
  markSimple(top);
  return top;
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
export function usesRequestFilters(node: CNode): boolean {
  return node.hosts !== null || node.fns !== null || node.children.some(usesRequestFilters);
}

export function methodsOf(node: CNode, into = new Set<string>()): Set<string> {
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
