import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished, Readable } from 'node:stream';
import { AlreadyStartedError } from '../errors.js';
import { recordError, serveTraced } from '../otel/server-span.js';
import { tracingActive } from '../otel/tracing-active.js';
import type { RawRequest } from './body.js';
import { Catcher } from './catcher.js';
import type { Matcher, RouteTable } from './contract.js';
import { Depot } from './depot.js';
import { FlowCtrl } from './flow-ctrl.js';
import type { FormData } from './form.js';
import type { Handler } from './handler.js';
import { Request } from './request.js';
import { type RawResponse, Response } from './response.js';
import { StatusError } from './status-error.js';

export interface ServiceOptions {
  /** Send error details (messages, stacks) to clients. Default: NODE_ENV === 'development'. */
  development?: boolean;
  /** Where unexpected handler errors are logged. Default: console.error with the stack. */
  logError?: (err: unknown, req: Request) => void;
}

/** Where the Service leaves the matched route pattern on Node's response, for metrics. */
export const kRoute: unique symbol = Symbol('volley.route');

const setNotFound: Handler = (_req, res) => {
  if (!res.hasBody && res.statusCode === undefined) res.status(404);
};
const setMethodNotAllowed: Handler = (_req, res) => {
  if (!res.hasBody && res.statusCode === undefined) res.status(405);
};

/**
 * HEAD is GET without the body (RFC 9110 §9.3.2): a path with a GET route but no HEAD route
 * answers HEAD with the GET handler (Node leaves the body out). An explicit `.head()` route
 * that comes first in the tree still wins.
 */
function matchHeadAsGet(matcher: Matcher, req: Request): ReturnType<Matcher> {
  const writable = req as { method: string };
  writable.method = 'GET';
  try {
    return matcher(req);
  } finally {
    writable.method = 'HEAD';
  }
}

/** The methods probed for a 405's Allow header (RFC 9110 §15.5.6 requires one). */
const ALLOW_PROBES = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The methods the path answers, found by asking the matcher once per method: a 405 is rare,
 * and the matcher is the only thing that knows which filters (path, host, custom) let a
 * method through. HEAD is allowed wherever GET is (see matchHeadAsGet).
 */
function allowedMethods(matcher: Matcher, req: Request): string {
  const writable = req as { method: string };
  const original = writable.method;
  const allowed: string[] = [];
  try {
    for (const method of ALLOW_PROBES) {
      writable.method = method;
      if (typeof matcher(req) === 'object' || (method === 'HEAD' && allowed.includes('GET'))) allowed.push(method);
    }
  } finally {
    writable.method = original;
  }
  return allowed.join(', ');
}

function defaultLogError(err: unknown, req: Request): void {
  const what = err instanceof Error ? (err.stack ?? err.message) : String(err);
  console.error(`volley: ${req.method} ${req.path} failed: ${what}`);
}

/**
 * A Router plus what surrounds it (Salvo's Service): Service-level hoops, which run on
 * every request including 404/405 (so CORS preflight works), and the Catcher that renders
 * error pages. `service.handle` is a plain Node request listener.
 *
 * Generic over the route table so that `new Service(router).router` is still typed as the
 * Router it was given, while this file needs only the contract (contract.ts), not routing.
 */
export class Service<R extends RouteTable = RouteTable> {
  readonly router: R;
  readonly #hoops: Handler[] = [];
  #catcher = new Catcher();
  readonly #development: boolean;
  readonly #logError: (err: unknown, req: Request) => void;
  #matcher: Matcher | undefined;
  /** @internal Set by a Server with a request observer: leave the route pattern on the raw response. */
  recordRoutes = false;
  #notFoundChain: Handler[] = [setNotFound];
  #methodNotAllowedChain: Handler[] = [setMethodNotAllowed];
  // With service hoops, a route's chain (service hoops + the route's handlers) is built
  // once per route; without, the route's own handlers array is the chain.
  readonly #chains = new WeakMap<readonly Handler[], readonly Handler[]>();
  readonly #stopHooks: (() => unknown)[] = [];

  constructor(router: R, options: ServiceOptions = {}) {
    this.router = router;
    this.#development = options.development ?? process.env.NODE_ENV === 'development';
    this.#logError = options.logError ?? defaultLogError;
  }

