import type { Filter } from './filters.js';
import type { Handler } from './types.js';

/**
 * Read access to a router's internals for engine/tree.ts and router-print.ts. A symbol keeps
 * it off the public surface (it is not re-exported from the package) while letting those
 * files live apart from router.ts.
 */
export const routerParts = Symbol('volley.routerParts');

export interface RouterParts {
  readonly filters: readonly Filter[];
  readonly children: readonly RouterLike[];
  readonly hoops: readonly Handler[];
  readonly goal: Handler | undefined;
  readonly bodyLimit: number | undefined;
}

export interface RouterLike {
  [routerParts](): RouterParts;
}
