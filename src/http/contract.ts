import type { Handler } from './handler.js';
import type { Request } from './request.js';

/**
 * The seam between the Service and the router. The Service (this folder) only needs
 * something it can compile into a lookup from a request to the handlers to run; the
 * router (src/routing/) is one such thing. Defining that here lets the Service run a
 * Router without importing routing, while routing imports nothing from http but these
 * types: the dependency goes one way, routing -> http.
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
 * A compiled route table. 404: nothing matched. 405: some router consumed the whole path
 * but no goal under it accepted the request (usually a method mismatch), as in Salvo.
 */
export type Matcher = (req: Request) => RouteMatch | 404 | 405;

/** What a Service serves: a Router, or anything else that compiles to a Matcher. */
export interface RouteTable {
  /** The matcher; called once, when the Service is compiled. */
  compile(): Matcher;
}
