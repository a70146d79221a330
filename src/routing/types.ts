import type { Request } from '../http/contract.js';

/**
 * The request and handler types come from the contract with the Service
 * (src/http/contract.ts); routing imports nothing else from http. Routing reads the
 * uppercase method, the lowercase hostname without port, and the raw path (no query, not
 * percent-decoded); filters receive the full Request so a custom filter can look at
 * headers too.
 */
export type { Handler, Matcher, Request, RouteMatch } from '../http/contract.js';

/** A custom filter: pure function of the request (it must not depend on routing state). */
export type FilterFn = (req: Request) => boolean;
