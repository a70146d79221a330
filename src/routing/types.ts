import type { Handler } from '../http/handler.js';
import type { Request } from '../http/request.js';

/**
 * What routing needs from a request: the uppercase method, the lowercase hostname
 * without port, and the raw path (no query, not percent-decoded). Filters receive the
 * full Request so a custom filter can look at headers too.
 */
export type { Handler, Request };

/** A successful lookup: everything the Service needs to run the matched route. */
export interface RouteMatch {
  /** Hoops of every router on the matched chain, root to leaf. */
  hoops: readonly Handler[];
  /** The goal of the router where matching ended. */
  goal: Handler;
  /** `hoops` then `goal`: the handlers the route runs, in order (the same array for every match of a route). */
  handlers: readonly Handler[];
  /** Decoded path params; a wildcard gives the remaining segments joined by '/'. */
  params: Record<string, string>;
  /** The matched patterns joined, e.g. '/users/{id:num}' (a metrics label, never the raw path). */
  route: string;
  /** The innermost `bodyLimit` on the chain, if any. */
  bodyLimit: number | undefined;
}

/**
 * A compiled router. 404: nothing matched. 405: some router consumed the whole path but
 * no goal under it accepted the request (usually a method mismatch), as in Salvo.
 */
export type Matcher = (req: Request) => RouteMatch | 404 | 405;

/** A custom filter: pure function of the request (it must not depend on routing state). */
export type FilterFn = (req: Request) => boolean;
