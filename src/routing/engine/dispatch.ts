import { BY_METHOD, BY_SEGMENT, type CNode, type CSeg, Dispatch, LitEntry, STATIC, WILD } from './compiled-node.js';

/**
 * Builds the index that narrows a router's children to those that could match, without
 * changing which one matches first.
 *
 * Salvo tries every child in insertion order. The index only removes children that are
 * certain to fail, and keeps the survivors in insertion order, so the first child that
 * matches is the same one. A child is removed only for these reasons:
 *
 * - its segment at depth d (preceded only by segments that take exactly one path
 *   segment each) is a literal different from the request's segment at cursor + d;
 * - it needs a segment at depth d and the request has none there;
 * - its method filter differs from the request method.
 *
 * Everything else (params, regexes, wildcards, children whose pattern is already used up,
 * host and custom filters) is kept in every branch and checked for real when the child is
 * tried. Rebuilding per depth duplicates the kept children across branches; a budget
 * bounds that, falling back to plain lists (slower, same answers).
 */
export function buildDispatch(children: readonly CNode[]): Dispatch | null {
  if (children.length === 0) return null;
  const budget = { nodes: 0, max: 20_000 + children.length * 50 };
  return build(
    children.map((node) => ({ node, verified: 0 })),
    0,
    budget,
  );
}

interface Budget {
  nodes: number;
  max: number;
}

/** A candidate child and the literal segments (bit i = segment i) the dispatch already checked. */
interface Entry {
  readonly node: CNode;
  readonly verified: number;
}

/** What a child requires of the request segment at depth d. */
const UNIVERSAL = 0; // nothing: pattern used up at d, or a multi-segment part came before
const LITERAL = 1; // exactly this literal
const ONE = 2; // some segment (param, regex, comb...)
const REST = 3; // the rest, maybe empty (wildcard here)
const REST_NONEMPTY = 4; // the rest, at least one segment ({*+x} or a comb ending with a wildcard)

function need(node: CNode, d: number): number {
  const segs = node.segs;
  for (let i = 0; i < d && i < segs.length; i++) if (segs[i]!.multi) return UNIVERSAL;
  if (segs.length <= d) return UNIVERSAL;
  const seg: CSeg = segs[d]!;
  if (seg.tag === STATIC) return LITERAL;
  if (seg.tag === WILD) return seg.wildMode === '*+' ? REST_NONEMPTY : REST;
  return seg.multi ? REST_NONEMPTY : ONE;
}

function build(items: readonly Entry[], depth: number, budget: Budget): Dispatch {
  if (items.length > 2 && budget.nodes < budget.max) {
    const maxDepth = Math.max(...items.map((it) => it.node.segs.length));
    for (let d = depth; d < maxDepth; d++) {
      if (items.some((it) => need(it.node, d) === LITERAL)) return bySegment(items, d, budget);
    }
  }
  return byMethod(items, budget);
}

function bySegment(items: readonly Entry[], d: number, budget: Budget): Dispatch {
  const groups = new Map<string, Entry[]>();
  for (const it of items) {
    if (need(it.node, d) === LITERAL) groups.set(it.node.segs[d]!.text, []);
  }
  const other: Entry[] = [];
  const ended: Entry[] = [];
  for (const it of items) {
    const n = need(it.node, d);
    if (n === LITERAL) {
      // Picking this group compares the literal; bits past 30 are simply not recorded.
      const verified = d < 31 ? it.verified | (1 << d) : it.verified;
      groups.get(it.node.segs[d]!.text)!.push({ node: it.node, verified });
      continue;
    }
    // Not a literal: a candidate whatever the segment is.
    for (const group of groups.values()) group.push(it);
    other.push(it);
    if (n === UNIVERSAL || n === REST) ended.push(it);
  }
  const dispatch = node(budget);
  dispatch.tag = BY_SEGMENT;
  dispatch.depth = d;
  const firsts = [...groups.keys()].map((key) => key.charCodeAt(0));
  dispatch.firstBase = Math.min(...firsts);
  dispatch.byFirst = new Array<LitEntry[] | null>(Math.max(...firsts) - dispatch.firstBase + 1).fill(null);
  for (const [key, group] of groups) {
    const slot = key.charCodeAt(0) - dispatch.firstBase;
    const bucket = dispatch.byFirst[slot] ?? [];
    bucket.push(new LitEntry(key, build(group, d + 1, budget)));
    dispatch.byFirst[slot] = bucket;
  }
  dispatch.other = build(other, d + 1, budget);
  // With no segment at d there is none after it either: only the method can still narrow.
  dispatch.ended = byMethod(ended, budget);
  return dispatch;
}

function byMethod(items: readonly Entry[], budget: Budget): Dispatch {
  const methods = new Set<string>();
  for (const it of items) if (it.node.method !== null) methods.add(it.node.method);
  if (items.length <= 2 || methods.size === 0) return list(items, budget);
  const dispatch = node(budget);
  dispatch.tag = BY_METHOD;
  dispatch.byMethod = new Map();
  for (const m of methods) {
    const group = items.filter((it) => it.node.method === null || it.node.method === m);
    dispatch.byMethod.set(m, list(group, budget));
  }
  dispatch.other = list(
    items.filter((it) => it.node.method === null),
    budget,
  );
  return dispatch;
}

function list(items: readonly Entry[], budget: Budget): Dispatch {
  const dispatch = node(budget);
  dispatch.items = items.map((it) => it.node);
  dispatch.verified = items.map((it) => it.verified);
  return dispatch;
}

function node(budget: Budget): Dispatch {
  budget.nodes++;
  return new Dispatch();
}