  /** Adds a hoop that runs on every request, before the router's. */
  hoop(handler: Handler): this {
    if (this.#matcher)
      throw new AlreadyStartedError('Service.hoop() must be called before the service handles requests');
    this.#hoops.push(handler);
    this.#notFoundChain = [...this.#hoops, setNotFound];
    this.#methodNotAllowedChain = [...this.#hoops, setMethodNotAllowed];
    return this;
  }

  catcher(catcher: Catcher): this {
    this.#catcher = catcher;
    return this;
  }

  /**
   * Runs `hook` when the service stops serving: under `volley serve`, in each worker after its
   * requests drained and before it exits (stop, reload, recycle, scale-down), within what is
   * left of --shutdown-timeout. For closing pools and flushing buffers.
   */
  onStop(hook: () => unknown): this {
    this.#stopHooks.push(hook);
    return this;
  }

  /** The hooks given to onStop(), in order. */
  get stopHooks(): readonly (() => unknown)[] {
    return this.#stopHooks;
  }

  /** Compiles the router (done on the first request if not before). */
  compile(): this {
    this.#matcher ??= this.router.compile();
    return this;
  }

  /**
   * The Node request listener: `http.createServer(service.handle)`. With an OpenTelemetry
   * tracer provider registered, each request is served inside a server span (src/otel/).
   */
  readonly handle = (rawReq: IncomingMessage | RawRequest, rawRes: ServerResponse | RawResponse): void => {
    if (tracingActive()) {
      serveTraced(rawReq, rawRes as ServerResponse, () => this.#serve(rawReq, rawRes));
      return;
    }
    this.#serve(rawReq, rawRes);
  };

  readonly #serve = (rawReq: IncomingMessage | RawRequest, rawRes: ServerResponse | RawResponse): Request => {
    const req = new Request(rawReq);
    const res = new Response(rawRes, req, this.#logError);
    const depot = new Depot();
    const matcher = this.#matcher ?? this.compile().#matcher!;
    let match: ReturnType<Matcher>;
    try {
      match = matcher(req);
      if (match === 405 && req.method === 'HEAD') match = matchHeadAsGet(matcher, req);
      if (match === 405) res.header('allow', allowedMethods(matcher, req));
    } catch (err) {
      // A custom filter threw: answer 500 through the Catcher instead of crashing the process.
      this.#onError(err, req, res);
      this.#finish(req, res, depot);
      return req;
    }
    let chain: readonly Handler[];
    if (typeof match === 'number') chain = match === 404 ? this.#notFoundChain : this.#methodNotAllowedChain;
    else {
      req.params = match.params;
      req.route = match.route;
      if (this.recordRoutes) (rawRes as { [kRoute]?: string })[kRoute] = match.route;
      if (match.bodyLimit !== undefined) req.bodyLimit = match.bodyLimit;
      chain = this.#hoops.length === 0 ? match.handlers : this.#chainFor(match.handlers);
    }
    const ctrl = new FlowCtrl(chain, req, res, depot, this.#onError);
    const pending = ctrl.run();
    if (pending) pending.then(() => this.#finish(req, res, depot)).catch((err) => this.#crash(err, req, res));
    else this.#finish(req, res, depot);
    return req;
  };

  #chainFor(handlers: readonly Handler[]): readonly Handler[] {
    let chain = this.#chains.get(handlers);
    if (chain === undefined) {
      chain = [...this.#hoops, ...handlers];
      this.#chains.set(handlers, chain);
    }
    return chain;
  }

  readonly #onError = (err: unknown, req: Request, res: Response): void => {
    // Whatever the chain had rendered so far belongs to the request that failed; the
    // error page replaces it.
    const partial = res.body;
    if (partial instanceof Readable) partial.destroy();
    res.discardBody();
    if (err instanceof StatusError) {
      res.status(err.status);
      res.error = err;
      if (err.status >= 500) {
        this.#logError(err.cause ?? err, req);
        recordError(res.raw, err.cause ?? err);
      }
      return;
    }
    this.#logError(err, req);
    recordError(res.raw, err);
    res.status(500);
    const detail = this.#development && err instanceof Error ? (err.stack ?? err.message) : undefined;
    res.error = StatusError.internalServerError(detail, err);
  };

  #finish(req: Request, res: Response, depot: Depot): void {
    const uploads = req.takeUploads();
    if (uploads !== undefined) this.#removeUploadsAfter(uploads, res);
    if (res.headersSent) return;
    if ((res.statusCode ?? 200) >= 400 && !res.hasBody) {
      const pending = this.#catcher.catch(req, res, depot, this.#onCatcherError);
      if (pending) {
        pending.then(() => res.flush()).catch((err) => this.#crash(err, req, res));
        return;
      }
    }
    try {
      res.flush();
    } catch (err) {
      this.#crash(err, req, res);
    }
  }

  readonly #onCatcherError = (err: unknown, req: Request): void => {
    this.#logError(err, req);
  };

  /** Uploaded files live until the response is done (a handler may stream one back). */
  #removeUploadsAfter(forms: FormData[], res: Response): void {
    finished(res.raw as ServerResponse, () => {
      for (const form of forms) void form.cleanup();
    });
  }

  /** Last resort when rendering itself failed: a bare 500, and the process keeps serving. */
  #crash(err: unknown, req: Request, res: Response): void {
    this.#logError(err, req);
    const raw = res.raw as ServerResponse;
    if (raw.headersSent) {
      raw.destroy();
      return;
    }
    raw.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    raw.end('500 Internal Server Error');
  }
}
