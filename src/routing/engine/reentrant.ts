import type { Request } from '../types.js';
import type { Answer, Engine } from './engine.js';

/**
 * An engine for a tree with host or custom filters: user code runs during a lookup. The
 * engines keep the state of a lookup in fields they reuse (so that a lookup allocates
 * next to nothing), and a filter that calls the matcher again would clobber it midway:
 * such a nested lookup gets an engine of its own. Only the trees that need it pay for
 * the flag and the try/finally; their lookups run user code anyway.
 */
export class Reentrant implements Engine {
  private readonly engine: Engine;
  private readonly fresh: () => Engine;
  private busy = false;

  /** `fresh` makes an engine for the tree with its own lookup state. */
  constructor(fresh: () => Engine) {
    this.fresh = fresh;
    this.engine = fresh();
  }

  match(method: string, path: string, req: Request | null): Answer {
    if (this.busy) return this.fresh().match(method, path, req);
    this.busy = true;
    try {
      return this.engine.match(method, path, req);
    } finally {
      this.busy = false;
    }
  }
}
