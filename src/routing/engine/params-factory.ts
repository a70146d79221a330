import { CHARS, type CNode, type CSeg, PARAM, type ParamsFactory, REGEX, STATIC } from './compiled-node.js';

/**
 * The functions that build a match's params object, generated per route. An object
 * literal with constant keys gives every result of a route the same hidden class, where
 * assigning computed keys one by one goes through V8's slow keyed stores. A name seen
 * twice keeps its first position and takes the last value, like repeated assignment.
 * The keys are JSON-quoted, so any name is safe in the generated source.
 */

/** From the param stack: value i is segment rows[i] of the text (a view), or vals[i] when rows[i] is -1. */
export function stackParamsFactory(names: readonly string[]): ParamsFactory {
  if (names.length === 0) return () => ({});
  const value = (i: number) => `(rows[${i}] >= 0 ? text.slice(starts[rows[${i}]], ends[rows[${i}]]) : vals[${i}])`;
  return literal(names.map((name, i) => [name, value(i)]));
}

/**
 * Marks the nodes that can keep their params in place (CNode.paramsInPlace) and gives
 * the leaves below them a factory reading segment `base + offset` for each param.
 */
export function placeParams(node: CNode): void {
  if (canKeepInPlace(node)) {
    node.paramsInPlace = true;
    const fields: [string, string][] = [];
    node.segs.forEach((seg, offset) => {
      if (seg.tag !== STATIC) fields.push([seg.name, `text.slice(starts[base + ${offset}], ends[base + ${offset}])`]);
    });
    const make = literal(fields);
    const visit = (n: CNode): void => {
      if (n.goal !== undefined) {
        n.makeParams = make;
        n.paramsAtBase = true;
      }
      for (const child of n.children) visit(child);
    };
    visit(node);
    return;
  }
  for (const child of node.children) placeParams(child);
}

/** Sets CNode.simple on the whole tree; call after placeParams. */
export function markSimple(node: CNode): void {
  node.simple =
    node.hosts === null &&
    node.fns === null &&
    node.segs.every((seg) => seg.tag === STATIC || (seg.tag === PARAM && node.paramsInPlace));
  for (const child of node.children) markSimple(child);
}

/** Params of its own, none before it (its names are all of root to here), one segment each, none below it. */
function canKeepInPlace(node: CNode): boolean {
  const own = node.segs.filter((seg) => seg.tag !== STATIC);
  return (
    own.length > 0 &&
    own.length === node.paramNames.length &&
    own.every(wholeSegment) &&
    node.children.every(function none(c: CNode): boolean {
      return c.segs.every((seg) => seg.tag === STATIC) && c.children.every(none);
    })
  );
}

/** A param whose value is exactly one path segment. */
function wholeSegment(seg: CSeg): boolean {
  return seg.tag === PARAM || seg.tag === CHARS || seg.tag === REGEX;
}

/** `return { name: expr, ... }` with first positions and last values for repeated names. */
function literal(fields: readonly (readonly [string, string])[]): ParamsFactory {
  const byName = new Map<string, string>();
  for (const [name, expr] of fields) byName.set(name, expr);
  const body = [...byName].map(([name, expr]) => `${JSON.stringify(name)}: ${expr}`).join(', ');
  return new Function('text', 'starts', 'ends', 'rows', 'vals', 'base', `return { ${body} };`) as ParamsFactory;
}
