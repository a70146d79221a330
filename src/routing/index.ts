/**
 * Salvo's tree router: path patterns, filters, the reference `detect` and the compiled
 * matcher. See router.ts for the matching rules and path-pattern.ts for the syntax.
 */
export { FnFilter, HostFilter, MethodFilter, PathFilter } from './filters.js';
export type { PathPattern, Segment, WildKind } from './path-pattern.js';
export { parsePathPattern } from './path-pattern.js';
export { RouteError } from './route-error.js';
export { Router } from './router.js';
export type { FilterFn, Matcher, RouteMatch } from './types.js';
