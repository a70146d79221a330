import type { Depot } from './depot.js';
import type { Handler } from './handler.js';
import type { Request } from './request.js';
import type { Response } from './response.js';

/** What the chain does with an error a handler threw (the Service turns it into a 500 or its status). */
export type ErrorSink = (err: unknown, req: Request, res: Response) => void;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * Runs a request's handler chain (Salvo's FlowCtrl): hoops root to leaf, then the goal.
 * A hoop may `await ctrl.callNext()` to run the rest and then act on the response; if it
 * does not, the next handler runs after it returns. `skipRest()` stops the chain,
 * `cease()` stops it for good. A redirect or error status also stops it ("stamped").
 * Synchronous handlers run without allocating promises; the chain only goes async when
 * a handler returns a promise.
 */
export class FlowCtrl {
  // One of these is made per request: fields are set in the constructor, not by class field
  // initialisers (see Request for why), hence TypeScript `private` instead of `#`.
  declare private readonly handlers: readonly Handler[];
  declare private readonly req: Request;
  declare private readonly res: Response;
  declare private readonly depot: Depot;
  declare private readonly onError: ErrorSink;
  declare private cursor: number;
  declare private ceased: boolean;
  // The promise that finishes the chain once a handler went async (see run()).
  declare private tail: Promise<void> | undefined;

  constructor(handlers: readonly Handler[], req: Request, res: Response, depot: Depot, onError: ErrorSink) {
    this.handlers = handlers;
    this.req = req;
    this.res = res;
    this.depot = depot;
    this.onError = onError;
    this.cursor = 0;
    this.ceased = false;
    this.tail = undefined;
  }

  hasNext(): boolean {
    return this.cursor < this.handlers.length;
  }

  /** Runs the rest of the chain; resolves to false when there was nothing left to run. */
  async callNext(): Promise<boolean> {
    if (!this.hasNext()) return false;
    await this.run();
    return true;
  }

  /** Skips every handler not yet run. */
  skipRest(): void {
    this.cursor = this.handlers.length;
  }

  /** Skips the rest and marks the flow as ceased (hoops that check `isCeased` stop too). */
  cease(): void {
    this.skipRest();
    this.ceased = true;
  }

  get isCeased(): boolean {
    return this.ceased;
  }

  /** @internal Runs handlers from the cursor; returns a promise only if one of them was async. */
  run(): undefined | Promise<void> {
    const handlers = this.handlers;
    while (this.cursor < handlers.length) {
      const index = this.cursor++;
      const tail = this.tail;
      let out: unknown;
      try {
        out = handlers[index]!(this.req, this.res, this.depot, this);
      } catch (err) {
        this.fail(err);
        return this.tail === tail ? undefined : this.tail;
      }
      if (isThenable(out)) {
        this.tail = this.continueAsync(out, index);
        return this.tail;
      }
      this.after(out, index);
      // A synchronous hoop called ctrl.callNext() without awaiting it and the rest of the
      // chain went async: that nested run finishes the chain, so hand back its promise
      // instead of running later handlers while an earlier one is still pending.
      if (this.tail !== tail) return this.tail;
    }
    return undefined;
  }

  private async continueAsync(pending: PromiseLike<unknown>, index: number): Promise<void> {
    let out: unknown;
    try {
      out = await pending;
    } catch (err) {
      this.fail(err);
      return;
    }
    this.after(out, index);
    await this.run();
  }

  private after(out: unknown, index: number): void {
    const res = this.res;
    // `(req, res) => res.status(204)` returns the Response itself: that is not a value to render.
    if (out !== undefined && out !== res && index === this.handlers.length - 1 && !res.hasBody) res.render(out);
    if (res.isStamped) this.skipRest();
  }

  private fail(err: unknown): void {
    this.skipRest();
    this.onError(err, this.req, this.res);
  }
}
