import { compileRouter } from './engine/compile.js';
import { type Filter, FnFilter, HostFilter, MethodFilter, PathFilter } from './filters.js';
import { PathState } from './path-state.js';
import { RouteError } from './route-error.js';
import { type RouterParts, routerParts } from './router-parts.js';
import { printRouter } from './router-print.js';
import type { FilterFn, Handler, Matcher, Request, RouteMatch } from './types.js';

/**
 * A node of Salvo's tree router. A router has filters (path, method, host, custom), hoops
 * (middleware), child routers and optionally a goal (the final handler). A request
 * matches a router when all its filters pass; then its children are tried depth-first in
 * insertion order, and if none matches and the whole path was consumed, its own goal
 * answers. `.get(h)` and friends add a child with a method filter and goal `h`, so one
 * path serves several methods, and a path that matched without a fitting method is a
 * 405 instead of a 404.
 *
 * `compile()` freezes the tree (every router in it) and returns the fast matcher; any
 * later change to a router of that tree throws a RouteError, so the running matcher can
 * never silently disagree with the tree you are looking at.
 */
export class Router {
  readonly #filters: Filter[] = [];
  readonly #children: Router[] = [];
  readonly #hoops: Handler[] = [];
  #goal: Handler | undefined;
  #bodyLimit: number | undefined;
  #frozen = false;
  #matcher: Matcher | undefined;

  /** `new Router('users/{id}')` is `new Router().path('users/{id}')`. */
  constructor(path?: string) {
    if (path !== undefined) this.path(path);
  }

  /** Adds a path filter. Throws RouteError (with a caret at the problem) for a bad pattern. */
  path(pattern: string): this {
    this.#mutable();
    this.#filters.push(new PathFilter(pattern));
    return this;
  }

  /** Adds a child router; children are tried in the order they were added. */
  push(child: Router): this {
    this.#mutable();
    if (!(child instanceof Router)) throw new RouteError('Router.push expects a Router');
    if (child === this) throw new RouteError('a router cannot be its own child');
    this.#children.push(child);
    return this;
  }

  append(children: readonly Router[]): this {
    for (const child of children) this.push(child);
    return this;
  }

  /** Adds middleware that runs for every route under this router, before the goal. */
  hoop(handler: Handler): this {
    this.#mutable();
    this.#hoops.push(handler);
    return this;
  }

  /** Sets (replaces) the handler that answers when matching ends at this router. */
  goal(handler: Handler): this {
    this.#mutable();
    this.#goal = handler;
    return this;
  }

  get(handler: Handler): this {
    return this.#methodChild('GET', handler);
  }
  post(handler: Handler): this {
    return this.#methodChild('POST', handler);
  }
  put(handler: Handler): this {
    return this.#methodChild('PUT', handler);
  }
  delete(handler: Handler): this {
    return this.#methodChild('DELETE', handler);
  }
  patch(handler: Handler): this {
    return this.#methodChild('PATCH', handler);
  }
  head(handler: Handler): this {
    return this.#methodChild('HEAD', handler);
  }
  options(handler: Handler): this {
    return this.#methodChild('OPTIONS', handler);
  }

  /** Adds a custom filter. It must be a pure function of the request. */
  filter(fn: FilterFn): this {
    this.#mutable();
    if (typeof fn !== 'function') throw new RouteError('Router.filter expects a function');
    this.#filters.push(new FnFilter(fn));
    return this;
  }

  /** Adds a host filter: `example.com` or `*.example.com`; case-insensitive, port ignored. */
  host(name: string): this {
    this.#mutable();
    this.#filters.push(new HostFilter(name));
    return this;
  }

  /** Request body limit in bytes for routes under this router; the innermost one wins. */
  bodyLimit(bytes: number): this {
    this.#mutable();
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RouteError(`bodyLimit must be a non-negative integer, got ${bytes}`);
    }
    this.#bodyLimit = bytes;
    return this;
  }

  /**
   * Builds (once) and returns the fast matcher, freezing this router and all below it.
   * Calling it again returns the same matcher.
   */
  compile(): Matcher {
    if (this.#matcher === undefined) {
      const matcher = compileRouter(this);
      Router.#freeze(this);
      this.#matcher = matcher;
    }
    return this.#matcher;
  }

  /**
   * The reference matcher: Salvo's `Router::detect` written plainly, walking the tree
   * without any index. The compiled matcher must answer exactly like this; tests compare
   * the two. Use compile() to serve requests.
   */
  detect(req: Request): RouteMatch | 404 | 405 {
    const state = new PathState(req.path);
    const chain: Router[] = [];
    if (this.#filtersPass(req, state) && this.#visit(req, state, chain)) {
      let route = '';
      let bodyLimit: number | undefined;
      const hoops: Handler[] = [];
      for (const router of chain) {
        for (const f of router.#filters)
          if (f.kind === 'path' && f.pattern.label !== '') route += `/${f.pattern.label}`;
        hoops.push(...router.#hoops);
        if (router.#bodyLimit !== undefined) bodyLimit = router.#bodyLimit;
      }
      const goal = chain[chain.length - 1]!.#goal!;
      return { hoops, goal, handlers: [...hoops, goal], params: state.params, route: route || '/', bodyLimit };
    }
    return state.onceEnded ? 405 : 404;
  }

  /** The tree, one router per line, like Salvo's Debug output (plus hoops and body limits). */
  toString(): string {
    return printRouter(this);
  }

  [routerParts](): RouterParts {
    return {
      filters: this.#filters,
      children: this.#children,
      hoops: this.#hoops,
      goal: this.#goal,
      bodyLimit: this.#bodyLimit,
    };
  }

  /** This router's filters passed: try children depth-first, then our own goal. */
  #visit(req: Request, state: PathState, chain: Router[]): boolean {
    chain.push(this);
    for (const child of this.#children) {
      const cursor = state.cursor;
      const params = { ...state.params };
      if (child.#filtersPass(req, state) && child.#visit(req, state, chain)) return true;
      // Roll back what the failed branch consumed and captured.
      state.cursor = cursor;
      state.params = params;
    }
    if (state.isEnded) {
      state.onceEnded = true;
      if (this.#goal !== undefined) return true;
    }
    chain.pop();
    return false;
  }

  #filtersPass(req: Request, state: PathState): boolean {
    for (const f of this.#filters) if (!f.test(req, state)) return false;
    return true;
  }

  #methodChild(method: string, handler: Handler): this {
    const child = new Router();
    child.#filters.push(new MethodFilter(method));
    child.#goal = handler;
    return this.push(child);
  }

  #mutable(): void {
    if (this.#frozen) {
      throw new RouteError(
        'this router belongs to a compiled tree and can no longer change; add routes before compile()',
      );
    }
  }

  static #freeze(router: Router): void {
    router.#frozen = true;
    for (const child of router.#children) Router.#freeze(child);
  }
}
