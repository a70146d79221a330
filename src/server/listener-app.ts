import type { IncomingMessage, ServerResponse } from 'node:http';
import { kRoute } from '../http/service.js';

/** A Node request listener: Express, Connect, Koa's `app.callback()`, `(req, res) => { ... }`. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The route label of requests to an app whose routes Volley does not know, in request metrics. */
export const APP_ROUTE = '<app>';

/**
 * Any Node request listener as something a Server serves, so that an Express or Hono app gets
 * what a Volley Service gets from `Server` and `volley serve`: every listener, TLS and HTTP/2,
 * graceful drain, request counts and metrics.
 */
export class ListenerApp {
  readonly #listener: RequestListener;
  /** Set by a Server with a request observer: label each request for the metrics. */
  recordRoutes = false;

  constructor(listener: RequestListener) {
    this.#listener = listener;
  }

  compile(): this {
    return this;
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.recordRoutes) (res as { [kRoute]?: string })[kRoute] = APP_ROUTE;
    this.#listener(req, res);
  };
}
