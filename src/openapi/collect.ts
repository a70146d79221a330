import type { Handler } from '../http/handler.js';
import { type SecuritySchemeInfo, securitySchemeOf } from '../http/security-scheme.js';
import type { Segment } from '../routing/path-pattern.js';
import { type RouterLike, routerParts } from '../routing/router-parts.js';
import { type EndpointSpec, endpointSpecOf } from '../validation/endpoint.js';

/** One endpoint found in a router tree, with what its branch adds: path, method, auth. */
export interface CollectedRoute {
  segments: Segment[];
  /** Lowercase; a goal without a method filter answers every method and is documented as 'get'. */
  method: string;
  spec: EndpointSpec;
  /** The auth hoops on the branch, root first. */
  security: SecuritySchemeInfo[];
}

/**
 * Walks a router tree the way matching does (children in order, the goal after them) and
 * collects the endpoints: their path is the concatenation of the path filters on the way
 * down, their method the method filter closest to them.
 */
export function collectRoutes(root: RouterLike): CollectedRoute[] {
  const out: CollectedRoute[] = [];
  const visit = (
    router: RouterLike,
    segments: Segment[],
    method: string | undefined,
    security: SecuritySchemeInfo[],
  ) => {
    const parts = router[routerParts]();
    let here = segments;
    let verb = method;
    for (const filter of parts.filters) {
      if (filter.kind === 'path') here = [...here, ...filter.pattern.segments];
      else if (filter.kind === 'method') verb = filter.method.toLowerCase();
    }
    const auth = [...security, ...schemesOf(parts.hoops)];
    for (const child of parts.children) visit(child, here, verb, auth);
    const spec = endpointSpecOf(parts.goal);
    if (spec) out.push({ segments: here, method: verb ?? 'get', spec, security: auth });
  };
  visit(root, [], undefined, []);
  return out;
}

function schemesOf(hoops: readonly Handler[]): SecuritySchemeInfo[] {
  const out: SecuritySchemeInfo[] = [];
  for (const hoop of hoops) {
    const info = securitySchemeOf(hoop);
    if (info) out.push(info);
  }
  return out;
}
